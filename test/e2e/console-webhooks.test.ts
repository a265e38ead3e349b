/**
 * The console's Webhooks tab: a moderator sends a test to the receiver and sees its answer, and
 * the delivery log lists what was delivered with its status and latency.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { ok } from '../support/acks.js';
import { token } from '../support/nodes.js';
import { freePort } from '../support/ports.js';
import { consoleNodes, openConsole, pageErrors, show, signedIn, until } from './console-helpers.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const port = await freePort();
const got: string[] = [];
const verifier = new Webhook(SECRET);
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const envelope = verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as { type: string };
    got.push(envelope.type);
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', () => resolve()));
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const env = consoleNodes({
  env: { WEBHOOK_URLS: `http://127.0.0.1:${port}/hook`, WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '100' },
});

describe('moderator console: webhooks', () => {
  it('sends a test and shows the delivery log with status and latency', async () => {
    const { a, b, browser } = env;
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await show(page, 'webhooks');
    await page.locator('.lm-hook code', { hasText: `http://127.0.0.1:${port}/…` }).waitFor();
    await page.getByRole('button', { name: 'Send test' }).click();
    await until(async () => (await page.locator('.lm-hooks-note').innerText()).includes('answered 204'));
    expect(got).toContain('webhook.test');

    const wes = await signedIn(b, 'wes', 'commenter', 'Wes');
    ok(await wes.emitWithAck('comment:post', { articleId: 'hooks-one', body: 'Hello' }));
    await until(() => got.includes('comment.created'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = page.locator('.lm-hooks-log tbody tr', { hasText: 'comment.created' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/204[\s\S]*\d+ ms/);
    expect(await page.locator('.lm-hook-state').innerText()).toBe('delivering');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  });
});
