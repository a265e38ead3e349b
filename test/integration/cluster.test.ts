/**
 * The multi-node story on a real 3-master Redis Cluster: store on ioredis Cluster, fan-out through
 * the sharded adapter (Redis 7 sharded Pub/Sub).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CatchUp, Snapshot, ThreadEvent } from '../../shared/schemas.js';
import { Redis } from 'ioredis';
import { eventually } from '../support/ports.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { closeClients, connected, rawSocket, recordEvents, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { ok } from '../support/acks.js';

let cluster: RedisCluster;
let nodes: TestNode[];

beforeAll(async () => {
  cluster = await startRedisCluster();
  nodes = await Promise.all(['x', 'y', 'z'].map((n) => startNode({ clusterNodes: cluster.nodesEnv, name: `cl-${n}` })));
  // Every node's store must see the cluster before the first test.
  await eventually(
    async () => (await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}/readyz`)).status))).every((s) => s === 200),
    20_000,
    100,
  );
}, 60_000);
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await cluster.stop();
});

describe('three nodes on a Redis Cluster', () => {
  it('delivers comments across nodes for articles on every shard, with the same seq', async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const writer = rawSocket(b.url, await token(b, 'cl-writer'));
    // Several articles, so that their keys and channels land on different masters.
    for (const id of ['cl-a', 'cl-b', 'cl-c', 'cl-d', 'cl-e']) {
      const ra = rawSocket(a.url);
      const rc = rawSocket(c.url);
      await Promise.all([connected(ra), connected(rc)]);
      const [ea, ec] = [recordEvents(ra), recordEvents(rc)];
      ok(await ra.emitWithAck('thread:join', { articleId: id }));
      ok(await rc.emitWithAck('thread:join', { articleId: id }));
      const { comment } = ok(await writer.emitWithAck('comment:post', { articleId: id, body: `hello ${id}` }));
      await eventually(() => ea.length === 1 && ec.length === 1, 3000);
      expect(ea[0]).toMatchObject({ seq: 1, type: 'comment.created', comment });
      expect(ec[0]).toEqual(ea[0]);
    }
    // The fan-out runs on sharded Pub/Sub, spread over the masters.
    const perMaster = await Promise.all(
      cluster.ports.map(async (port) => {
        const m = new Redis({ port, host: '127.0.0.1' });
        try {
          return ((await m.call('PUBSUB', 'SHARDCHANNELS')) as string[]).length;
        } finally {
          m.disconnect();
        }
      }),
    );
    expect(perMaster.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('catches a reader up after a reconnect and keeps a retried post single', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const reader = sdkClient(a.url);
    const applied: ThreadEvent[] = [];
    await reader.join('cl-catchup', { onEvent: (e) => applied.push(e) });
    const writer = rawSocket(b.url, await token(b, 'cl-w2'));
    const payload = { articleId: 'cl-catchup', body: 'once', clientId: 'cl-client-1' };
    const [p1, p2] = [ok(await writer.emitWithAck('comment:post', payload)), ok(await writer.emitWithAck('comment:post', payload))];
    expect(p1.comment.id).toBe(p2.comment.id);
    reader.socket.io.engine.close();
    for (let i = 0; i < 3; i++) ok(await writer.emitWithAck('comment:post', { articleId: 'cl-catchup', body: `later ${i}` }));
    await eventually(() => applied.length === 4, 5000);
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const raw = rawSocket(a.url);
    const r = ok(await raw.emitWithAck('thread:join', { articleId: 'cl-catchup', since: 1, epoch: applied[0]!.epoch })) as CatchUp;
    expect(r.events.map((e) => e.seq)).toEqual([2, 3, 4]);
  });

  it('after the shard subscribers are killed, nodes resync their readers and deliver again', async () => {
    const [a, b] = nodes as [TestNode, TestNode];
    const reader = rawSocket(a.url);
    await connected(reader);
    const events = recordEvents(reader);
    const resyncs: string[] = [];
    reader.on('thread:resync', (p) => resyncs.push(p.articleId));
    ok(await reader.emitWithAck('thread:join', { articleId: 'cl-kill' }));
    for (const port of cluster.ports) {
      const m = new Redis({ port, host: '127.0.0.1' });
      await m.client('KILL', 'TYPE', 'pubsub');
      m.disconnect();
    }
    await eventually(() => resyncs.includes('cl-kill'), 10_000);
    const writer = rawSocket(b.url, await token(b, 'cl-after-kill'));
    const { comment } = ok(await writer.emitWithAck('comment:post', { articleId: 'cl-kill', body: 'after the kill' }));
    await eventually(() => events.some((e) => e.comment?.id === comment.id), 5000);
  });

  it('a moderator removal on one node reaches readers on the others', async () => {
    const [a, b, c] = nodes as [TestNode, TestNode, TestNode];
    const { comment } = ok(
      await rawSocket(a.url, await token(a, 'cl-author')).emitWithAck('comment:post', { articleId: 'cl-mod', body: 'remove me' }),
    );
    const rb = rawSocket(b.url);
    await connected(rb);
    const events = recordEvents(rb);
    const joined = ok(await rb.emitWithAck('thread:join', { articleId: 'cl-mod' })) as Snapshot;
    ok(
      await rawSocket(c.url, await token(c, 'cl-mia', 'moderator')).emitWithAck('mod:remove', {
        articleId: 'cl-mod',
        commentId: comment.id,
      }),
    );
    // The post's own event may still be on its way when the reader joins: its snapshot covers it.
    const fresh = () => events.filter((e) => e.seq > joined.head);
    await eventually(() => fresh().length === 1, 3000);
    expect(fresh()[0]).toMatchObject({ type: 'comment.removed', seq: 2, comment: { id: comment.id, body: null } });
    const snap = ok(await rawSocket(c.url).emitWithAck('thread:join', { articleId: 'cl-mod' })) as Snapshot;
    expect(snap.comments[0]).toMatchObject({ status: 'removed', body: null });
  });
});
