/**
 * Helpers for the moderator console's browser tests: nodes on one Redis that a test can restart,
 * signing in, switching views and reading what the moderator sees.
 */
import http from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ClientSocket } from '../../client/discussion-client.js';
import { closeClients, connected, rawSocket, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { launchBrowser } from './browser.js';

export interface ConsoleEnv {
  a: TestNode;
  b: TestNode;
  redis: RedisServer;
  browser: Browser;
  /** Stops node a and starts it again on the same port (its sockets see the server go away). */
  restartA(whileDown?: () => Promise<void>): Promise<void>;
}

type NodeOptions = Parameters<typeof startNode>[0];

/** Two nodes on one Redis and a browser for the file's tests. */
export function consoleNodes(opts: Omit<NodeOptions, 'redisUrl'> = {}): ConsoleEnv {
  const env = {} as ConsoleEnv;
  beforeAll(async () => {
    env.redis = await startRedis({ appendonly: false });
    [env.a, env.b] = await Promise.all([startNode({ ...opts, redisUrl: env.redis.url }), startNode({ ...opts, redisUrl: env.redis.url })]);
    env.browser = await launchBrowser();
    env.restartA = async (whileDown) => {
      const port = env.a.port;
      await env.a.stop();
      await whileDown?.();
      env.a = await startNode({ ...opts, redisUrl: env.redis.url, port });
    };
  }, 60_000);
  afterAll(async () => {
    closeClients();
    await env.browser?.close();
    await Promise.all([env.a?.stop(), env.b?.stop()]);
    await env.redis?.stop();
  });
  return env;
}

/** Page errors surface in the test. */
const errors = new WeakMap<Page, Error[]>();
export function pageErrors(page: Page): Error[] {
  return errors.get(page) ?? [];
}

/** A new page on the console of `node`; signs in with `tokenValue` through a `#token=` link unless told to paste. */
export async function openConsole(
  context: BrowserContext,
  node: TestNode,
  tokenValue: string,
  how: 'link' | 'paste' = 'link',
  beforeOpen?: (page: Page) => Promise<void>,
): Promise<Page> {
  const page = await context.newPage();
  const list: Error[] = [];
  errors.set(page, list);
  page.on('pageerror', (e) => list.push(e));
  await beforeOpen?.(page);
  if (how === 'link') {
    await page.goto(`${node.url}/moderate#token=${encodeURIComponent(tokenValue)}`);
  } else {
    await page.goto(`${node.url}/moderate`);
    await page.fill('input.lm-token', tokenValue);
    await page.click('.lm-signin');
  }
  // Headless Chromium runs animation frames only for the page in front; Playwright's
  // actionability checks wait for them.
  await page.bringToFront();
  await consoleLive(page);
  return page;
}

export async function consoleLive(page: Page, timeout = 20_000): Promise<void> {
  await page.locator('.lm-status[data-state="live"]').waitFor({ timeout });
}

export type ConsoleView = 'queue' | 'feed' | 'articles' | 'thread' | 'search' | 'user' | 'bans' | 'audit' | 'webhooks';

/** Shows a view: its tab when the tab is on screen (queue and feed have none on a wide screen). */
export async function show(page: Page, view: ConsoleView): Promise<void> {
  const tab = page.locator(`.lm-tab-${view}`);
  if (await tab.isVisible()) await tab.click();
  await page.locator(`#lm-panel-${view}`).waitFor({ state: 'visible' });
}

/** The text of every entry of the feed, top (newest) first. */
export function feedTexts(page: Page): Promise<string[]> {
  return page.locator('.lm-feed > li').evaluateAll((els) => els.map((el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
}

/** A socket signed in as `sub`. */
export async function signedIn(
  node: TestNode,
  sub: string,
  role: 'commenter' | 'moderator' = 'commenter',
  name = sub,
): Promise<ClientSocket> {
  const s = rawSocket(node.url, await token(node, sub, role, name));
  await connected(s);
  return s;
}

/** A guest session (POST /api/session/guest) named `name`, and a socket signed in with it. */
export async function guest(node: TestNode, name: string): Promise<{ socket: ClientSocket; userId: string }> {
  const res = await new Promise<{ token: string; user: { id: string } }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: node.port, path: '/api/session/guest', method: 'POST', headers: { 'content-type': 'application/json' } },
      (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () => (r.statusCode === 201 ? resolve(JSON.parse(body) as never) : reject(new Error(`${r.statusCode} ${body}`))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ name }));
  });
  const socket = rawSocket(node.url, res.token);
  await connected(socket);
  return { socket, userId: res.user.id };
}

/** Waits until `fn` holds, with room for a busy machine. */
export const until = (fn: () => Promise<boolean> | boolean, ms = 15_000) => eventually(fn, ms);
