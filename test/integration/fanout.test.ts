/**
 * The broadcast fast path (server/gateway/engine-tuning.ts) and the per-connection memory release:
 * a burst of comments reaches every kind of reader once and in order, and a connection does not
 * keep its handshake request alive.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../shared/schemas.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
});
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

const seqs = (events: ThreadEvent[]) => events.map((e) => e.seq);

describe('broadcast', () => {
  it('delivers a burst of comments once each and in order to WebSocket, polling and upgraded readers on both nodes, and to a moderator', async () => {
    const articleId = 'burst';
    const readers = {
      'websocket on A': rawSocket(a.url),
      'polling on A': rawSocket(a.url, undefined, ['polling']),
      'websocket on B': rawSocket(b.url),
      'polling then WebSocket on B': rawSocket(b.url, undefined, ['polling', 'websocket']),
      'moderator on B': rawSocket(b.url, await token(b, 'mia', 'moderator')),
    };
    const events = new Map<string, ThreadEvent[]>();
    for (const [name, s] of Object.entries(readers)) {
      await connected(s);
      ok(await s.emitWithAck('thread:join', { articleId }));
      events.set(name, recordEvents(s));
    }
    await eventually(() => readers['polling then WebSocket on B'].io.engine.transport.name === 'websocket');

    // Two authors on two nodes, fifty comments sent at once: the nodes commit and broadcast them
    // in batches, each batch written to a connection in one go.
    const authors = [rawSocket(a.url, await token(a, 'ann')), rawSocket(b.url, await token(b, 'bob'))];
    const bodies = Array.from({ length: 50 }, (_, i) => `comment ${i}`);
    await Promise.all(bodies.map((body, i) => authors[i % 2]!.emitWithAck('comment:post', { articleId, body }).then(ok)));

    // Each event once. Events published by one node arrive in seq order; between two nodes a
    // reader may see them interleaved out of seq order (the SDK reorders by seq).
    const all = Array.from({ length: 50 }, (_, i) => i + 1);
    for (const [name, got] of events) {
      await eventually(() => got.length >= 50, 5000);
      await sleep(100); // anything doubled would have arrived by now
      expect([...seqs(got)].sort((x, y) => x - y), name).toEqual(all);
      expect(new Set(got.map((e) => e.comment?.body)), name).toEqual(new Set(bodies));
      for (const author of ['ann', 'bob']) {
        const mine = seqs(got.filter((e) => e.comment?.author?.id === author));
        expect(mine, `${name}, ${author}'s node`).toEqual([...mine].sort((x, y) => x - y));
      }
    }
  });

  it('keeps the order when acks to a reader and broadcasts interleave on its connection', async () => {
    const articleId = 'queued';
    const reader = rawSocket(a.url);
    ok(await reader.emitWithAck('thread:join', { articleId }));
    const got = recordEvents(reader);
    const author = rawSocket(a.url, await token(a, 'cy'));
    // The reader's own join ack and pings interleave with the broadcasts on its connection.
    const posts = Array.from({ length: 20 }, (_, i) => author.emitWithAck('comment:post', { articleId, body: `n${i}` }));
    const joins = Array.from({ length: 5 }, () => reader.emitWithAck('thread:join', { articleId }));
    await Promise.all([...posts, ...joins]);
    await eventually(() => got.length >= 20);
    expect(seqs(got)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('memory per connection', () => {
  it('keeps neither the handshake request of a WebSocket connection nor that of an upgraded one', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const requests: WeakRef<object>[] = [];
    const engine = a.app.io.engine as unknown as { on(ev: 'connection', fn: (conn: { request: object; once(ev: 'upgrade', fn: () => void): void }) => void): void };
    let upgraded = false;
    engine.on('connection', (conn) => {
      requests.push(new WeakRef(conn.request));
      conn.once('upgrade', () => {
        upgraded = true;
      });
    });
    const ws = rawSocket(a.url);
    const upgrading = rawSocket(a.url, undefined, ['polling', 'websocket']);
    for (const s of [ws, upgrading]) {
      await connected(s);
      ok(await s.emitWithAck('thread:join', { articleId: 'mem' }));
    }
    await eventually(() => upgraded);
    expect(requests).toHaveLength(2);
    // Both connections are up and joined; their requests must be garbage now.
    await eventually(async () => {
      gc();
      await sleep(20);
      return requests.every((r) => r.deref() === undefined);
    }, 3000);
    expect(ws.connected && upgrading.connected).toBe(true);
  });
});
