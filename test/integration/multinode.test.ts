/**
 * Three nodes on one real Redis, real sockets: a comment posted on one node reaches readers on
 * every node, in order, and readers that reconnect catch up without a gap or a duplicate.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatchUp, Comment, Snapshot, ThreadEvent } from '../../shared/schemas.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, connected, rawSocket, recordEvents, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { ok } from '../support/acks.js';

let redis: RedisServer;
let nodes: TestNode[] = [];
let articleN = 0;
const article = () => `multi-${++articleN}`;

async function startCluster(count = 3): Promise<TestNode[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startNode({ redisUrl: redis.url, name: `n${i}` })));
}

beforeAll(async () => {
  redis = await startRedis();
  nodes = await startCluster();
});
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
});

describe('three nodes on one Redis', () => {
  it('delivers a comment posted on B to readers on A and C with the same seq, equal to the ack', async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const id = article();
    const readerA = rawSocket(a.url);
    const readerC = rawSocket(c.url);
    const writer = rawSocket(b.url, await token(b, 'alice'));
    await Promise.all([connected(readerA), connected(readerC), connected(writer)]);
    const eventsA = recordEvents(readerA);
    const eventsC = recordEvents(readerC);
    ok(await readerA.emitWithAck('thread:join', { articleId: id }));
    ok(await readerC.emitWithAck('thread:join', { articleId: id }));

    const { comment } = ok(await writer.emitWithAck('comment:post', { articleId: id, body: 'Hello from B' }));
    await eventually(() => eventsA.length === 1 && eventsC.length === 1);
    const [ea, ec] = [eventsA[0]!, eventsC[0]!];
    expect(ea.type).toBe('comment.created');
    expect(ea.seq).toBe(1);
    expect(ec.seq).toBe(ea.seq);
    expect(ea.comment).toEqual(comment);
    expect(ec.comment).toEqual(comment);
    expect(comment.body).toBe('Hello from B');
    expect(comment.author).toEqual({ id: 'alice', name: 'alice' });
  });

  it('stores one comment for a post retried with the same clientId', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const id = article();
    const tok = await token(a, 'bob');
    const s1 = rawSocket(a.url, tok);
    const s2 = rawSocket(b.url, tok);
    await Promise.all([connected(s1), connected(s2)]);
    const payload = { articleId: id, body: 'only once', clientId: 'b1e6f3c2-1111-4c1a-9b7e-000000000001' };
    const [first, second] = await Promise.all([s1.emitWithAck('comment:post', payload), s2.emitWithAck('comment:post', payload)]);
    expect(ok(first).comment.id).toBe(ok(second).comment.id);
    const snap = ok(await s1.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments.filter((c) => c.body === 'only once')).toHaveLength(1);
    expect(snap.head).toBe(1);
  });

  it('catches a returning reader up with exactly the missed events, and resets on a wrong epoch', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const id = article();
    const writer = rawSocket(b.url, await token(b, 'carol'));
    const first = ok(await writer.emitWithAck('comment:post', { articleId: id, body: 'before' }));
    const reader = rawSocket(a.url);
    const snap = ok(await reader.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.head).toBe(1);
    expect(snap.comments.map((c) => c.id)).toEqual([first.comment.id]);
    reader.disconnect();

    const posted: Comment[] = [];
    for (let i = 0; i < 5; i++) posted.push(ok(await writer.emitWithAck('comment:post', { articleId: id, body: `missed ${i}` })).comment);

    reader.connect();
    await connected(reader);
    const events = recordEvents(reader);
    const r = ok(await reader.emitWithAck('thread:join', { articleId: id, since: snap.head, epoch: snap.epoch })) as CatchUp;
    expect(r.events.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(r.events.map((e) => e.comment?.id)).toEqual(posted.map((c) => c.id));
    expect(r.head).toBe(6);
    expect(events).toEqual([]);

    const reset = ok(await reader.emitWithAck('thread:join', { articleId: id, since: snap.head, epoch: 'not-the-epoch' })) as Snapshot;
    expect(reset.reset).toBe(true);
    expect(reset.head).toBe(6);
    expect(reset.comments).toHaveLength(6);
  });

  it('the SDK client applies every event once, in order, across a reconnect', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const id = article();
    const reader = sdkClient(a.url);
    const applied: ThreadEvent[] = [];
    await reader.join(id, { onEvent: (e) => applied.push(e) });
    const writer = sdkClient(b.url, await token(b, 'dave'));
    await writer.post({ articleId: id, body: 'one' });
    await eventually(() => applied.length === 1);
    reader.socket.io.engine.close(); // drop the transport: the client reconnects by itself
    for (let i = 0; i < 4; i++) await writer.post({ articleId: id, body: `while away ${i}` });
    await eventually(() => applied.length === 5, 5000);
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(reader.thread(id)?.head).toBe(5);
    expect(reader.thread(id)?.comments.size).toBe(5);
  });

  it('loses nothing when every node restarts: same thread, head and epoch', async () => {
    const id = article();
    const writer = rawSocket(nodes[0]!.url, await token(nodes[0]!, 'erin'));
    for (let i = 0; i < 3; i++) ok(await writer.emitWithAck('comment:post', { articleId: id, body: `kept ${i}` }));
    const reader = rawSocket(nodes[1]!.url);
    const before = ok(await reader.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    closeClients();

    await Promise.all(nodes.map((n) => n.stop()));
    // Redis restarts too: what it acknowledged is in its append-only file.
    await redis.kill();
    await redis.start();
    nodes = await startCluster();

    const again = rawSocket(nodes[2]!.url);
    const after = ok(await again.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(after.epoch).toBe(before.epoch);
    expect(after.head).toBe(before.head);
    expect(after.comments).toEqual(before.comments);
  });

  it('after its Redis subscriber is killed, a node sends thread:resync and delivers again', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const id = article();
    const reader = rawSocket(a.url);
    await connected(reader);
    ok(await reader.emitWithAck('thread:join', { articleId: id }));
    const events = recordEvents(reader);
    const resyncs: string[] = [];
    reader.on('thread:resync', (p) => resyncs.push(p.articleId));

    const admin = redis.client();
    const list = (await admin.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(`name=lt-${a.name}:sub`));
    expect(line).toBeDefined();
    const clientId = /\bid=(\d+)/.exec(line!)![1]!;
    await admin.client('KILL', 'ID', clientId);

    await eventually(() => resyncs.includes(id), 5000);
    const writer = rawSocket(b.url, await token(b, 'frank'));
    const { comment } = ok(await writer.emitWithAck('comment:post', { articleId: id, body: 'after the kill' }));
    await eventually(() => events.some((e) => e.comment?.id === comment.id), 5000);
  });
});
