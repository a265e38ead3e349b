/**
 * The widget offers reply e-mails only where the server sends them: a guest gives an address,
 * gets only the confirmation e-mail, and sees that it waits for confirmation; without SMTP the
 * widget offers nothing.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../support/nodes.js';
import { eventually, freePort } from '../support/ports.js';
import { launchBrowser } from './browser.js';
import { errorsOf, openDemo, signInGuest } from './harness.js';

let smtp: SMTPServer;
let withMail: TestNode;
let without: TestNode;
let browser: Browser;
const inbox: ParsedMail[] = [];

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        inbox.push(m);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  const port = await freePort();
  withMail = await startNode({
    port,
    env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: 'Comments <c@news.test>', PUBLIC_URL: `http://127.0.0.1:${port}` },
  });
  without = await startNode();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await Promise.all([withMail?.stop(), without?.stop()]);
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('widget: reply e-mails', () => {
  it('a guest gives an address and is asked to confirm it; only the confirmation is sent', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, withMail, 'widget-mail');
    await signInGuest(page, 'Gus');
    await page.locator('.lt-mail summary').click();
    await page.locator('input.lt-mail-email').fill('gus@example.test');
    await page.locator('.lt-mail-send').click();
    await page.locator('.lt-mail-note', { hasText: 'Check your inbox' }).waitFor();
    expect(await page.locator('.lt-mail').innerText()).toContain('Waiting for you to confirm gus@example.test');
    await eventually(() => inbox.length === 1, 5000);
    expect(inbox[0]!.subject).toBe('Confirm your address for reply e-mails');
    expect(errorsOf(page)).toEqual([]);
    await context.close();
  });

  it('offers nothing when the server sends no e-mail', async () => {
    const context = await browser.newContext();
    const page = await openDemo(context, without, 'widget-mail');
    await signInGuest(page, 'Nia');
    await page.waitForTimeout(500);
    expect(await page.locator('.lt-mail').isVisible()).toBe(false);
    await context.close();
  });
});
