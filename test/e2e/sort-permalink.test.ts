/**
 * Sort orders and permalinks in the reader's widget, in Debian chromium, on two nodes of one Redis.
 * A 350-comment thread (300 root threads, 50 replies) read in Newest, Oldest and Top order through
 * three pages, with new comments and votes between page loads: no comment twice, none missing,
 * each page in the server's order. A permalink to a deep reply in the third page opens scrolled to
 * it, highlighted; one to a removed comment says so.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DiscussionClient } from '../../client/discussion-client.js';
import type { Comment, Sort } from '../../shared/schemas.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { launchBrowser } from './browser.js';
import { errorsOf, openDemo, rootIds, thread } from './harness.js';

let redis: RedisServer | undefined;
let browser: Browser | undefined;
let a: TestNode | undefined;
let b: TestNode | undefined;
let contexts: BrowserContext[] = [];

const ARTICLE = 'e2e-sort-350';
const roots: Comment[] = [];
const replies: Comment[] = [];
/** A reply four levels down under one of the oldest roots (the third page, newest first). */
let deep: Comment;
let writer: DiscussionClient;
let voter: DiscussionClient;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  const env = { VOTE_RATE: 'off', READ_RATE: 'off', SOCKET_RATE: '1000/1' };
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url, name: 'A', env }), startNode({ redisUrl: redis.url, name: 'B', env })]);
  browser = await launchBrowser();
  writer = sdkClient(b.url, await token(b, 'writer', 'commenter', 'Wyn Writer'));
  await eventually(() => writer.connected);
  // Apart in time, so that creation time orders them as the server's sequence does.
  for (let i = 0; i < 300; i++) {
    roots.push(await writer.post({ articleId: ARTICLE, body: `Root ${i}` }));
    await sleep(2);
  }
  let parent = roots[10]!;
  for (let d = 1; d <= 4; d++) {
    parent = await writer.post({ articleId: ARTICLE, body: `Deep reply, level ${d}`, parentId: parent.id });
    replies.push(parent);
  }
  deep = parent;
  for (let i = 0; i < 46; i++) {
    replies.push(await writer.post({ articleId: ARTICLE, body: `Reply ${i}`, parentId: roots[(i * 7) % 300]!.id }));
  }
  // Scores for Top: a few voters up and down on a spread of roots.
  const voters = await Promise.all(['v1', 'v2', 'v3', 'v4'].map(async (v) => sdkClient(a!.url, await token(a!, v))));
  await eventually(() => voters.every((v) => v.connected));
  voter = voters[0]!;
  await Promise.all(
    voters.flatMap((v, k) =>
      roots
        .filter((_, i) => (i * (k + 3)) % 11 === 0)
        .map((r, j) => v.vote({ articleId: ARTICLE, commentId: r.id, value: j % 4 === 3 ? -1 : 1 })),
    ),
  );
}, 120_000);

afterEach(async () => {
  const open = contexts;
  contexts = [];
  await Promise.allSettled(open.map((c) => c.close()));
});

afterAll(async () => {
  closeClients();
  await browser?.close().catch(() => undefined);
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await redis?.stop();
}, 60_000);

async function newContext(): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1100, height: 900 }, reducedMotion: 'reduce' });
  contexts.push(context);
  return context;
}

interface Page1 {
  comments: Comment[];
  cursor: string | null;
  rank?: string[];
}

/** Every root thread's id in the server's order right now, page by page over HTTP (top: the first page and its ranking). */
async function serverOrder(node: TestNode, sort: Sort): Promise<string[]> {
  const base = `${node.url}/api/articles/${ARTICLE}/thread?sort=${sort}`;
  const first = (await (await fetch(base)).json()) as Page1;
  const ids = first.comments.filter((c) => c.parentId === null).map((c) => c.id);
  if (sort === 'top') return [...ids, ...(first.rank ?? [])];
  let cursor = first.cursor;
  while (cursor) {
    const next = (await (await fetch(`${base}&cursor=${cursor}`)).json()) as Page1;
    ids.push(...next.comments.filter((c) => c.parentId === null).map((c) => c.id));
    cursor = next.cursor;
  }
  return ids;
}

