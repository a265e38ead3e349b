/**
 * `kill -9` of one node, then another, under load. Meant as one every 20 s;
 * scaled down to every 8 s, twice, so that the suite fits in a few minutes. A killed node is out
 * of the balancer's rotation at once (as a health check would take it out) and started again 3 s
 * later by its "supervisor" (in the background: the load does not wait for it). Its readers reconnect through the balancer to the other nodes and
 * catch up from their head; its commenters' posts in flight are retried with the same clientId.
 * Load: 3 nodes, 300 readers over 10 articles, 20 posts/s with edits and deletes.
 */
import { afterAll, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { FaultRun, readHeads, report, verify } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('kill -9 of a node every 8 s (twice, instead of every 20 s): its readers reconnect to the others and converge; nothing lost or doubled', async () => {
  const d = await run.deploy({ nodes: 3 });
  const w = await run.standardLoad('nkill');

  const kills: { node: string; reconnected: number; caughtUpMs: number }[] = [];
  const restarts: Promise<void>[] = [];
  for (const victim of [d.nodes[0]!, d.nodes[1]!]) {
    await sleep(kills.length === 0 ? 8000 : 4000);
    const reconnectsBefore = w.readers.reduce((n, r) => n + r.reconnects, 0);
    d.balancer.take(victim);
    await victim.kill9();
    const killedAt = Date.now();
    expect(victim.exits.at(-1)?.signal).toBe('SIGKILL');
    // Its "supervisor" starts it again 3 s later; meanwhile its readers are elsewhere.
    restarts.push(sleep(3000).then(() => victim.start().then(() => d.balancer.restore(victim))));
    // Every event committed before the kill reaches every reader, those of the killed node included.
    const targets = await readHeads(await d.readyNode(), w.opts.articles);
    await w.waitCaughtUp(d, 10_000, targets);
    const caughtUpMs = Date.now() - killedAt;
    await sleep(Math.max(0, killedAt + 4000 - Date.now()));
    kills.push({ node: victim.name, reconnected: w.readers.reduce((n, r) => n + r.reconnects, 0) - reconnectsBefore, caughtUpMs });
  }
  await Promise.all(restarts);
  await sleep(4000);
  await w.stop();
  const convergeMs = await w.waitCaughtUp(d, 10_000);
  const v = await verify('4-node-kill', d, w);
  v.convergeMs = convergeMs;
  v.extra = { kills };
  report(v);
  // About a third of the readers were on each victim and had to come back through another node,
  // with everything, within 10 s of the kill.
  for (const k of kills) {
    expect(k.reconnected).toBeGreaterThan(50);
    expect(k.caughtUpMs).toBeLessThan(10_000);
  }
  expect(v.ops.post.ok).toBeGreaterThan(300);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.readerViolations).toBe(0);
}, 180_000);
