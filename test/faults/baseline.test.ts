/**
 * Baseline: no fault at all, so that the fault runs have something to compare with. Meant as 60 s
 * of load; scaled down to 25 s so that the whole fault suite fits in a few
 * minutes on a 2-core machine. Everything else at full size: 3 nodes, 300 readers over 10
 * articles, 20 posts/s with edits and deletes mixed in.
 */
import { afterAll, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { FaultRun, report, verify } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('baseline (25 s instead of 60 s): 3 nodes, 300 readers on 10 articles, 20 posts/s with edits and deletes: nothing lost, nothing twice', async () => {
  const deployment = await run.deploy({ nodes: 3 });
  const workload = await run.standardLoad('base');
  await sleep(25_000);
  await workload.stop();
  const convergeMs = await workload.waitCaughtUp(deployment, 10_000);
  const v = await verify('1-baseline', deployment, workload);
  v.convergeMs = convergeMs;
  v.extra = { connectionsPerNode: Object.fromEntries(deployment.balancer.opened) };
  report(v);
  expect(v.ops.post.ok).toBeGreaterThan(400);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.readerViolations).toBe(0);
  // No fault: every write succeeds, except the legitimate refusals of a random workload: a reply
  // to, or an edit of, a comment deleted a moment before is `not_found`.
  expect(workload.ops.filter((o) => o.outcome !== 'ok' && o.outcome !== 'not_found').map((o) => `${o.kind} ${o.outcome}`)).toEqual([]);
  expect(v.acked).toBeGreaterThan(workload.ops.length * 0.95);
  expect(convergeMs).toBeLessThan(2000);
}, 120_000);
