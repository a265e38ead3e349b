/**
 * A reconnect storm: 2,000 readers on node A of three (one Redis), and node A killed with
 * `kill -9`. Its readers come back through the balancer to B and C, spread over time by the SDK's
 * jittered backoff, and catch up with `since` joins (bounded answers, no snapshot); the readers
 * that were on B and C all along must not notice: their post-to-delivery p99 stays under 1 s
 * before, during and after the storm.
 *
 * The 2,000 readers live in two child processes (reader-swarm.ts) so that this process, which
 * measures the others' latency, is not the one busy with them. READ_RATE is off: every simulated
 * reader shares 127.0.0.1, where real ones come from as many addresses.
 *
 * What it costs (printed): about 3.5 CPU-seconds on the two survivors and 2 in each swarm for the
 * storm. On two cores to itself that is a few seconds; on a machine shared with other jobs (load
 * average several times the core count) the survivors get a fraction of a core and the figures
 * grow with it: read `survivorsCpuSeconds` beside `backMs` before blaming the design.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { articles, FaultRun, percentile, readHeads } from './harness.js';
import { ROOT } from './processes.js';
import type { SwarmReply, SwarmRequest, SwarmStart, SwarmStatus } from './reader-swarm.js';

const run = new FaultRun();
afterAll(() => run.teardown());

const SWARM = fileURLToPath(new URL('./reader-swarm.ts', import.meta.url));

class Swarm {
  private readonly child: ChildProcess;
  private waiting: ((m: SwarmReply) => void)[] = [];

  constructor() {
    this.child = fork(SWARM, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: SwarmReply) => this.waiting.shift()?.(m));
    run.onTeardown(() => this.child.kill('SIGKILL'));
  }

  private ask(m: SwarmRequest, timeoutMs = 60_000): Promise<SwarmReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the swarm did not answer ${m.type} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.send(m);
    });
  }

  async start(opts: Omit<SwarmStart, 'type'>): Promise<void> {
    const r = await this.ask({ type: 'start', ...opts });
    if (r.type !== 'started') throw new Error(`the swarm could not start: ${JSON.stringify(r)}`);
  }

  /** Takes a node out of (or back into) the rotation of this process's balancer. */
  async balance(type: 'take' | 'restore', port: number): Promise<void> {
    await this.ask({ type, port });
  }

  async stopPosting(): Promise<void> {
    await this.ask({ type: 'stop-posting' });
  }

  async status(): Promise<SwarmStatus> {
    const r = await this.ask({ type: 'status' });
    if (r.type !== 'status') throw new Error(`unexpected answer ${JSON.stringify(r)}`);
    return r;
  }
}

