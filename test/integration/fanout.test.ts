/**
 * The broadcast fast path and the per-connection memory release (server/gateway/engine-tuning.ts):
 * a burst of comments reaches every kind of reader once and in order, with the engine tuning on
 * (and then the direct path carried it) and off (socket.io's stock paths); a connection keeps
 * neither its handshake request nor its upgrade response. With versions the tricks were not
 * tested with, the node runs the stock paths: and these very checks notice.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { broadcastWrites, installedVersions } from '../../server/gateway/engine-tuning.js';
import type { ThreadEvent } from '../../shared/schemas.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
});
afterEach(() => closeClients());
afterAll(() => redis.stop());

const seqs = (events: ThreadEvent[]) => events.map((e) => e.seq);
const UNTESTED = { ...installedVersions(), 'engine.io': '6.7.0' };

/** Two authors on two nodes, fifty comments at once, five kinds of reader. */
async function burst(a: TestNode, b: TestNode, articleId: string): Promise<{ direct: number; engine: number }> {
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
  const before = { ...broadcastWrites };

  // The nodes commit and broadcast them in batches, each batch written to a connection in one go.
  const authors = [rawSocket(a.url, await token(a, 'ann')), rawSocket(b.url, await token(b, 'bob'))];
  const bodies = Array.from({ length: 50 }, (_, i) => `comment ${i}`);
  await Promise.all(bodies.map((body, i) => authors[i % 2]!.emitWithAck('comment:post', { articleId, body }).then(ok)));

  // Each event once. Events published by one node arrive in seq order; between two nodes a
  // reader may see them interleaved out of seq order (the SDK reorders by seq).
  const all = Array.from({ length: 50 }, (_, i) => i + 1);
  for (const [name, got] of events) {
    await eventually(() => got.length >= 50, 5000);
    await sleep(100); // anything doubled would have arrived by now
    expect(
      [...seqs(got)].sort((x, y) => x - y),
      name,
    ).toEqual(all);
    expect(new Set(got.map((e) => e.comment?.body)), name).toEqual(new Set(bodies));
    for (const author of ['ann', 'bob']) {
      const mine = seqs(got.filter((e) => e.comment?.author?.id === author));
      expect(mine, `${name}, ${author}'s node`).toEqual([...mine].sort((x, y) => x - y));
    }
  }
  return { direct: broadcastWrites.direct - before.direct, engine: broadcastWrites.engine - before.engine };
}

/** Whether a WebSocket connection and an upgraded one let go of their request and upgrade response. */
async function released(node: TestNode): Promise<boolean> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const kept: WeakRef<object>[] = [];
  type Conn = { request: object; once(ev: 'upgrade', fn: () => void): void };
  const engine = node.app.io.engine as unknown as {
    on(ev: 'connection', fn: (conn: Conn) => void): void;
    use(fn: (req: object, res: object, next: () => void) => void): void;
  };
  let upgraded = false;
  engine.on('connection', (conn) => {
    kept.push(new WeakRef(conn.request));
    conn.once('upgrade', () => {
      upgraded = true;
    });
  });
  // Runs after the node's own middlewares: sees each WebSocket upgrade's stand-in response.
  engine.use((req, res, next) => {
    if ((req as { headers: Record<string, string> }).headers.upgrade) kept.push(new WeakRef(res));
    next();
  });
  const ws = rawSocket(node.url);
  const upgrading = rawSocket(node.url, undefined, ['polling', 'websocket']);
  for (const s of [ws, upgrading]) {
    await connected(s);
    ok(await s.emitWithAck('thread:join', { articleId: 'mem' }));
  }
  await eventually(() => upgraded);
  // Two requests, two upgrade responses.
  expect(kept).toHaveLength(4);
  expect(ws.connected && upgrading.connected).toBe(true);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    gc();
    await sleep(20);
    if (kept.every((r) => r.deref() === undefined)) return true;
  }
  return false;
}

describe.each<{ tuning: string; env: Record<string, string> }>([
  { tuning: 'on', env: {} },
  { tuning: 'off', env: { ENGINE_TUNING: 'off' } },
])('broadcast with ENGINE_TUNING $tuning', ({ tuning, env }) => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([startNode({ redisUrl: redis.url, env }), startNode({ redisUrl: redis.url, env })]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('delivers a burst of comments once each and in order to WebSocket, polling and upgraded readers on both nodes, and to a moderator', async () => {
    const writes = await burst(a, b, `burst-${tuning}`);
    if (tuning === 'on') {
      // Four WebSocket readers got 50 events each: nearly all of them written directly.
      expect(writes.direct).toBeGreaterThanOrEqual(150);
      expect(writes.direct).toBeGreaterThan(writes.engine);
    } else {
      expect(writes.direct).toBe(0);
    }
  });

  it('keeps the order when acks to a reader and broadcasts interleave on its connection', async () => {
    const articleId = `queued-${tuning}`;
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

  if (tuning === 'on') {
    it('keeps neither the handshake request nor the upgrade response of a WebSocket connection or an upgraded one', async () => {
      expect(await released(a)).toBe(true);
    });
  }
});

describe('with socket.io, engine.io or ws at a version the tricks were not tested with', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([
      startNode({ redisUrl: redis.url, engineVersions: UNTESTED }),
      startNode({ redisUrl: redis.url, engineVersions: UNTESTED }),
    ]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('runs the stock paths, delivering everything; the fast-path and memory checks above would fail', async () => {
    const writes = await burst(a, b, 'burst-untested');
    expect(writes.direct).toBe(0);
    expect(await released(a)).toBe(false);
  });
});
