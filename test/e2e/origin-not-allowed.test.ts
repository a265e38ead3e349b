/**
 * A publisher who forgot ALLOWED_ORIGINS: the server refuses the page's handshake. The widget
 * stops trying, says calmly that comments are not available, and the browser console tells the
 * publisher which origin to add, instead of "Reconnecting…" forever.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNode, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { launchBrowser } from './browser.js';
import { RESULTS, startHostSite, type HostSite } from './harness.js';

let browser: Browser | undefined;
let node: TestNode | undefined;
let host: HostSite | undefined;

beforeAll(async () => {
  host = await startHostSite();
  // Some other origin is listed; the host's is not.
  node = await startNode({ env: { ALLOWED_ORIGINS: 'http://127.0.0.1:1' } });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await node?.stop();
  await host?.close();
});

it('a page whose origin is not allowed shows "not available", stops reconnecting, and names ALLOWED_ORIGINS on the console', async () => {
  const context = await browser!.newContext();
  const page = await context.newPage();
  const messages: ConsoleMessage[] = [];
  page.on('console', (m) => messages.push(m));
  const handshakes: string[] = [];
  page.on('websocket', (ws) => handshakes.push(ws.url()));
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/socket.io/')) handshakes.push(r.url());
  });
  await page.goto(`${host!.origin}/?article=not-allowed&embed=${encodeURIComponent(node!.url)}`);

  const message = page.locator('.lt-unavailable');
  await message.waitFor({ timeout: 15_000 });
  expect(await message.textContent()).toBe('Comments are not available on this page.');
  expect(await page.locator('.lt-status').isVisible()).toBe(false);
  expect(await page.locator('.lt-root').innerText()).not.toContain('Reconnecting');
  mkdirSync(RESULTS, { recursive: true });
  await page.locator('[data-livethread-article]').screenshot({ path: path.join(RESULTS, 'widget-origin-not-allowed.png') });

  const advice = await eventually(() => messages.find((m) => m.text().includes('ALLOWED_ORIGINS')));
  expect(advice.type()).toBe('error');
  expect(advice.text()).toBe(
    `livethread: this page's origin ${host!.origin} is not allowed by the server at ${node!.url}. ` +
      `Add it to ALLOWED_ORIGINS, e.g. ALLOWED_ORIGINS=${host!.origin}`,
  );

  // It stopped: no handshake after the message, though the client's back-off is at most 5 s.
  const before = handshakes.length;
  expect(before).toBeGreaterThan(0);
  await sleep(6000);
  expect(handshakes.length).toBe(before);
  // Said once, however many attempts failed.
  expect(messages.filter((m) => m.text().includes('ALLOWED_ORIGINS'))).toHaveLength(1);
  await context.close();
}, 60_000);
