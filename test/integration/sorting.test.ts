/**
 * Sort orders and permalinks through the SDK on two nodes: Newest, Oldest and Top across pages of
 * a big thread that gets new comments and votes between page loads (no thread twice, none
 * skipped, each page in order), and a permalink to a reply several pages down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscussionClient } from '../../client/discussion-client.js';
import { ok } from '../support/acks.js';
import { closeClients, rawSocket, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
const ARTICLE = 'sorted';
const roots: string[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url, env: { VOTE_RATE: 'off' } })]);
  // 350 root threads, written straight to the store (posting them one by one takes long).
  const now = Date.now();
  for (let i = 0; i < 350; i++) {
    const id = `root-${String(i).padStart(3, '0')}`;
    const at = new Date(now + i).toISOString();
    await a.store.create({
      comment: {
        id,
        articleId: ARTICLE,
        parentId: null,
        rootId: id,
        author: { id: `author-${i % 7}`, name: 'A' },
        body: `comment ${i}`,
        status: 'visible',
        createdAt: at,
      },
      clientKey: null,
      publish: true,
      rejectIfClosed: false,
      epochCandidate: 'e',
      at,
    });
    roots.push(id);
  }
  // Some votes, so that Top differs from both.
  const voter = rawSocket(b.url, await token(b, 'voter'));
  for (let i = 0; i < 350; i += 7)
    ok(await voter.emitWithAck('comment:vote', { articleId: ARTICLE, commentId: roots[i]!, value: i % 2 ? 1 : -1 }));
}, 120_000);
afterAll(async () => {
  closeClients();
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

/** Root thread ids in the order a client loaded them. */
function loadedRoots(client: DiscussionClient, articleId: string, before: Set<string>): string[] {
  const state = client.thread(articleId)!;
  return [...state.comments.values()].filter((c) => c.parentId === null && !before.has(c.id)).map((c) => c.id);
}

describe.each(['newest', 'oldest', 'top'] as const)('%s order', (sort) => {
  it('three pages with new comments and votes in between: no thread twice, none missing, each page in order', async () => {
    const reader = sdkClient(a.url);
    await reader.join(ARTICLE, undefined, { sort });
    const seen: string[] = [];
    const firstPage = loadedRoots(reader, ARTICLE, new Set());
    seen.push(...firstPage);
    // Top: the ranking as of the first page, which the next pages follow whatever the votes since.
    const ranking = [...firstPage, ...reader.thread(ARTICLE)!.rank];
    const writer = rawSocket(b.url, await token(b, `writer-${sort}`));
    const voter = rawSocket(b.url, await token(b, `voter-${sort}`));
    const created: string[] = [];
    for (let pageNo = 0; pageNo < 3; pageNo++) {
      // Between pages: a new thread, and votes moving threads of the next pages up the ranking.
      created.push(ok(await writer.emitWithAck('comment:post', { articleId: ARTICLE, body: `new during ${sort} ${pageNo}` })).comment.id);
      for (const k of [349 - pageNo * 11, 200 + pageNo, 120 - pageNo]) {
        ok(await voter.emitWithAck('comment:vote', { articleId: ARTICLE, commentId: roots[k]!, value: 1 }));
      }
      const before = new Set(reader.thread(ARTICLE)!.comments.keys());
      expect(await reader.loadOlder(ARTICLE)).toBe(true);
      seen.push(...loadedRoots(reader, ARTICLE, before).filter((id) => !created.includes(id)));
    }
    while (await reader.loadOlder(ARTICLE)) {
      /* the rest */
    }
    const all = [...reader.thread(ARTICLE)!.comments.values()].filter((c) => c.parentId === null).map((c) => c.id);
    const old = all.filter((id) => roots.includes(id));
    expect(new Set(old).size).toBe(old.length);
    expect([...old].sort()).toEqual([...roots].sort());
    // Pages in order: newest descends, oldest ascends, top by the ranking of the first page.
    const index = (id: string) => roots.indexOf(id);
    // Threads created by the other orders' runs are newer than all of these: leave them out.
    const ours = seen.filter((id) => roots.includes(id));
    expect(ours.length).toBeGreaterThanOrEqual(300);
    if (sort === 'newest') expect(ours.map(index)).toEqual([...ours.map(index)].sort((x, y) => y - x));
    if (sort === 'oldest') expect(ours.map(index)).toEqual([...ours.map(index)].sort((x, y) => x - y));
    if (sort === 'top') {
      expect(ours).toEqual(ranking.filter((id) => roots.includes(id)).slice(0, ours.length));
      // Upvoted threads first: the ranking is by votes, not by time.
      expect(ours.slice(0, 5).every((id) => index(id) % 7 === 0 || [349, 338, 327, 200, 201, 202, 120, 119, 118].includes(index(id)))).toBe(
        true,
      );
    }
  }, 60_000);
});

describe('permalinks', () => {
  it('a permalink to a reply of a thread three pages down opens at that thread with the reply, and continues both ways', async () => {
    const root = roots[60]!; // in newest order, page 3 (roots 349…250, 249…150, 149…50)
    const author = rawSocket(a.url, await token(a, 'replier'));
    const replies: string[] = [];
    for (let i = 0; i < 30; i++)
      replies.push(ok(await author.emitWithAck('comment:post', { articleId: ARTICLE, parentId: root, body: `reply ${i}` })).comment.id);
    const target = replies[7]!;
    const reader = sdkClient(b.url);
    const state = await reader.join(ARTICLE, undefined, { around: target });
    expect(state.target).toBe(target);
    expect(state.comments.has(target)).toBe(true);
    expect(state.comments.has(root)).toBe(true);
    // The window starts a few replies before the target; the rest load both ways.
    expect(state.comments.has(replies[2]!)).toBe(true);
    expect(state.replyCursors.has(root)).toBe(true);
    expect(await reader.loadReplies(ARTICLE, root)).toBe(true);
    expect(replies.every((id) => state.comments.has(id))).toBe(true);
    // Threads newer than the target's: on the other side.
    expect(state.before).not.toBeNull();
    expect(state.comments.has(roots[61]!)).toBe(true);
    expect(await reader.loadNewer(ARTICLE)).toBe(true);
    expect(state.comments.has(roots[75]!)).toBe(true);
    // Over HTTP, the same page.
    const page = (await (await fetch(`${a.url}/api/articles/${ARTICLE}/comments/${target}`)).json()) as {
      target: string;
      comments: { id: string }[];
    };
    expect(page.target).toBe(target);
    expect(page.comments.some((c) => c.id === target)).toBe(true);
    expect((await fetch(`${a.url}/api/articles/${ARTICLE}/comments/no-such-comment`)).status).toBe(404);
  }, 60_000);
});
