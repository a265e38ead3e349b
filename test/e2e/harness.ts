/**
 * Helpers for the browser acceptance tests: the demo page for any article, a foreign host page,
 * Redis freezing, and reading the widget's DOM (inside its open shadow root).
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { eventually } from '../support/ports.js';
import { closeClients, startNode, type TestNode } from '../support/nodes.js';
import { launchBrowser } from './browser.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS = path.join(ROOT, 'test-results');

// ── set-up ──────────────────────────────────────────────────────────────────────────────

export interface TwoNodes {
  a: TestNode;
  b: TestNode;
  browser: Browser;
}

/**
 * Two nodes on one Redis and a browser, started before the file's tests and stopped after them
 * (with the raw sockets the tests opened). Read the fields inside the tests.
 */
export function twoNodesAndBrowser(): TwoNodes {
  const env = {} as TwoNodes;
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    [env.a, env.b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
    env.browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    closeClients();
    await env.browser?.close();
    await Promise.all([env.a?.stop(), env.b?.stop()]);
    await redis?.stop();
  });
  return env;
}

// ── pages ────────────────────────────────────────────────────────────────────────────────

/**
 * Opens the real demo page (`GET /` of `node`, from the network with its headers and CSP) showing
 * `articleId` instead of `demo`. The attribute is rewritten as the parser inserts the element,
 * before embed.js (async, at the end of the body) can run; `hash` (`#lt-<id>`) opens a permalink. (Fulfilling the page from a route
 * instead would make chromium's Local Network Access checks refuse its WebSocket to 127.0.0.1.)
 */
export async function openDemo(context: BrowserContext, node: Pick<TestNode, 'url'>, articleId: string, hash = ''): Promise<Page> {
  const page = await context.newPage();
  watchPage(page);
  // A string, not a function: tsx would add helper calls (__name) that do not exist in the page.
  await page.addInitScript(`
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('div[data-livethread-article="demo"]')) {
        el.setAttribute('data-livethread-article', ${JSON.stringify(articleId)});
      }
    }).observe(document, { childList: true, subtree: true });
  `);
  await page.goto(`${node.url}/${hash}`);
  const shown = await page.locator('div[data-livethread-article]').getAttribute('data-livethread-article');
  if (shown !== articleId) throw new Error(`the demo page shows article ${shown}, not ${articleId}`);
  await live(page);
  return page;
}

