/**
 * Webhook signatures as Standard Webhooks receivers check them (the project's own verifier), the
 * ids that make a replay recognisable, the addresses a webhook may not reach, and the settings.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config.js';
import { createLogger, withoutAddresses } from '../../server/logger.js';
import { checkLiteralHost, isPrivateAddress } from '../../server/notify/address-guard.js';
import { formatBody, type WebhookEnvelope } from '../../server/notify/webhook-format.js';
import { eventWebhookId, secretKey, signedHeaders } from '../../server/notify/webhook-signing.js';
import { postJson } from '../../server/notify/webhooks.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook signatures', () => {
  it('are accepted by the Standard Webhooks verifier, and a changed body or secret is refused', () => {
    const body = JSON.stringify({ type: 'comment.created', timestamp: '2026-12-01T06:00:00.000Z', data: { articleId: 'a' } });
    const headers = signedHeaders(secretKey(secret), eventWebhookId('a', 'e1', 1), body, new Date());
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('"a"', '"b"'), headers)).toThrow();
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
  });

  it('carry the attempt time: an old timestamp is refused by the verifier', () => {
    const body = '{}';
    const headers = signedHeaders(secretKey(secret), 'evt_x', body, new Date(Date.now() - 3600_000));
    expect(() => new Webhook(secret).verify(body, headers)).toThrow(/timestamp/i);
  });

  it('ids are stable per article, epoch and seq, and differ otherwise', () => {
    expect(eventWebhookId('a', 'e1', 1)).toBe(eventWebhookId('a', 'e1', 1));
    const ids = new Set([
      eventWebhookId('a', 'e1', 1),
      eventWebhookId('a', 'e1', 2),
      eventWebhookId('a', 'e2', 1),
      eventWebhookId('b', 'e1', 1),
    ]);
    expect(ids.size).toBe(4);
  });

  it('secrets must be whsec_ and enough random bytes', () => {
    expect(secretKey(secret)).toHaveLength(32);
    expect(secretKey('whsec_c2hvcnQ=')).toBeNull();
    expect(secretKey(randomBytes(32).toString('base64'))).toBeNull();
    expect(secretKey('whsec_not base64!')).toBeNull();
  });
});

describe('webhook addresses', () => {
  it('loopback, private, link-local and reserved addresses are private', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:a9fe:a9fe',
      '224.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('a literal private host is refused before any connection, unless allowed', async () => {
    expect(() => checkLiteralHost('[::1]', false)).toThrow(/refused/);
    expect(() => checkLiteralHost('127.0.0.1', true)).not.toThrow();
    await expect(postJson('http://127.0.0.1:9/x', '{}', {}, 1000, false)).rejects.toThrow(/refused/);
  });

  it('a name that resolves to a private address is refused after resolution', async () => {
    await expect(postJson('http://localhost:9/x', '{}', {}, 1000, false)).rejects.toThrow(/refused: localhost/);
  });
});

describe('webhook settings', () => {
  it('parses formats and refuses bad URLs; a secret is required for the standard format', () => {
    const c = parseConfig({
      WEBHOOK_URLS: 'https://a.example/hook, slack:https://hooks.slack.example/x, discord:https://d.example/y',
      WEBHOOK_SECRET: secret,
    });
    expect(c.WEBHOOK_URLS.map((e) => e.format)).toEqual(['standard', 'slack', 'discord']);
    expect(() => parseConfig({ WEBHOOK_URLS: 'ftp://a.example' })).toThrow(/WEBHOOK_URLS/);
    expect(() => parseConfig({ WEBHOOK_URLS: 'https://a.example/hook' })).toThrow(/WEBHOOK_SECRET/);
    expect(() => parseConfig({ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: 'plain' })).toThrow(/WEBHOOK_SECRET/);
    expect(parseConfig({ WEBHOOK_URLS: 'slack:https://hooks.slack.example/x' }).WEBHOOK_URLS).toHaveLength(1);
    expect(parseConfig({}).WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it('chat formats escape what a commenter wrote', () => {
    const envelope: WebhookEnvelope = {
      type: 'comment.created',
      timestamp: '2026-12-01T06:00:00.000Z',
      data: {
        articleId: 'a',
        comment: { author: { name: '<!channel>' }, body: '@everyone <http://x|y> [z](http://evil)' } as never,
        url: 'https://c.example/moderate',
      },
    };
    const slack = JSON.parse(formatBody('slack', envelope)) as { text: string };
    expect(slack.text).not.toContain('<!channel>');
    expect(slack.text).toContain('&lt;!channel&gt;');
    expect(slack.text).toContain('<https://c.example/moderate|Open in the console>');
    const discord = JSON.parse(formatBody('discord', envelope)) as { content: string; allowed_mentions: unknown };
    expect(discord.content).not.toContain('@everyone');
    expect(discord.content).toContain('\\[z\\]\\(http://evil\\)');
    expect(discord.allowed_mentions).toEqual({ parse: [] });
  });
});

describe('addresses in logs', () => {
  it('SMTP errors lose the addresses they quote, and email fields are redacted', () => {
    expect(withoutAddresses('550 5.1.1 <alice@example.test>: Recipient address rejected')).toBe(
      '550 5.1.1 <[address]>: Recipient address rejected',
    );
    const lines: string[] = [];
    const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
    logger.info({ email: 'alice@example.test', person: { email: 'bob@example.test' } }, 'x');
    expect(lines.join('')).not.toContain('@example.test');
  });
});
