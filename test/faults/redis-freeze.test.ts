/**
 * Redis frozen with SIGSTOP for 10 s under load (the TCP connections stay open
 * and nothing answers: a hung server or a partition, not a crash). Writes are answered
 * `unavailable` (ioredis commandTimeout, 3 s) or time out, within a bounded time; none is acked
 * `ok` without being stored; after SIGCONT everything converges without restarting anything.
 * Load: 3 nodes, 300 readers over 10 articles, 20 posts/s with edits and deletes.
 */
import { afterAll, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { FaultRun, percentile, report, verify } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('Redis frozen (SIGSTOP) for 10 s under 20 posts/s: writes answered unavailable in bounded time, never ok unless stored; then everything converges', async () => {
  const d = await run.deploy({ nodes: 3 });
  const pids = d.nodes.map((n) => n.pid);
  const w = await run.standardLoad('rfreeze', { ackTimeoutMs: 5000 });
  await sleep(5000);

  d.redis.freeze();
  const frozenAt = Date.now();
  await sleep(10_000);
  d.redis.thaw();
  const thawedAt = Date.now();
  await Promise.all(d.nodes.map((n) => n.waitReady(10_000)));
  await sleep(8000);
  await w.stop();
  const convergeMs = await w.waitCaughtUp(d, 10_000);

  // Every write attempt that started while Redis was frozen, early enough to be answered before
  // SIGCONT: the server must answer it `unavailable`, and within the SDK's ack timeout (5 s) so
  // that the client hears a refusal rather than silence. Nothing is acked ok while frozen.
  const attempts = w.ops.flatMap((o) => o.attempts.map((a) => ({ ...a, kind: o.kind })));
  const whileFrozen = attempts.filter((a) => a.startedAt >= frozenAt && a.startedAt + a.ms < thawedAt);
  const mustRefuse = attempts.filter((a) => a.startedAt >= frozenAt && a.startedAt <= thawedAt - 5500);
  const answers: Record<string, number> = {};
  for (const a of mustRefuse) answers[a.outcome] = (answers[a.outcome] ?? 0) + 1;
  const notRefusedInTime = mustRefuse.filter((a) => a.outcome !== 'unavailable' || a.ms >= 5000);
  const v = await verify('3-redis-freeze', d, w);
  v.convergeMs = convergeMs;
  v.extra = {
    attemptsWhileFrozen: mustRefuse.length,
    answers,
    refusalMsP50: percentile(
      mustRefuse.map((a) => a.ms),
      50,
    ),
    refusalMsP95: percentile(
      mustRefuse.map((a) => a.ms),
      95,
    ),
    refusalMsMax: Math.max(0, ...mustRefuse.map((a) => a.ms)),
    notRefusedWithin5s: notRefusedInTime.length,
  };
  report(v);

  expect(mustRefuse.length).toBeGreaterThan(50);
  expect(whileFrozen.filter((a) => a.outcome === 'ok')).toEqual([]);
  expect(d.nodes.map((n) => n.pid)).toEqual(pids);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.readerViolations).toBe(0);
  expect(
    notRefusedInTime.map((a) => `${a.kind} ${a.outcome} after ${a.ms} ms`),
    'every write sent to a frozen Redis is answered `unavailable` within 5 s',
  ).toEqual([]);
}, 180_000);
