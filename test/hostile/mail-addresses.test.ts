/**
 * Addresses never reach the logs nor an answer: not when the mail server refuses a recipient
 * and quotes the address back (real servers do: `550 5.1.1 <x@y>: Recipient address rejected`),
 * neither for the confirmation of a new address nor for a reply e-mail.
 */
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/ports.js';
import { startTarget, type Target } from './target.js';

let target: Target;
let smtp: SMTPServer;
let refused = 0;
const attempts = new Map<string, number>();

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      refused++;
      attempts.set(address.address, (attempts.get(address.address) ?? 0) + 1);
      const err = new Error(`<${address.address}>: Recipient address rejected: User unknown`) as Error & { responseCode: number };
      err.responseCode = 550;
      callback(err);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  target = await startTarget({
    embedded: true,
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Comments <comments@news.test>',
      PUBLIC_URL: 'http://127.0.0.1:1',
      LOG_LEVEL: 'debug',
      NOTIFY_DELAY_MS: '100',
      NOTIFY_POLL_MS: '100',
    },
  });
}, 30_000);
afterAll(async () => {
  await target?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('a mail server that quotes the address back', () => {
  it('the confirmation of a new address: the answer and the log name no address', async () => {
    const token = await target.tokens.sign({ sub: 'gina', name: 'Gina', role: 'commenter' });
    const res = await fetch(`${target.url}/api/me/email`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'gina.secret@mail.test' }),
    });
    const text = await res.text();
    expect(refused).toBeGreaterThan(0);
    expect(text).not.toContain('gina.secret');
    expect(target.node.log).not.toContain('gina.secret');
    await target.assertHealthy();
  });

  it('a reply e-mail: the log names no address', async () => {
    const { DiscussionClient } = await import('../../client/discussion-client.js');
    const author = new DiscussionClient({
      url: target.url,
      token: await target.tokens.sign({
        sub: 'hugo',
        name: 'Hugo',
        role: 'commenter',
        email: 'hugo.secret@mail.test',
        email_verified: true,
      }),
      socketOptions: { transports: ['websocket'], reconnection: false },
    });
    const replier = new DiscussionClient({
      url: target.url,
      token: await target.token('ivan'),
      socketOptions: { transports: ['websocket'], reconnection: false },
    });
    try {
      await author.join('mail-article', { onEvent: () => undefined });
      const root = await author.post({ articleId: 'mail-article', body: 'a question' });
      author.close();
      await replier.join('mail-article', { onEvent: () => undefined });
      const before = refused;
      await replier.post({ articleId: 'mail-article', parentId: root.id, body: 'an answer' });
      await eventually(() => refused > before, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(target.node.log).not.toContain('hugo.secret');
    } finally {
      author.close();
      replier.close();
    }
    await target.assertHealthy();
  }, 30_000);

  it('many sessions cannot make the service mail one address over and over', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${target.url}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Bomber ${i}` }),
      });
      const { token } = (await res.json()) as { token: string };
      const add = await fetch(`${target.url}/api/me/email`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'Victim@Mail.test' }),
      });
      statuses.push(add.status);
    }
    expect([...attempts].filter(([a]) => a.toLowerCase() === 'victim@mail.test').reduce((n, [, c]) => n + c, 0)).toBe(1);
    expect(statuses.slice(1)).toEqual([429, 429, 429]);
    await target.assertHealthy();
  });
});
