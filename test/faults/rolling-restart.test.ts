/**
 * A rolling restart with SIGTERM under load. Each node in turn: leaves the
 * balancer's rotation and gets SIGTERM; stops taking connections at once; finishes the writes it
 * is handling (their acks go out); drops its sockets so that their clients reconnect to another
 * node and catch up; exits 0; is started again and rejoins the rotation.
 *
 * To be sure some writes are in flight when the first SIGTERM lands, Redis is paused for a moment
 * (SIGSTOP, 0.8 s, well under the 3 s command timeout) while 20 posts wait on it.
 * Load: 3 nodes, 300 readers over 10 articles, 20 posts/s with edits and deletes.
 */
import { io as ioClient } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import type { Ack } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';
import { sleep } from '../support/ports.js';
import { PollingSession, RawWebSocket } from '../hostile/wire.js';
import { FaultRun, readThread, report, verify } from './harness.js';
import type { NodeProcess } from './processes.js';

const run = new FaultRun();
afterAll(() => run.teardown());

/** Whether a new client can start a session on the node: by polling, or by a WebSocket upgrade. */
async function takesConnections(node: NodeProcess): Promise<{ polling: boolean; websocket: boolean }> {
  const polling = await PollingSession.open(node.port).then(
    () => true,
    () => false,
  );
  const websocket = await RawWebSocket.connect(node.port, { timeoutMs: 3000 }).then(
    (ws) => {
      ws.destroy();
      return ws.status === 101;
    },
    () => false,
  );
  return { polling, websocket };
}

it('rolling restart with SIGTERM under load: each node refuses new connections, finishes in-flight writes, sends its sockets elsewhere, exits 0; nothing lost', async () => {
  const d = await run.deploy({ nodes: 3 });
  const w = await run.standardLoad('roll');
  await sleep(4000);

  const restarts: { node: string; exit: string; drainMs: number; readersMoved: number; inFlightAcked?: number }[] = [];
  const inFlight: Comment[] = [];
  for (const [i, node] of d.nodes.entries()) {
    const reconnectsBefore = w.readers.reduce((n, r) => n + r.reconnects, 0);
    let pendingAcks: Promise<Ack<{ comment: Comment }> | string>[] = [];
    if (i === 0) {
      const s = ioClient(node.url, {
        transports: ['websocket'],
        reconnection: false,
        auth: { token: await d.tokens.sign({ sub: 'inflight', name: 'In Flight', role: 'commenter' }) },
      });
      run.onTeardown(() => s.disconnect());
      await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
      d.redis.freeze();
      pendingAcks = Array.from({ length: 20 }, (_, k) =>
        s
          .timeout(10_000)
          .emitWithAck('comment:post', { articleId: w.opts.articles[k % 10]!, body: `in flight ${k}`, clientId: `inflight-${k}` })
          .catch((e: Error) => `no ack: ${e.message}`),
      );
      await sleep(300);
    }
    d.balancer.take(node);
    const termAt = Date.now();
    node.terminate();
    await sleep(200);
    // Draining: no new session on either transport, and not ready.
    expect(await takesConnections(node)).toEqual({ polling: false, websocket: false });
    expect(await node.readyz()).not.toBe(200);
    if (i === 0) {
      await sleep(300);
      d.redis.thaw();
      const acks = await Promise.all(pendingAcks);
      // Every write the node had accepted before SIGTERM was finished and acked.
      expect(acks.map((a) => (typeof a === 'string' ? a : a.ok ? 'ok' : a.error.code))).toEqual(acks.map(() => 'ok'));
      for (const a of acks) if (typeof a !== 'string' && a.ok) inFlight.push(a.comment);
    }
    const exit = await node.exited();
    const drainMs = Date.now() - termAt;
    expect(exit).toEqual({ code: 0, signal: null });
    await node.start();
    d.balancer.restore(node);
    restarts.push({
      node: node.name,
      exit: `code ${exit.code}`,
      drainMs,
      readersMoved: w.readers.reduce((n, r) => n + r.reconnects, 0) - reconnectsBefore,
      ...(i === 0 ? { inFlightAcked: inFlight.length } : {}),
    });
    await sleep(3000);
  }

  await w.stop();
  const convergeMs = await w.waitCaughtUp(d, 10_000);
  const v = await verify('5-rolling-restart', d, w);
  v.convergeMs = convergeMs;
  v.extra = { restarts };
  report(v);

  // The writes finished during the drain are stored, once.
  const node = await d.readyNode();
  const stored = new Map<string, Comment>();
  for (const a of w.opts.articles) for (const [id, c] of (await readThread(node, a)).comments) stored.set(id, c);
  expect(inFlight).toHaveLength(20);
  for (const c of inFlight) expect(stored.get(c.id)?.body).toBe(c.body);
  expect([...stored.values()].filter((c) => c.body?.startsWith('in flight ')).length).toBe(20);
  // The drained nodes' readers came back through the others.
  for (const r of restarts) expect(r.readersMoved).toBeGreaterThan(50);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.readerViolations).toBe(0);
}, 180_000);
