/**
 * Votes on two nodes of one Redis: counts reach every reader on every node within seconds as
 * `thread:scores` (never as events, so the event log keeps its comments), fifty votes at once end
 * at the stored counts everywhere, a reader that was away catches up on the counts with its
 * scores version, and the rules hold (one vote per user, none on one's own or a removed comment).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoresPayload } from '../../shared/schemas.js';
import { err, ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
let n = 0;
const fresh = () => `votes-${++n}-${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url, env: { VOTE_RATE: '1000/60' } })]);
});
afterAll(async () => {
  closeClients();
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

async function commentOn(node: TestNode, articleId: string, author = 'ann') {
  const s = rawSocket(node.url, await token(node, author));
  await connected(s);
  return ok(await s.emitWithAck('comment:post', { articleId, body: 'vote on me' })).comment;
}

async function storedCounts(node: TestNode, articleId: string, commentId: string) {
  const snap = (await (await fetch(`${node.url}/api/articles/${articleId}/thread`)).json()) as {
    comments: { id: string; up: number; down: number }[];
  };
  const c = snap.comments.find((x) => x.id === commentId)!;
  return [c.up, c.down];
}

describe('votes', () => {
  it('a vote on node B reaches a reader on node A within 3 s, as thread:scores, not as an event', async () => {
    const articleId = fresh();
    const c = await commentOn(a, articleId);
    const reader = rawSocket(a.url);
    await connected(reader);
    const joined = ok(await reader.emitWithAck('thread:join', { articleId }));
    const scores: ScoresPayload[] = [];
    const events: unknown[] = [];
    reader.on('thread:scores', (p) => scores.push(p));
    reader.on('thread:event', (e) => events.push(e));
    const voter = rawSocket(b.url, await token(b, 'bob'));
    const started = Date.now();
    expect(ok(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 }))).toMatchObject({
      up: 1,
      down: 0,
      myVote: 1,
    });
    await eventually(() => scores.some((p) => p.scores[c.id]?.[0] === 1), 3000);
    console.log(`[votes] a vote on B reached a reader on A in ${Date.now() - started} ms`);
    expect(scores.at(-1)!.version).toBeGreaterThan('scoresVersion' in joined ? joined.scoresVersion! : 0);
    expect(events).toEqual([]);
    // The voter sees its own vote in a snapshot; others do not.
    const mine = ok(await voter.emitWithAck('thread:join', { articleId }));
    expect('comments' in mine && mine.comments[0]).toMatchObject({ up: 1, myVote: 1 });
    const theirs = ok(await reader.emitWithAck('thread:join', { articleId }));
    expect('comments' in theirs && theirs.comments[0]?.myVote).toBeUndefined();
  });

  it('fifty readers voting at once on one comment: every reader on both nodes ends at the stored counts', async () => {
    const articleId = fresh();
    const c = await commentOn(a, articleId);
    const readers = [sdkClient(a.url), sdkClient(b.url), sdkClient(a.url)];
    await Promise.all(readers.map((r) => r.join(articleId)));
    const voters = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => sdkClient(i % 2 ? a.url : b.url, await token(a, `voter-${i}`))),
    );
    await Promise.all(voters.map((v) => v.join(articleId)));
    await Promise.all(voters.map((v, i) => v.vote({ articleId, commentId: c.id, value: i % 5 === 0 ? -1 : 1 })));
    const stored = await storedCounts(b, articleId, c.id);
    expect(stored).toEqual([40, 10]);
    await eventually(
      () =>
        readers.every((r) => {
          const x = r.thread(articleId)?.comments.get(c.id);
          return x?.up === 40 && x.down === 10;
        }),
      3000,
    );
  });

  it('a reader that was away while votes happened has the stored counts once it caught up', async () => {
    const articleId = fresh();
    const c = await commentOn(a, articleId);
    const reader = sdkClient(a.url);
    await reader.join(articleId);
    reader.socket.disconnect();
    for (let i = 0; i < 7; i++) {
      const v = rawSocket(b.url, await token(b, `away-${i}`));
      ok(await v.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 }));
    }
    reader.socket.connect();
    await eventually(() => reader.thread(articleId)?.comments.get(c.id)?.up === 7, 5000);
  });

  it("one vote per user; none on one's own comment, nor on a removed one; signed in only", async () => {
    const articleId = fresh();
    const c = await commentOn(a, articleId, 'owner');
    const owner = rawSocket(a.url, await token(a, 'owner'));
    expect(err(await owner.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 })).code).toBe('forbidden');
    const anonymous = rawSocket(a.url);
    expect(err(await anonymous.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 })).code).toBe('unauthorized');
    const voter = rawSocket(a.url, await token(a, 'v'));
    for (let i = 0; i < 3; i++) ok(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 }));
    expect(await storedCounts(a, articleId, c.id)).toEqual([1, 0]);
    expect(ok(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 0 }))).toMatchObject({
      up: 0,
      down: 0,
      myVote: 0,
    });
    const mod = rawSocket(a.url, await token(a, 'mia', 'moderator'));
    ok(await mod.emitWithAck('mod:remove', { articleId, commentId: c.id }));
    expect(err(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 1 })).code).toBe('not_found');
    expect(err(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: 2 } as never)).code).toBe('invalid_input');
  });

  it('votes are rate limited per user (VOTE_RATE) and take no seq', async () => {
    const articleId = fresh();
    const c = await commentOn(a, articleId);
    const voter = rawSocket(a.url, await token(a, 'busy'));
    const acks = [];
    for (let i = 0; i < 35; i++) acks.push(await voter.emitWithAck('comment:vote', { articleId, commentId: c.id, value: i % 2 ? 1 : -1 }));
    expect(acks.filter((x) => !x.ok && x.error.code === 'rate_limited').length).toBe(5);
    const snap = ok(await voter.emitWithAck('thread:join', { articleId }));
    expect(snap.head).toBe(1);
  });
});
