/**
 * Moderation on three nodes over one real Redis: held comments, reports, removals, bans and closed
 * threads reach readers and moderators on every node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, ModEventPayload } from '../../shared/events.js';
import type { Snapshot, ThreadEvent } from '../../shared/schemas.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import type { ClientSocket } from '../../client/discussion-client.js';
import { err, ok } from '../support/acks.js';

let redis: RedisServer;
let nodes: TestNode[];
let A: TestNode, B: TestNode, C: TestNode;
let articleN = 0;
const article = () => `mod-${++articleN}`;
const MOD = 'mod-1';

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  nodes = await Promise.all(
    ['a', 'b', 'c'].map((name) => startNode({ redisUrl: redis.url, name: `mod-${name}`, env: { PREMODERATION: 'guests' } })),
  );
  [A, B, C] = nodes as [TestNode, TestNode, TestNode];
});
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
});

async function reader(
  node: TestNode,
  articleId: string,
  tok?: string,
): Promise<{ socket: ClientSocket; events: ThreadEvent[]; head: number }> {
  const socket = rawSocket(node.url, tok);
  await connected(socket);
  const events = recordEvents(socket);
  const { head } = ok(await socket.emitWithAck('thread:join', { articleId })) as Snapshot;
  return { socket, events, head };
}
const moderator = async (node: TestNode) => rawSocket(node.url, await token(node, MOD, 'moderator', 'Mia Moderator'));

describe('moderation in real time', () => {
  it('a removal on A reaches readers on B and C with the next seq; restore brings the comment back', async () => {
    const id = article();
    const author = rawSocket(B.url, await token(B, 'nora', 'commenter', 'Nora'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'a comment to remove' }));
    const rb = await reader(B, id);
    const rc = await reader(C, id);
    const modSock = await moderator(A);
    const modView = await reader(A, id, await token(A, MOD, 'moderator', 'Mia Moderator'));

    ok(await modSock.emitWithAck('mod:remove', { articleId: id, commentId: comment.id, reason: 'off topic' }));
    for (const r of [rb, rc]) {
      await eventually(() => r.events.length === 1, 1000);
      expect(r.events[0]).toMatchObject({
        type: 'comment.removed',
        seq: 2,
        comment: { id: comment.id, status: 'removed', body: null, author: null },
      });
    }
    // A moderator reading the thread sees what was removed.
    await eventually(() => modView.events.length === 1);
    expect(modView.events[0]).toMatchObject({
      type: 'comment.removed',
      seq: 2,
      comment: { body: 'a comment to remove', author: { id: 'nora' } },
    });

    const fresh = ok(await rawSocket(C.url).emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(fresh.comments).toEqual([expect.objectContaining({ id: comment.id, status: 'removed', body: null, author: null })]);

    ok(await modSock.emitWithAck('mod:restore', { articleId: id, commentId: comment.id }));
    for (const r of [rb, rc]) {
      await eventually(() => r.events.length === 2, 1000);
      expect(r.events[1]).toMatchObject({
        type: 'comment.restored',
        seq: 3,
        comment: { id: comment.id, status: 'visible', body: 'a comment to remove', author: { id: 'nora', name: 'Nora' } },
      });
    }
    // A comment removed by a moderator cannot be edited back by its author.
    ok(await modSock.emitWithAck('mod:remove', { articleId: id, commentId: comment.id }));
    expect(err(await author.emitWithAck('comment:edit', { articleId: id, commentId: comment.id, body: 'sneaky' })).code).toBe('not_found');
    ok(await modSock.emitWithAck('mod:restore', { articleId: id, commentId: comment.id }));
  });

  it('every mod:* event from a commenter or an anonymous socket is forbidden and sends nothing', async () => {
    const id = article();
    const author = rawSocket(A.url, await token(A, 'otto'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'stay' }));
    const watcher = await moderator(B);
    const feed: ModEventPayload[] = [];
    watcher.on('mod:event', (e) => feed.push(e));
    ok(await watcher.emitWithAck('mod:watch', {}));
    const r = await reader(C, id);
    const calls: [string, object][] = [
      ['mod:remove', { articleId: id, commentId: comment.id }],
      ['mod:restore', { articleId: id, commentId: comment.id }],
      ['mod:approve', { articleId: id, commentId: comment.id }],
      ['mod:ban', { userId: 'otto', removeComments: true }],
      ['mod:unban', { userId: 'otto' }],
      ['mod:close', { articleId: id, closed: true }],
      ['mod:watch', {}],
    ];
    for (const s of [rawSocket(A.url, await token(A, 'pia')), rawSocket(A.url)]) {
      const loose = s as unknown as { emitWithAck(e: string, p: object): Promise<Ack<object>> };
      for (const [event, payload] of calls) expect(err(await loose.emitWithAck(event, payload)).code, event).toBe('forbidden');
    }
    const http = await fetch(`${A.url}/api/moderation/remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(A, 'pia')}` },
      body: JSON.stringify({ articleId: id, commentId: comment.id }),
    });
    expect(http.status).toBe(403);
    await sleep(300);
    expect(r.events).toEqual([]);
    expect(feed).toEqual([]);
    const snap = ok(await r.socket.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments[0]).toMatchObject({ status: 'visible', body: 'stay' });
    expect(snap.closed).toBe(false);
    // Still able to post: the ban did not happen.
    ok(await author.emitWithAck('comment:post', { articleId: id, body: 'still here' }));
  });

  it('PREMODERATION=guests holds a guest comment until approved, visible only to moderators meanwhile', async () => {
    const id = article();
    const guest = (await (
      await fetch(`${A.url}/api/session/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Gus"}' })
    ).json()) as { token: string; user: { id: string } };
    const watcher = await moderator(C);
    const feed: ModEventPayload[] = [];
    watcher.on('mod:event', (e) => feed.push(e));
    ok(await watcher.emitWithAck('mod:watch', {}));
    const ra = await reader(A, id);
    const rb = await reader(B, id);

    const g = rawSocket(B.url, guest.token);
    const { comment } = ok(await g.emitWithAck('comment:post', { articleId: id, body: 'held for review' }));
    expect(comment.status).toBe('pending');
    await eventually(() => feed.some((e) => e.comment?.id === comment.id));
    expect(feed.find((e) => e.comment?.id === comment.id)).toMatchObject({
      type: 'comment.held',
      articleId: id,
      comment: { body: 'held for review' },
    });
    await sleep(300);
    expect(ra.events).toEqual([]);
    expect(rb.events).toEqual([]);
    const snap = ok(await rawSocket(A.url).emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments).toEqual([]);
    const queue = ok(await watcher.emitWithAck('mod:watch', {})).queue;
    expect(queue.find((q) => q.comment.id === comment.id)).toMatchObject({ reason: 'held', articleId: id });

    ok(await watcher.emitWithAck('mod:approve', { articleId: id, commentId: comment.id }));
    for (const r of [ra, rb]) {
      await eventually(() => r.events.length === 1, 1000);
      expect(r.events[0]).toMatchObject({
        type: 'comment.created',
        seq: 1,
        comment: { id: comment.id, status: 'visible', body: 'held for review' },
      });
    }
    const after = ok(await watcher.emitWithAck('mod:watch', {})).queue;
    expect(after.find((q) => q.comment.id === comment.id)).toBeUndefined();
    // A signed-in (non-guest) commenter is not held.
    const member = rawSocket(A.url, await token(A, 'member'));
    expect(ok(await member.emitWithAck('comment:post', { articleId: id, body: 'not held' })).comment.status).toBe('visible');
  });

  it('a ban with removeComments removes each visible comment live; the user is banned until unbanned', async () => {
    const [id1, id2] = [article(), article()];
    const troll = rawSocket(A.url, await token(A, 'troll'));
    for (const [id, body] of [
      [id1, 'troll one'],
      [id1, 'troll two'],
      [id2, 'troll three'],
    ] as const) {
      ok(await troll.emitWithAck('comment:post', { articleId: id, body }));
    }
    const kept = ok(
      await rawSocket(A.url, await token(A, 'nice')).emitWithAck('comment:post', { articleId: id1, body: 'nice one' }),
    ).comment;
    const r1 = await reader(B, id1);
    const r2 = await reader(C, id2);
    const mod = await moderator(C);
    ok(await mod.emitWithAck('mod:ban', { userId: 'troll', reason: 'trolling', removeComments: true }));
    // The posts' own events may still be on their way when the readers join: their snapshots cover them.
    const fresh1 = () => r1.events.filter((e) => e.seq > r1.head);
    const fresh2 = () => r2.events.filter((e) => e.seq > r2.head);
    await eventually(() => fresh1().length === 2 && fresh2().length === 1, 2000);
    await sleep(200);
    expect(fresh1().map((e) => [e.type, e.seq])).toEqual([
      ['comment.removed', 4],
      ['comment.removed', 5],
    ]);
    expect(fresh2().map((e) => e.type)).toEqual(['comment.removed']);
    const snap = ok(await r1.socket.emitWithAck('thread:join', { articleId: id1 })) as Snapshot;
    expect(snap.comments.filter((c) => c.status === 'visible').map((c) => c.id)).toEqual([kept.id]);

    expect(err(await troll.emitWithAck('comment:post', { articleId: id1, body: 'let me back' })).code).toBe('banned');
    const viaOtherNode = rawSocket(B.url, await token(B, 'troll'));
    expect(err(await viaOtherNode.emitWithAck('comment:post', { articleId: id1, body: 'other node' })).code).toBe('banned');
    ok(await mod.emitWithAck('mod:unban', { userId: 'troll' }));
    expect(ok(await troll.emitWithAck('comment:post', { articleId: id1, body: 'I will behave' })).comment.status).toBe('visible');
  });

  it('a closed thread refuses posts and readers hear it close and reopen', async () => {
    const id = article();
    const r = await reader(B, id);
    const mod = await moderator(A);
    const user = rawSocket(C.url, await token(C, 'quinn'));
    ok(await mod.emitWithAck('mod:close', { articleId: id, closed: true }));
    await eventually(() => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ type: 'thread.closed', seq: 1, comment: null });
    expect(err(await user.emitWithAck('comment:post', { articleId: id, body: 'hello?' })).code).toBe('thread_closed');
    const snap = ok(await user.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.closed).toBe(true);
    ok(await mod.emitWithAck('mod:close', { articleId: id, closed: false }));
    await eventually(() => r.events.length === 2);
    expect(r.events[1]).toMatchObject({ type: 'thread.reopened', seq: 2 });
    ok(await user.emitWithAck('comment:post', { articleId: id, body: 'open again' }));
  });

  it('reports reach the moderators live, once per user, and fill the queue', async () => {
    const id = article();
    const { comment } = ok(await rawSocket(A.url, await token(A, 'rita')).emitWithAck('comment:post', { articleId: id, body: 'reported' }));
    const watcher = await moderator(B);
    const feed: ModEventPayload[] = [];
    watcher.on('mod:event', (e) => feed.push(e));
    ok(await watcher.emitWithAck('mod:watch', {}));
    const reporter = rawSocket(C.url, await token(C, 'sam'));
    ok(await reporter.emitWithAck('comment:report', { articleId: id, commentId: comment.id, reason: 'rude' }));
    ok(await reporter.emitWithAck('comment:report', { articleId: id, commentId: comment.id, reason: 'rude again' }));
    await eventually(() => feed.some((e) => e.type === 'comment.reported'));
    await sleep(200);
    expect(feed.filter((e) => e.type === 'comment.reported')).toEqual([
      expect.objectContaining({
        articleId: id,
        comment: expect.objectContaining({ id: comment.id }),
        report: { userId: 'sam', reason: 'rude' },
      }),
    ]);
    const { queue } = ok(await watcher.emitWithAck('mod:watch', {}));
    expect(queue.find((q) => q.comment.id === comment.id)).toMatchObject({
      reason: 'reported',
      reports: [expect.objectContaining({ userId: 'sam', reason: 'rude' })],
    });
    expect(err(await rawSocket(C.url).emitWithAck('comment:report', { articleId: id, commentId: comment.id })).code).toBe('unauthorized');
  });

  it('the audit log holds every action above, in order, with its moderator', async () => {
    const res = await fetch(`${B.url}/api/moderation/log`, {
      headers: { authorization: `Bearer ${await token(B, MOD, 'moderator', 'Mia Moderator')}` },
    });
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as {
      entries: {
        action: string;
        moderator: { id: string; name: string };
        articleId: string | null;
        userId: string | null;
        reason: string | null;
      }[];
    };
    expect(entries.every((e) => e.moderator.id === MOD && e.moderator.name === 'Mia Moderator')).toBe(true);
    expect(entries.map((e) => e.action)).toEqual([
      'remove',
      'restore',
      'remove',
      'restore', // test 1
      'approve', // premoderation
      'ban',
      'remove',
      'remove',
      'remove',
      'unban', // ban with removeComments
      'close',
      'reopen',
    ]);
    expect(entries[0]).toMatchObject({ articleId: 'mod-1', reason: 'off topic', userId: 'nora' });
    expect(entries[5]).toMatchObject({ userId: 'troll', reason: 'trolling' });
    const forbidden = await fetch(`${B.url}/api/moderation/log`, { headers: { authorization: `Bearer ${await token(B, 'nosy')}` } });
    expect(forbidden.status).toBe(403);
  });
});

describe('post rate limits across nodes', () => {
  it('with the default POST_RATE, ten posts in one second alternating between two nodes: one succeeds', async () => {
    const pair = await Promise.all([0, 1].map(() => startNode({ redisUrl: redis.url, env: { POST_RATE: '1/3' } })));
    try {
      const tok = await token(pair[0]!, 'speedy');
      const sockets = pair.map((n) => rawSocket(n.url, tok));
      await Promise.all(sockets.map(connected));
      const acks: Ack<object>[] = [];
      for (let i = 0; i < 10; i++)
        acks.push(await sockets[i % 2]!.emitWithAck('comment:post', { articleId: 'rate-1', body: `post number ${i}` }));
      expect(acks[0]!.ok).toBe(true);
      for (const a of acks.slice(1)) {
        const e = err(a);
        expect(e.code).toBe('rate_limited');
        expect(e.retryAfterMs).toBeGreaterThan(0);
        expect(e.retryAfterMs).toBeLessThanOrEqual(3000);
      }
      // HTTP says the same, with Retry-After.
      const res = await fetch(`${pair[1]!.url}/api/articles/rate-1/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
        body: '{"body":"via http"}',
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(pair.map((n) => n.stop()));
    }
  });

  it('with POST_RATE=off all ten succeed', async () => {
    const pair = await Promise.all([0, 1].map(() => startNode({ redisUrl: redis.url, env: { POST_RATE: 'off' } })));
    try {
      const tok = await token(pair[0]!, 'speedy2');
      const sockets = pair.map((n) => rawSocket(n.url, tok));
      for (let i = 0; i < 10; i++) ok(await sockets[i % 2]!.emitWithAck('comment:post', { articleId: 'rate-2', body: `post number ${i}` }));
    } finally {
      await Promise.all(pair.map((n) => n.stop()));
    }
  });

  it('refuses the same body twice from one user, but not a retry with the same clientId', async () => {
    const node = await startNode({ redisUrl: redis.url, env: { POST_RATE: '100/1' } });
    try {
      const s = rawSocket(node.url, await token(node, 'echo'));
      const first = ok(await s.emitWithAck('comment:post', { articleId: 'dup-1', body: 'Same words', clientId: 'c-1' }));
      const retry = ok(await s.emitWithAck('comment:post', { articleId: 'dup-1', body: 'Same words', clientId: 'c-1' }));
      expect(retry.comment.id).toBe(first.comment.id);
      expect(err(await s.emitWithAck('comment:post', { articleId: 'dup-1', body: 'same words', clientId: 'c-2' })).code).toBe(
        'invalid_input',
      );
    } finally {
      await node.stop();
    }
  });
});

describe('moderation edge cases', () => {
  it('a comment removed while held goes back to the queue on restore, never public', async () => {
    const id = article();
    const guest = (await (
      await fetch(`${A.url}/api/session/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Hal"}' })
    ).json()) as { token: string };
    const { comment } = ok(await rawSocket(A.url, guest.token).emitWithAck('comment:post', { articleId: id, body: 'held then removed' }));
    const r = await reader(B, id);
    const mod = rawSocket(C.url, await token(C, 'mod-2', 'moderator'));
    ok(await mod.emitWithAck('mod:remove', { articleId: id, commentId: comment.id, reason: 'spam' }));
    ok(await mod.emitWithAck('mod:restore', { articleId: id, commentId: comment.id }));
    await sleep(300);
    expect(r.events).toEqual([]);
    const { queue } = ok(await mod.emitWithAck('mod:watch', {}));
    // Taken off by the remove, on it again (held) after the restore, where moderators look.
    expect(queue.find((q) => q.comment.id === comment.id)?.reason).toBe('held');
    const snap = ok(await mod.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments.find((c) => c.id === comment.id)?.status).toBe('pending');
    ok(await mod.emitWithAck('mod:approve', { articleId: id, commentId: comment.id }));
    await eventually(() => r.events.length === 1);
    expect(r.events[0]).toMatchObject({ type: 'comment.created', seq: 1 });
  });

  it("an action that changes nothing is not logged; authors' edits and deletes reach the moderators", async () => {
    const id = article();
    const author = rawSocket(A.url, await token(A, 'vera'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'first' }));
    const mod = rawSocket(B.url, await token(B, 'mod-3', 'moderator'));
    const feed: ModEventPayload[] = [];
    mod.on('mod:event', (e) => feed.push(e));
    ok(await mod.emitWithAck('mod:watch', {}));
    ok(await mod.emitWithAck('mod:remove', { articleId: id, commentId: comment.id, reason: 'once' }));
    ok(await mod.emitWithAck('mod:remove', { articleId: id, commentId: comment.id, reason: 'twice' }));
    const { comment: other } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'second' }));
    ok(await author.emitWithAck('comment:edit', { articleId: id, commentId: other.id, body: 'second, edited' }));
    ok(await author.emitWithAck('comment:delete', { articleId: id, commentId: other.id }));
    await eventually(() => feed.some((e) => e.type === 'comment.deleted'));
    expect(feed.map((e) => e.type)).toEqual(['comment.removed', 'comment.created', 'comment.edited', 'comment.deleted']);
    expect(feed[0]!.comment?.moderation).toMatchObject({ heldReason: null, removedReason: 'once', pendingEdit: null });
    const log = (await (
      await fetch(`${A.url}/api/moderation/log`, { headers: { authorization: `Bearer ${await token(A, 'mod-3', 'moderator')}` } })
    ).json()) as {
      entries: { moderator: { id: string }; reason: string | null }[];
    };
    expect(log.entries.filter((e) => e.moderator.id === 'mod-3').map((e) => e.reason)).toEqual(['once']);
  });
});