it('kill -9 of the node holding 2,000 readers: all back and caught up within 15 s; the readers on the other nodes keep p99 under 1 s', async () => {
  const d = await run.deploy({ nodes: 3, env: { READ_RATE: 'off' } });
  const [a, b, c] = d.nodes as [(typeof d.nodes)[0], (typeof d.nodes)[0], (typeof d.nodes)[0]];
  const ids = articles('storm', 10);

  // Everyone through the balancer lands on A. (Each swarm runs its own TCP balancer over the three
  // nodes, the same as the one in processes.ts.)
  const swarms = [new Swarm(), new Swarm()];
  const t0 = Date.now();
  const balance = { ports: [a.port, b.port, c.port], out: [b.port, c.port] };
  await Promise.all(swarms.map((s, i) => s.start({ balance, articles: ids, count: 1000, first: i * 1000 })));
  const connectMs = Date.now() - t0;
  expect((await a.metrics()).get('livethread_connected_sockets')).toBeGreaterThanOrEqual(2000);
  for (const s of swarms) {
    await s.balance('restore', b.port);
    await s.balance('restore', c.port);
  }

  // The readers that stay: 100 on B and 100 on C, directly, in a process of their own with two
  // writers (one on B, one on C) posting 5 comments a second over the ten articles; they time
  // each comment from its post to its arrival.
  const steady = new Swarm();
  const tokens = await Promise.all([0, 1].map((i) => d.tokens.sign({ sub: `storm-writer-${i}`, name: `Writer ${i}`, role: 'commenter' })));
  await steady.start({ urls: [b.url, c.url], articles: ids, count: 200, first: 0, post: { urls: [b.url, c.url], tokens, everyMs: 200 } });
  await sleep(4000);

  // The kill. Every event committed before it is what each of A's readers must catch up to.
  const cpu = async () => {
    const m = await Promise.all([b, c].map((x) => x.metrics()));
    return m.reduce((x, y) => x + (y.get('livethread_process_cpu_seconds_total') ?? 0), 0);
  };
  const cpuBefore = await cpu();
  // Out of the rotation as a health check would take it, then killed.
  for (const s of swarms) await s.balance('take', a.port);
  await a.kill9();
  const killedAt = Date.now();
  const targets = await readHeads(b, ids);
  let status: SwarmStatus[];
  let backMs = -1;
  for (;;) {
    status = await Promise.all(swarms.map((s) => s.status()));
    const heads = status.flatMap((s) => s.heads);
    const caughtUp = heads.every((h, i) => h >= targets.get(ids[i % ids.length]!)!);
    const connected = status.reduce((x, s) => x + s.connected, 0);
    if (connected === 2000 && caughtUp) {
      backMs = Date.now() - killedAt;
      break;
    }
    if (Date.now() - killedAt > 20_000) break;
    await sleep(200);
  }
  const stormCpuSeconds = (await cpu()) - cpuBefore;
  await sleep(Math.max(0, killedAt + 15_000 - Date.now()));
  await steady.stopPosting();
  await sleep(1500);
  const { samples, posts } = await steady.status();

  const back = status
    .flatMap((s) => s.reconnectedAt)
    .filter((t) => t > 0)
    .map((t) => t - killedAt);
  const resets = status.reduce((x, s) => x + s.resets, 0);
  const before = samples.filter((s) => s.at < killedAt).map((s) => s.ms);
  const stormSamples = samples.filter((s) => s.at >= killedAt && s.at < killedAt + 15_000);
  const during = stormSamples.map((s) => s.ms);
  const all = samples.map((s) => s.ms);
  const figures = {
    connectMs,
    backMs,
    reconnected: back.length,
    reconnectSpreadMs: { first: Math.min(...back), p50: percentile(back, 50), p99: percentile(back, 99), last: Math.max(...back) },
    resets,
    survivorsCpuSeconds: Math.round(stormCpuSeconds * 100) / 100,
    swarmCpuSeconds: status.map((s) => s.cpuSeconds),
    posts,
    deliveries: all.length,
    beforeKill: { p50: percentile(before, 50), p99: percentile(before, 99), max: Math.max(...before) },
    storm: { p50: percentile(during, 50), p99: percentile(during, 99), max: Math.max(...during) },
    // Of which: from the post to its commit (the writer's request), and from the commit to the reader.
    stormCommitP99: percentile(
      stormSamples.map((s) => s.commitMs),
      99,
    ),
    stormFanoutP99: percentile(
      stormSamples.map((s) => s.ms - s.commitMs),
      99,
    ),
    overall: { p50: percentile(all, 50), p99: percentile(all, 99), max: Math.max(...all) },
  };
  console.log(`[faults] reconnect storm (2,000 readers on A, kill -9 A): ${JSON.stringify(figures)}`);

  expect(backMs).toBeGreaterThan(0);
  expect(backMs).toBeLessThan(15_000);
  expect(back.length).toBe(2000);
  // Caught up from their head, not reloaded.
  expect(resets).toBe(0);
  expect(during.length).toBeGreaterThan(1000);
  expect(figures.overall.p99).toBeLessThan(1000);
  expect(figures.storm.p99).toBeLessThan(1000);
}, 120_000);