/** A third-party page (another origin, no CSP, hostile CSS) embedding the widget from a node. */
export interface HostSite {
  origin: string;
  /** Opens the host's article page with the widget loaded from `node`. */
  open(context: BrowserContext, node: TestNode, articleId: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startHostSite(): Promise<HostSite> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const articleId = url.searchParams.get('article') ?? 'x';
    const embed = url.searchParams.get('embed') ?? '';
    const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    // Deliberately no Content-Security-Policy: only the widget itself keeps user text inert here.
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host blog</title><link rel="icon" href="data:,">
<style>
  body { font: 20px/2 "Comic Sans MS", cursive; color: #d00; margin: 0; padding: 20px; }
  button, input, textarea, article, p, a, time, span { display: none !important; }
  div { border: 3px dotted lime; padding: 30px; }
  .lt-root, .lt-comment, .lt-body { display: none !important; }
</style></head>
<body><h1>My blog post</h1>
<div data-livethread-article="${esc(articleId)}" data-theme="light"></div>
<script src="${esc(embed)}/embed.js" async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    async open(context, node, articleId) {
      const page = await context.newPage();
      watchPage(page);
      await page.goto(`${origin}/?article=${encodeURIComponent(articleId)}&embed=${encodeURIComponent(node.url)}`);
      await live(page);
      return page;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Page errors and failed assertions inside the page surface in the test's output. */
const pageErrors = new WeakMap<Page, Error[]>();
function watchPage(page: Page): void {
  const errors: Error[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (e) => errors.push(e));
}

export function errorsOf(page: Page): Error[] {
  return pageErrors.get(page) ?? [];
}

/** Waits until the widget says "Live" (connected and the thread joined or joining). */
export async function live(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.locator('.lt-status[data-state="live"]').waitFor({ timeout: timeoutMs });
  await page.locator('.lt-loading').waitFor({ state: 'detached', timeout: timeoutMs });
}

/** Scrolls the page to its very end (the reader is "at the end" of the thread). */
export async function scrollToEnd(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
}

/** Signs in as a guest with the mouse (tests of other things than the keyboard). */
export async function signInGuest(page: Page, name: string): Promise<void> {
  await page.locator('input.lt-guest-name').fill(name);
  await page.locator('.lt-guest-signin').click();
  await page.locator('textarea.lt-composer-input').first().waitFor();
  await live(page);
}

/** Types into the root composer and presses Post; resolves when the server has acked it. */
export async function postViaUi(page: Page, body: string): Promise<string> {
  const before = new Set((await thread(page)).map((c) => c.id));
  await page.locator('.lt-compose textarea.lt-composer-input').fill(body);
  await page.locator('.lt-compose .lt-post').click();
  const c = await eventually(async () => (await thread(page)).find((c) => c.id && !before.has(c.id) && !c.pending), 5000);
  return c.id!;
}

// ── reading the widget ───────────────────────────────────────────────────────────────────

export interface ShownComment {
  id: string | null;
  clientId: string | null;
  depth: number;
  status: string | null;
  authorId: string | null;
  author: string | null;
  body: string | null;
  pending: boolean;
  removed: boolean;
  edited: boolean;
  sending: boolean;
}

/** Every comment element of the (first) widget on the page, in document order. */
export function thread(page: Page): Promise<ShownComment[]> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-livethread-article]')?.shadowRoot;
    if (!root) return [];
    return Array.from(root.querySelectorAll<HTMLElement>('article.lt-comment')).map((a) => ({
      id: a.dataset.commentId ?? null,
      clientId: a.dataset.clientId ?? null,
      depth: Number(a.dataset.depth),
      status: a.dataset.status ?? null,
      authorId: a.dataset.authorId ?? null,
      author: a.querySelector('.lt-author')?.textContent ?? null,
      // As read (paragraphs and line breaks as newlines), the same as docText() of its document.
      body: a.querySelector<HTMLElement>('.lt-body')?.innerText ?? null,
      pending: a.classList.contains('lt-pending'),
      removed: a.querySelector('.lt-placeholder') !== null,
      edited: a.querySelector('.lt-edited') !== null,
      sending: (a.querySelector('.lt-meta')?.textContent ?? '').includes('Sending…'),
    }));
  });
}

export const bodies = async (page: Page) => (await thread(page)).map((c) => c.body);

/** The text of the widget's live region. */
export function announced(page: Page): Promise<string> {
  return page.locator('.lt-announcer').evaluate((el) => el.textContent ?? '');
}

// ── Redis ────────────────────────────────────────────────────────────────────────────────

const frozen = new Set<number>();

/** Freezes redis-server (SIGSTOP): connections stay open and nothing answers. Returns the thaw. */
export async function freezeRedis(redis: RedisServer): Promise<() => void> {
  const client = redis.client();
  const info = await client.info('server');
  client.disconnect();
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!pid) throw new Error('no process_id in INFO server');
  process.kill(pid, 'SIGSTOP');
  frozen.add(pid);
  return () => {
    if (frozen.delete(pid)) process.kill(pid, 'SIGCONT');
  };
}

/** Thaws anything still frozen (afterAll, after a failure). */
export function thawAll(): void {
  for (const pid of frozen) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
  frozen.clear();
}

/** A comment's votes as the widget shows them; `buttons` false when they are counts only. */
export function votesOf(page: Page, commentId: string) {
  return page.locator(`article[data-comment-id="${commentId}"]`).evaluate((a) => {
    const part = (dir: string) => a.querySelector<HTMLElement>(`.lt-votes .lt-vote-${dir}`);
    const up = part('up');
    const down = part('down');
    return {
      up: Number(up?.querySelector('.lt-vote-count')?.textContent ?? NaN),
      down: Number(down?.querySelector('.lt-vote-count')?.textContent ?? NaN),
      myVote: up?.getAttribute('aria-pressed') === 'true' ? 1 : down?.getAttribute('aria-pressed') === 'true' ? -1 : 0,
      buttons: up instanceof HTMLButtonElement && down instanceof HTMLButtonElement,
    };
  });
}

/** The ids of the root comments shown, in order. */
export async function rootIds(page: Page): Promise<string[]> {
  return (await thread(page)).filter((c) => c.depth === 0 && c.id !== null).map((c) => c.id!);
}