/** Every visible comment of the thread, by id (roots and replies, over HTTP). */
async function allVisible(node: TestNode): Promise<Set<string>> {
  const ids = new Set<string>();
  const base = `${node.url}/api/articles/${ARTICLE}`;
  let page = (await (await fetch(`${base}/thread`)).json()) as Page1 & { replyCursors?: Record<string, string> };
  for (;;) {
    for (const c of page.comments) if (c.status === 'visible') ids.add(c.id);
    for (const [rootId, cursor] of Object.entries(page.replyCursors ?? {})) {
      let next: string | null = cursor;
      while (next) {
        const r = (await (await fetch(`${base}/comments/${rootId}/replies?cursor=${next}`)).json()) as {
          comments: Comment[];
          cursor: string | null;
        };
        for (const c of r.comments) if (c.status === 'visible') ids.add(c.id);
        next = r.cursor;
      }
    }
    if (!page.cursor) return ids;
    page = (await (await fetch(`${base}/thread?cursor=${page.cursor}`)).json()) as typeof page;
  }
}

/** Fails on a comment shown twice; returns the ids shown. */
async function shownOnce(page: Page): Promise<string[]> {
  const ids = (await thread(page)).map((c) => c.id ?? `client:${c.clientId}`);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  expect(twice).toEqual([]);
  return ids;
}

async function loadMore(page: Page, roots: number): Promise<void> {
  const button = page.locator('.lt-load-older');
  expect(await button.textContent()).toMatch(/^Load more comments \(\d+ not shown yet\)$/);
  await button.click();
  await eventually(async () => (await rootIds(page)).length >= roots, 10_000);
}

