/**
 * `kill -9` of Redis (AOF on, `appendfsync always`) for 5 s and again for 15 s
 * under load, then restart on the same data directory. No false ack, nothing acked is lost,
 * the nodes recover without a restart, readers catch up within 10 s of each restart.
 * The baseline's load (3 nodes, 300 readers over 10 articles, 20 posts/s with edits and deletes),
 * with 5 s of load before, between and after the outages.
 */
import { afterAll, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { FaultRun, readHeads, report, verify } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('kill -9 of Redis for 5 s and for 15 s under 20 posts/s: no false ack, nothing lost or doubled, nodes recover, readers catch up within 10 s', async () => {
  const d = await run.deploy({ nodes: 3 });
  const pids = d.nodes.map((n) => n.pid);
  const w = await run.standardLoad('rkill');
  await sleep(5000);

  const outages: { downMs: number; readyMs: number; caughtUpMs: number; refusedDuringOutage: number }[] = [];
  for (const downMs of [5000, 15_000]) {
    await d.redis.kill9();
    const killedAt = Date.now();
    await sleep(downMs);
    await d.redis.restart();
    const restartedAt = Date.now();
    // Every node serves again by itself: same process, ready.
    await Promise.all(d.nodes.map((n) => n.waitReady(10_000)));
    const readyMs = Date.now() - restartedAt;
    const targets = await readHeads(await d.readyNode(), w.opts.articles);
    await w.waitCaughtUp(d, 10_000, targets);
    const caughtUpMs = Date.now() - restartedAt;
    const refusedDuringOutage = w.ops
      .flatMap((o) => o.attempts)
      .filter((a) => a.startedAt >= killedAt && a.startedAt < restartedAt && a.outcome !== 'ok').length;
    outages.push({ downMs, readyMs, caughtUpMs, refusedDuringOutage });
    // Readers have every event committed before the restart within 10 s of it.
    expect(caughtUpMs).toBeLessThan(10_000);
    await sleep(5000);
  }

  await w.stop();
  const convergeMs = await w.waitCaughtUp(d, 10_000);
  const v = await verify('2-redis-kill', d, w);
  v.convergeMs = convergeMs;
  v.extra = { outages };
  report(v);
  // The nodes were never restarted.
  expect(d.nodes.map((n) => n.pid)).toEqual(pids);
  expect(d.nodes.every((n) => n.exits.length === 0)).toBe(true);
  expect(v.ops.post.ok).toBeGreaterThan(200);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.readerViolations).toBe(0);
  // The outages were felt: some attempts were refused and retried.
  expect(outages.every((o) => o.refusedDuringOutage > 0)).toBe(true);
}, 180_000);
