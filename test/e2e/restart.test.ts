/**
 * The quick start as a small site runs it: the built server (`node dist/node/server/main.js`)
 * with no Redis and no AUTH_SECRET keeps its comments in DATA_DIR. Three comments posted through
 * the widget, SIGTERM, start again: the page shows them, an open reader's socket catches up with
 * `since` (no reset), and the guest is still signed in (the token signed with the kept secret).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, freePort } from '../support/ports.js';
import { launchBrowser } from './browser.js';
import { ROOT, bodies, live, postViaUi, signInGuest, thread } from './harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'lt-e2e-data-'));
let browser: Browser;
let server: ChildProcess | null = null;
let port = 0;

/** Starts the built server on `port` and DATA_DIR; resolves once it listens. */
async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/node/server/main.js'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, POST_RATE: 'off' },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`the server exited: ${out}`);
    return out.includes('listening');
  }, 30_000);
  return child;
}

async function stopServer(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

beforeAll(async () => {
  port = await freePort();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  server?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every Socket.IO frame a page sends and receives, with when. */
function frames(page: Page): { sent: { at: number; text: string }[]; received: string[] } {
  const log = { sent: [] as { at: number; text: string }[], received: [] as string[] };
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => log.sent.push({ at: Date.now(), text: String(f.payload) }));
    ws.on('framereceived', (f) => log.received.push(String(f.payload)));
  });
  return log;
}

it('comments, an open reader and a guest session survive a restart of the SQLite-backed server', async () => {
  server = await startServer();
  const base = `http://127.0.0.1:${port}`;
  const commenterContext = await browser.newContext();
  const commenter = await commenterContext.newPage();
  await commenter.goto(`${base}/`);
  await live(commenter);
  await signInGuest(commenter, 'Ada Guest');
  const texts = ['First, kept on disk', 'Second, kept on disk', 'Third, kept on disk'];
  for (const t of texts) await postViaUi(commenter, t);
  const authorId = (await thread(commenter)).find((c) => c.body === texts[0])?.authorId;
  expect(authorId).toBeTruthy();

  const reader = await (await browser.newContext()).newPage();
  const ws = frames(reader);
  await reader.goto(`${base}/`);
  await live(reader);
  expect(await bodies(reader)).toEqual(expect.arrayContaining(texts));

  expect(await stopServer(server)).toBe(0);
  const restartedAt = Date.now();
  server = await startServer();

  // The open reader reconnects and joins again from its head: events, not a reset snapshot.
  const rejoin = await eventually(() => ws.sent.find((f) => f.at >= restartedAt && f.text.includes('"thread:join"')), 20_000);
  expect(rejoin.text).toContain('"since":3');
  await live(reader);
  await eventually(async () => ws.received.length > 0 && (await bodies(reader)).length === 3, 10_000);
  expect(ws.received.some((f) => f.includes('"reset":true'))).toBe(false);

  // A fresh load shows the three comments from the file; the guest is still signed in.
  await commenter.reload();
  await live(commenter);
  expect((await bodies(commenter)).filter((b) => texts.includes(b ?? ''))).toHaveLength(3);
  expect(await commenter.locator('input.lt-guest-name').count()).toBe(0);
  const fourth = await postViaUi(commenter, 'Fourth, after the restart');
  const shown = (await thread(commenter)).find((c) => c.id === fourth);
  expect(shown).toMatchObject({ author: 'Ada Guest', authorId });
  // The reader gets it live (out of sight, behind the "1 new comment" button).
  await eventually(async () => (await reader.locator('.lt-new-button').textContent())?.includes('1 new comment'), 10_000);
  await reader.locator('.lt-new-button').click();
  await eventually(async () => (await bodies(reader)).includes('Fourth, after the restart'), 5000);
  expect(ws.received.some((f) => f.includes('"reset":true'))).toBe(false);
}, 120_000);