describe('sort orders and permalinks in the widget', () => {
  for (const sort of ['newest', 'oldest', 'top'] as const) {
    it(`${sort}: three pages with new comments and votes between them, no comment twice, none missing, each page in order`, async () => {
      const page = await openDemo(await newContext(), a!, ARTICLE);
      if (sort !== 'newest') await page.locator(`.lt-sort-${sort}`).click();
      expect(await page.locator(`.lt-sort-${sort}`).getAttribute('aria-pressed')).toBe('true');
      await eventually(async () => (await rootIds(page)).length === 100, 10_000);
      const order = await serverOrder(b!, sort);
      expect(await rootIds(page)).toEqual(order.slice(0, 100));
      const before = new Set(order);
      const count = Number(await page.locator('.lt-count').textContent());
      expect(count).toBe((await allVisible(b!)).size);
      const left = Number(/\((\d+) not shown yet\)/.exec((await page.locator('.lt-load-older').textContent()) ?? '')?.[1]);
      expect(left).toBe(count - (await thread(page)).length);

      const arrived: string[] = [];
      for (const pageNo of [2, 3]) {
        // Between page loads: new root threads, a reply in a thread not loaded yet, votes that
        // would reorder Top (the ranking of the first page holds), all from node B.
        // Where the new root threads land, in view (they show at once there, not behind "new comments").
        if (sort === 'oldest') await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        else
          await page.evaluate(() => {
            document.querySelector('[data-livethread-article]')!.shadowRoot!.querySelector('.lt-thread')!.scrollIntoView();
            window.scrollBy(0, -40);
          });
        for (let i = 0; i < 2; i++)
          arrived.unshift((await writer.post({ articleId: ARTICLE, body: `New in ${sort}, before page ${pageNo} (${i})` })).id);
        await writer.post({ articleId: ARTICLE, body: `A reply on page 3 (${sort} ${pageNo})`, parentId: order[250]! });
        await Promise.all(order.slice(200, 210).map((id) => voter.vote({ articleId: ARTICLE, commentId: id, value: 1 })));
        await eventually(async () => {
          const shown = new Set(await rootIds(page));
          return arrived.every((id) => shown.has(id));
        }, 5000);
        await loadMore(page, 100 * pageNo + arrived.length);
        await shownOnce(page);
        const shownRoots = await rootIds(page);
        const loaded = shownRoots.filter((id) => before.has(id));
        // Each page in the order of the server's answer (new ones in their place: the newest first, or last in oldest).
        expect(loaded).toEqual(order.slice(0, 100 * pageNo));
        const fresh = shownRoots.filter((id) => !before.has(id));
        expect(fresh).toEqual(sort === 'oldest' ? [...arrived].reverse() : arrived);
        expect(shownRoots).toEqual(sort === 'oldest' ? [...loaded, ...fresh] : [...fresh, ...loaded]);
      }
      // The root threads the earlier orders' tests added come after the 300 in oldest order: load
      // them too. Then everything is there, once, and the header count is right.
      for (let more = 0; more < 3 && (await page.locator('.lt-load-older').count()) > 0; more++) {
        await loadMore(page, (await rootIds(page)).length + 1);
      }
      expect(await page.locator('.lt-load-older').count()).toBe(0);
      const visible = await allVisible(b!);
      const shown = await shownOnce(page);
      expect(new Set(shown)).toEqual(visible);
      await eventually(async () => Number(await page.locator('.lt-count').textContent()) === visible.size, 3000);
      const { counts } = (await (await fetch(`${a!.url}/api/counts?articleIds=${ARTICLE}`)).json()) as { counts: Record<string, number> };
      expect(counts[ARTICLE]).toBe(visible.size);
      expect(errorsOf(page)).toEqual([]);
    }, 90_000);
  }

  it('a permalink to a deep reply in the third page opens scrolled to it, highlighted; Link copies such a link', async () => {
    const context = await newContext();
    const page = await openDemo(context, a!, ARTICLE, `#lt-${deep.id}`);
    const target = page.locator(`article[data-comment-id="${deep.id}"]`);
    await target.waitFor({ timeout: 10_000 });
    await eventually(() => target.evaluate((el) => el.classList.contains('lt-target')), 3000);
    const inView = () =>
      target.evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
    await eventually(inView, 3000);
    expect(await target.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    // Its thread, four levels down (the deepest shown flattened, saying whom it answers).
    const chain = (await thread(page)).filter((c) => [roots[10]!.id, ...replies.slice(0, 4).map((r) => r.id)].includes(c.id!));
    expect(chain.map((c) => c.depth)).toEqual([0, 1, 2, 3, 3]);
    // Not in the first page of the thread: newer threads load above it, older ones below.
    expect((await rootIds(page)).length).toBeLessThan(100);
    await page.locator('.lt-load-newer').waitFor();

    // Link copies the page's address with #lt-<id>.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: a!.url });
    const other = roots[12]!;
    await page.locator(`article[data-comment-id="${other.id}"] .lt-permalink`).click();
    await eventually(async () => (await page.evaluate(() => navigator.clipboard.readText())) === `${a!.url}/#lt-${other.id}`, 3000);
    // Following a link on the page already showing the thread: a root of the first page, not loaded here.
    const far = roots[299]!;
    await page.evaluate((id) => (location.hash = `#lt-${id}`), far.id);
    const farEl = page.locator(`article[data-comment-id="${far.id}"]`);
    await farEl.waitFor({ timeout: 5000 });
    await eventually(() => farEl.evaluate((el) => el.classList.contains('lt-target')), 3000);
    expect(errorsOf(page)).toEqual([]);
  }, 60_000);

  it('a permalink to a removed comment says so; one to a comment that never was says it is not available', async () => {
    const gone = await writer.post({ articleId: ARTICLE, body: 'Soon removed' });
    const moderator = sdkClient(a!.url, await token(a!, 'mia', 'moderator', 'Mia'));
    await eventually(() => moderator.connected);
    await moderator.request('mod:remove', { articleId: ARTICLE, commentId: gone.id });
    const page = await openDemo(await newContext(), a!, ARTICLE, `#lt-${gone.id}`);
    const note = page.locator('.lt-permalink-note');
    await eventually(async () => (await note.textContent()) === 'The linked comment was removed.', 5000);
    expect(await note.isVisible()).toBe(true);

    const nowhere = await openDemo(await newContext(), a!, ARTICLE, '#lt-nosuchcomment');
    await eventually(
      async () => (await nowhere.locator('.lt-permalink-note').textContent())?.startsWith('The linked comment is not available') ?? false,
      5000,
    );
    // The first page: 100 root threads, the removed one (nothing under it) not shown.
    await eventually(async () => (await rootIds(nowhere)).length === 99, 5000);
    expect(errorsOf(page).concat(errorsOf(nowhere))).toEqual([]);
  }, 45_000);
});
