/**
 * `npm run bench [-- --profile] [--quick] [--only=memory,writes,latency,fanout] [--report]`
 *
 * Runs the baselines (bare `ws`, plain Socket.IO) and livethread in the same run, each server in
 * its own process on one core and the load generators on the other, then prints the figures with
 * their ratios to the baselines and writes them to bench/runs/ (not in git). Not a test: nothing
 * here asserts; the targets are reported PASS or FAIL. See bench/README.md for the method.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommentStore } from '../server/core/ports.js';
import { RedisStore } from '../server/store/redis-store.js';
import { SqliteStore } from '../server/store/sqlite-store.js';
import { Histogram, type HistogramData } from './lib/histogram.js';
import { now } from './lib/marker.js';
import { BENCH_DIR, cleanupAll, cpuSeconds, fdLimits, pin, TASKSET } from './lib/proc.js';
import { summariseProfile, type ProfileSummary } from './lib/profile.js';
import { bytes, check, checkLine, fixed, int, ms, pct, table, type TargetCheck } from './lib/report.js';
import {
  BODY_BYTES,
  bottleneck,
  joinRig,
  KEEP_UP,
  launchRig,
  log,
  measureStep,
  P99_LIMIT_MS,
  runStep,
  sleep,
  sleepUntil,
  type StepResult,
  tearDown,
} from './lib/step.js';
import {
  LOAD_CORE,
  protocolOf,
  startLoadgens,
  startManagedRedis,
  startPublisher,
  startTarget,
  tokens,
  type Target,
} from './lib/targets.js';

// ── options ─────────────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const PROFILE = argv.includes('--profile');
const QUICK = argv.includes('--quick');
const ONLY = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** Print the table again from the latest run (`--report`) or the reviewed baseline (`--report=baseline`), without running anything. */
const REPORT_ONLY = argv.find((a) => a === '--report' || a.startsWith('--report='));
const want = (s: string) => !ONLY || ONLY.includes(s);

const STEP_MS = QUICK ? 1500 : 2500;
const LATENCY_MS = QUICK ? 3000 : 15_000;
const LATENCY_READERS = 1000;
const LATENCY_RATE = 20;
const FANOUT_SIZES = [1000, 5000];
/** Offered deliveries per second, step by step (posts/s = this ÷ readers). */
const RAMP = [20_000, 26_000, 34_000, 44_000, 57_000, 74_000, 96_000, 125_000, 162_000];
const MEMORY_READERS = 10_000;
const WRITE_COMMENTERS = 20;
const WRITE_ARTICLES = 100;
const WRITE_MS = QUICK ? 3000 : 5000;
const JOINS = 50;
const BIG_THREAD = 10_000;
/**
 * The whole run must end within 10 minutes on 2 cores. Fan-out ramps stop taking new steps at
 * these marks (seconds since start), whatever the machine's load; steps are not repeated for
 * contention after them.
 */
const PROFILE_RESERVE_S = PROFILE ? 50 : 0;
const RAMP_UNTIL_S: Record<number, number> = { 1000: 330 - PROFILE_RESERVE_S, 5000: 500 - PROFILE_RESERVE_S };

const RESULTS_DIR = path.join(BENCH_DIR, 'results');
/** Where runs go (not in git): each run as runs/<time>.json and runs/latest.json. The reviewed
 * figures the READMEs quote are results/baseline.json, replaced by hand from a run worth keeping. */
const RUNS_DIR = path.join(BENCH_DIR, 'runs');
const elapsed = () => Math.round(performance.now() / 1000);

// ── targets ─────────────────────────────────────────────────────────────────────────────────

const WS: Target = { id: 'ws', label: 'bare ws', kind: 'ws' };
const SIO: Target = { id: 'sio', label: 'plain Socket.IO', kind: 'sio' };
const SVC: Target = { id: 'service', label: 'livethread embedded', kind: 'service' };
const SVC_REDIS: Target = { id: 'service-redis', label: 'livethread Redis, 1 node', kind: 'service', redis: true };
const SVC_SQLITE: Target = { id: 'service-sqlite', label: 'livethread SQLite, 1 node', kind: 'service', sqlite: true };
const SVC_REDIS2: Target = { id: 'service-redis-2', label: 'livethread Redis, 2 nodes', kind: 'service', redis: true, nodes: 2 };

// ── scenario 1 and 2: fan-out and latency ───────────────────────────────────────────────────

interface FanoutResult {
  target: Target;
  readers: number;
  latency?: StepResult;
  steps: StepResult[];
  /** The step with the most events delivered per second. */
  peak: StepResult;
  saturated: boolean;
  limitedBy: string;
}

/** The highest step the target kept up with. */
const sustained = (f: FanoutResult): StepResult | undefined => f.steps.filter((s) => s.keptUp).at(-1);

/** Server CPU per delivered event over the kept-up steps among `steps` (µs). */
function cpuPerEvent(steps: StepResult[]): number {
  const kept = steps.filter((s) => s.keptUp);
  const events = kept.reduce((n, s) => n + s.deliveredInWindow, 0);
  return events ? (kept.reduce((n, s) => n + s.serverCpuSeconds, 0) * 1e6) / events : NaN;
}

/**
 * Every target of one reader count is started at once (idle servers cost next to nothing), then
 * driven one at a time, step by step, in a rotating order: each rate is measured on every target
 * within seconds of the others, so a burst of load from elsewhere on the machine does not favour
 * one of them. A target leaves the ramp, and is torn down, at its first step that does not keep up
 * or does not deliver more than the step before.
 */
async function fanoutGroup(targets: Target[], readers: number, withLatency: boolean, ramp: boolean): Promise<FanoutResult[]> {
  const until = RAMP_UNTIL_S[readers] ?? 500;
  const mayRepeat = () => elapsed() < until - 20;
  const launched = await Promise.allSettled(targets.map((t) => launchRig(t, readers)));
  const rigs = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const failed = launched.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const rig of rigs) {
      await joinRig(rig);
      // Warm-up: JIT, connections, Lua scripts. Not recorded, but it must deliver.
      const warm = await runStep(rig, Math.max(2, Math.round(RAMP[0]! / readers / 2)), 1000);
      if (warm.received === 0)
        throw new Error(`${rig.run.target.label}: nothing delivered in the warm-up (${warm.ackError ?? 'no ack error'})`);
    }
    const state = rigs.map((rig) => ({
      rig,
      result: { target: rig.run.target, readers, steps: [] as StepResult[], saturated: false, limitedBy: 'not saturated' } as Omit<
        FanoutResult,
        'peak'
      > & {
        peak?: StepResult;
      },
      done: !ramp,
    }));
    const record = async (s: (typeof state)[number], r: StepResult) => {
      s.result.steps.push(r);
      log(
        `${s.rig.run.target.label} ×${readers}: offered ${int(r.offeredPerSec)}/s → delivered ${int(r.deliveredPerSec)}/s, p99 ${ms(r.p99)} ms, ` +
          `${fixed(r.serverCpuUsPerEvent)} µs/event, cores: server ${pct(r.serverCore)} (+${pct(r.serverCoreOthers)} others), ` +
          `load ${pct(r.loadCore)} (+${pct(r.loadCoreOthers)} others)${r.dropped ? `, ${r.dropped} readers dropped` : ''}`,
      );
      const peak = s.result.peak;
      const grew = !peak || r.deliveredPerSec > peak.deliveredPerSec * 1.03;
      if (!peak || r.deliveredPerSec > peak.deliveredPerSec) s.result.peak = r;
      const crashed = s.rig.run.servers.find((c) => !c.alive);
      if (!r.keptUp || !grew || crashed) {
        s.done = true;
        s.result.saturated = !crashed;
        s.result.limitedBy = crashed ? `server exited (code ${String(crashed.exit)})` : r.keptUp ? 'stopped growing' : bottleneck(r);
        // Its backlog would otherwise drain into the next target's measurement.
        await tearDown(s.rig);
        rigs.splice(rigs.indexOf(s.rig), 1);
      }
    };
    if (withLatency) {
      for (const s of state) {
        const l = await measureStep(s.rig, LATENCY_RATE, LATENCY_MS, mayRepeat);
        s.result.latency = l;
        const crashed = s.rig.run.servers.find((c) => !c.alive);
        if (crashed) log(`${s.rig.run.target.label}: its server exited (code ${String(crashed.exit)}) during the latency step`);
        log(`${s.rig.run.target.label}: ${LATENCY_RATE} posts/s × ${readers} readers: p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms`);
      }
    }
    for (let k = 0; k < RAMP.length; k++) {
      const active = state.filter((s) => !s.done);
      if (!active.length) break;
      if (elapsed() > until) {
        for (const s of active) s.result.limitedBy = 'time budget';
        log(`${int(readers)} readers: no time left for more steps`);
        break;
      }
      const rot = k % active.length;
      for (const s of [...active.slice(rot), ...active.slice(0, rot)])
        await record(s, await measureStep(s.rig, RAMP[k]! / readers, STEP_MS, mayRepeat));
    }
    return state
      .filter((s) => s.result.steps.length || s.result.latency)
      .map((s) => ({ ...s.result, peak: s.result.peak ?? s.result.latency! }));
  } finally {
    for (const rig of rigs) await tearDown(rig);
  }
}

// ── scenario 3: memory per idle connection ──────────────────────────────────────────────────

interface MemoryResult {
  target: Target;
  readers: number;
  rssBefore: number;
  rssAfter: number;
  rssPerConn: number;
  heapPerConn: number;
  externalPerConn: number;
}

interface MemSample {
  rss: number;
  heapUsed: number;
  external: number;
  sockets: number;
}

async function memory(target: Target, readers: number): Promise<MemoryResult> {
  const run = await startTarget(target);
  const loadgens = startLoadgens(Math.ceil(readers / 5000), `${target.id}-mem`);
  try {
    await Promise.all(loadgens.map((l) => l.ready));
    const server = run.servers[0]!;
    await sleep(300);
    const before = await server.request<MemSample>('mem');
    const t0 = now();
    const per = Math.ceil(readers / loadgens.length);
    const connected = await Promise.all(
      loadgens.map((l, i) =>
        l.request<{ connected: number; firstError: string | null }>('connect', {
          spec: { ...protocolOf(target), articleId: 'idle-article' },
          urls: run.urls,
          count: Math.min(per, readers - i * per),
          concurrency: 100,
        }),
      ),
    );
    const n = connected.reduce((s, c) => s + c.connected, 0);
    if (n < readers)
      throw new Error(`${target.label}: only ${n} of ${readers} idle readers joined (${connected.find((c) => c.firstError)?.firstError})`);
    const connectMs = now() - t0;
    await sleep(1000);
    const after = await server.request<MemSample>('mem');
    const r: MemoryResult = {
      target,
      readers: after.sockets,
      rssBefore: before.rss,
      rssAfter: after.rss,
      rssPerConn: (after.rss - before.rss) / n,
      heapPerConn: (after.heapUsed - before.heapUsed) / n,
      externalPerConn: (after.external - before.external) / n,
    };
    log(
      `${target.label}: ${int(n)} idle readers joined in ${ms(connectMs)} ms; ${bytes(r.rssPerConn)} RSS, ${bytes(r.heapPerConn)} heap per connection`,
    );
    return r;
  } finally {
    await Promise.all(loadgens.map((l) => l.stop()));
    await run.stop();
  }
}

// ── scenario 4: writes and joins through the Redis store and the SQLite store ───────────────

interface WritesResult {
  /** Which store (absent in runs from before SQLite: Redis). */
  store?: 'redis' | 'sqlite';
  commenters: number;
  articles: number;
  ackedPerSec: number;
  failed: number;
  firstError: string | null;
  ackP50: number;
  ackP99: number;
  serverCpuUsPerPost: number;
  redisCpuUsPerPost: number;
  serverCore: number;
  joinP50: number;
  joinP99: number;
  joinSnapshotBytes: number;
  /** Redis: used_memory; SQLite: the database file and its WAL, per 1,000 comments. */
  redisBytesPer1000Comments: number;
}

/** The 10,000-comment thread: 2,500 root threads of 4 comments, written straight into `store`. */
async function writeBigThread(store: CommentStore, articleId: string): Promise<void> {
  const at = new Date().toISOString();
  const body = 'x'.repeat(BODY_BYTES);
  const all: Promise<unknown>[] = [];
  for (let r = 0; r < BIG_THREAD / 4; r++) {
    const rootId = `r${r}`;
    const create = (id: string, parentId: string | null) =>
      store.create({
        comment: {
          id,
          articleId,
          parentId,
          rootId,
          author: { id: `u${r % 50}`, name: `User ${r % 50}` },
          body,
          status: 'visible',
          createdAt: at,
        },
        clientKey: null,
        publish: true,
        rejectIfClosed: false,
        epochCandidate: 'bench',
        at,
      });
    all.push(create(rootId, null));
    for (let k = 0; k < 3; k++) all.push(create(`${rootId}-${k}`, rootId));
  }
  await Promise.all(all);
}

/** Bytes of the SQLite database and its WAL in `dir`. */
function sqliteBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('livethread.db'))
    .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
}

async function writes(target: Target): Promise<WritesResult> {
  let run = await startTarget(target);
  let publisher = startPublisher(target, run.urls[0]!, 'unused');
  const dataDir = run.dataDir;
  try {
    await publisher.ready;
    const commenterTokens = await Promise.all(
      Array.from({ length: WRITE_COMMENTERS }, (_, i) => tokens.sign({ sub: `writer-${i}`, name: `Writer ${i}`, role: 'commenter' })),
    );
    const articles = Array.from({ length: WRITE_ARTICLES }, (_, i) => `w-${i}`);
    // Commenters connect and warm up until measureFrom; CPU is sampled over [measureFrom, end].
    const measureFrom = now() + 2000;
    const end = measureFrom + WRITE_MS;
    const done = publisher.request<{ acked: number; failed: number; firstError: string | null; seconds: number; hist: HistogramData }>(
      'writes',
      { tokens: commenterTokens, articles, measureFrom, end, bodyBytes: BODY_BYTES },
      WRITE_MS + 30_000,
    );
    const server = run.servers[0]!;
    await sleepUntil(measureFrom);
    const s0 = server.cpu();
    const r0 = cpuSeconds(run.redisPid ?? -1);
    await sleepUntil(end);
    const s1 = server.cpu();
    const r1 = cpuSeconds(run.redisPid ?? -1);
    const w = await done;
    const hist = Histogram.from(w.hist);
    log(`writes (${target.label}): ${int(w.acked / w.seconds)} acked posts/s, ack p99 ${ms(hist.quantile(0.99))} ms`);

    const articleId = 'big-thread';
    let memBefore: number;
    let memAfter: number;
    if (dataDir) {
      // The server holds DATA_DIR: the thread is written while it is stopped, then it starts again on the file.
      await publisher.stop();
      await run.stop();
      memBefore = sqliteBytes(dataDir);
      const store = new SqliteStore({ dir: dataDir, durable: false });
      await writeBigThread(store, articleId);
      await store.close();
      memAfter = sqliteBytes(dataDir);
      run = await startTarget(target, { dataDir });
      publisher = startPublisher(target, run.urls[0]!, 'unused');
      await publisher.ready;
    } else {
      const redis = run.redis!.client();
      const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
      memBefore = await usedMemory();
      await writeBigThread(new RedisStore(redis), articleId);
      memAfter = await usedMemory();
    }
    const j = await publisher.request<{ hist: HistogramData; bytes: number }>('joins', { articleId, n: JOINS }, 60_000);
    const joins = Histogram.from(j.hist);
    log(
      `thread:join on ${int(BIG_THREAD)} comments (${target.label}): p50 ${ms(joins.quantile(0.5))} ms, p99 ${ms(joins.quantile(0.99))} ms`,
    );
    return {
      store: dataDir ? 'sqlite' : 'redis',
      commenters: WRITE_COMMENTERS,
      articles: WRITE_ARTICLES,
      ackedPerSec: w.acked / w.seconds,
      failed: w.failed,
      firstError: w.firstError,
      ackP50: hist.quantile(0.5),
      ackP99: hist.quantile(0.99),
      serverCpuUsPerPost: ((s1 - s0) * 1e6) / (w.acked || 1),
      redisCpuUsPerPost: dataDir ? NaN : ((r1 - r0) * 1e6) / (w.acked || 1),
      serverCore: (s1 - s0) / (WRITE_MS / 1000),
      joinP50: joins.quantile(0.5),
      joinP99: joins.quantile(0.99),
      joinSnapshotBytes: j.bytes,
      redisBytesPer1000Comments: ((memAfter - memBefore) / BIG_THREAD) * 1000,
    };
  } finally {
    await publisher.stop();
    await run.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function profile(postsPerSec: number): Promise<ProfileSummary> {
  const dir = path.join(RUNS_DIR, 'profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const launchedAt = now();
  const rig = await launchRig(SVC, 1000, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  // The profile starts with the server; start-up and connecting are left out of the summary.
  let skipSeconds: number;
  try {
    await joinRig(rig);
    await runStep(rig, postsPerSec, 1000);
    skipSeconds = (now() - launchedAt) / 1000;
    for (let i = 0; i < 3; i++) await runStep(rig, postsPerSec, STEP_MS);
  } finally {
    await tearDown(rig);
  }
  // One profile per thread (tsx's module loader runs in a worker): the main thread's is the big one.
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error('the server wrote no CPU profile');
  for (const f of files.slice(1)) rmSync(f);
  const main = path.join(dir, 'service-fanout.cpuprofile');
  renameSync(files[0], main);
  return summariseProfile(main, 20, skipSeconds);
}

// ── results ─────────────────────────────────────────────────────────────────────────────────

interface Results {
  machine: Record<string, unknown>;
  method: Record<string, unknown>;
  fanout: FanoutResult[];
  memory: MemoryResult[];
  writes?: WritesResult;
  writesSqlite?: WritesResult;
  targets: TargetCheck[];
  profile?: ProfileSummary;
  elapsedSeconds?: number;
}

function machine(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    pinned: TASKSET
      ? `servers on core 0; load generators, redis-server and the orchestrator on core ${LOAD_CORE}`
      : 'no taskset: not pinned',
    fdLimit: fdLimits(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const results: Results = {
  machine: machine(),
  method: {
    stepMs: STEP_MS,
    latencyMs: LATENCY_MS,
    bodyBytes: BODY_BYTES,
    ramp: RAMP,
    keptUp: `delivered in the window ≥ ${KEEP_UP} × offered, ≥ 99% received within 2 s, p99 ≤ ${P99_LIMIT_MS} ms, no reader dropped`,
    latency: 'receive time − scheduled send time (open loop)',
    cpuPerEvent: 'server CPU seconds (/proc utime+stime, all threads) in the step windows ÷ events delivered in them, over kept-up steps',
    memory: 'server RSS after connecting and GC − RSS before, ÷ readers',
  },
  fanout: [],
  memory: [],
  targets: [],
};

const find = (id: string, readers: number) => results.fanout.find((f) => f.target.id === id && f.readers === readers);

/**
 * CPU per event of two targets over the steps both kept up with (same offered rates, including
 * the latency step): sums of CPU time over sums of events, so that one noisy step weighs little.
 */
function cpuOverCommonSteps(a: FanoutResult, b: FanoutResult): { a: number; b: number; rates: string } | null {
  const all = (f: FanoutResult) => [...new Set([...(f.latency ? [f.latency] : []), ...f.steps])];
  const pairs: [StepResult, StepResult][] = [];
  const used = new Set<StepResult>();
  for (const sa of all(a)) {
    // The latency step and the ramp's first step can offer the same rate: pair them in order.
    const sb = all(b).find((s) => s.postsPerSec === sa.postsPerSec && !used.has(s));
    if (!sb) continue;
    used.add(sb);
    if (sa.keptUp && sb.keptUp) pairs.push([sa, sb]);
  }
  if (!pairs.length) return null;
  const rates = pairs.map(([x]) => int(x.offeredPerSec)).join(', ');
  return { a: cpuPerEvent(pairs.map(([x]) => x)), b: cpuPerEvent(pairs.map(([, y]) => y)), rates };
}

const loadBound = (...fs: FanoutResult[]) => fs.some((f) => f.limitedBy === 'load generator' || f.limitedBy === 'both cores busy');
const busyMachine = (...fs: FanoutResult[]) => fs.some((f) => f.limitedBy.includes('machine busy'));

function caveat(...fs: FanoutResult[]): string | undefined {
  if (loadBound(...fs))
    return `the load generator saturated first (${fs.map((f) => `${f.target.label}: ${f.limitedBy}`).join('; ')}): a lower bound`;
  if (busyMachine(...fs)) return 'other processes took the cores at saturation';
  return undefined;
}

function evaluate(): void {
  const t = results.targets;
  for (const readers of FANOUT_SIZES) {
    for (const svcId of ['service', 'service-redis']) {
      const svc = find(svcId, readers);
      if (!svc) continue;
      for (const [baseId, limit] of [
        ['ws', 0.8],
        ['sio', 0.95],
      ] as const) {
        const base = find(baseId, readers);
        if (!base) continue;
        t.push(
          check(
            `fan-out ${int(readers)} readers, ${svc.target.label} / ${base.target.label}, delivered events/s`,
            svc.peak.deliveredPerSec / base.peak.deliveredPerSec,
            '>=',
            limit,
            `${int(svc.peak.deliveredPerSec)} vs ${int(base.peak.deliveredPerSec)} /s`,
            caveat(svc, base),
          ),
        );
        const cpu = cpuOverCommonSteps(svc, base);
        if (cpu) {
          t.push(
            check(
              `fan-out ${int(readers)} readers, ${svc.target.label} / ${base.target.label}, CPU per event (baseline's ÷ service's)`,
              cpu.b / cpu.a,
              '>=',
              limit,
              `${fixed(cpu.a)} vs ${fixed(cpu.b)} µs/event at ${cpu.rates} events/s`,
            ),
          );
        }
      }
    }
  }
  const one = find('service-redis', LATENCY_READERS);
  const two = find('service-redis-2', LATENCY_READERS);
  if (one && two && one.steps.length && two.steps.length) {
    t.push(
      check(
        `two nodes / one node (Redis, ${int(LATENCY_READERS)} readers), delivered events/s`,
        two.peak.deliveredPerSec / one.peak.deliveredPerSec,
        '>=',
        0.8,
        `${int(two.peak.deliveredPerSec)} vs ${int(one.peak.deliveredPerSec)} /s; both nodes share the server core`,
        caveat(one, two),
      ),
    );
  }
  const ws = results.memory.find((m) => m.target.id === 'ws');
  for (const m of results.memory) {
    if (!ws || m.target.kind !== 'service') continue;
    t.push(
      check(
        `memory per idle connection, ${m.target.label} / bare ws`,
        m.rssPerConn / ws.rssPerConn,
        '<=',
        2.5,
        `${bytes(m.rssPerConn)} vs ${bytes(ws.rssPerConn)}`,
      ),
    );
  }
  const sioLat = find('sio', LATENCY_READERS)?.latency;
  for (const id of ['service', 'service-redis', 'service-redis-2']) {
    const f = find(id, LATENCY_READERS);
    if (!f?.latency || !sioLat) continue;
    t.push(
      check(
        `p99 post-to-delivery, ${f.target.label} / plain Socket.IO (${int(LATENCY_READERS)} readers, ${LATENCY_RATE} posts/s)`,
        f.latency.p99 / sioLat.p99,
        '<=',
        1.5,
        `${ms(f.latency.p99)} vs ${ms(sioLat.p99)} ms`,
      ),
    );
  }
}

function render(): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `livethread benchmark — ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memoryGiB)} GiB, Linux ${String(m.kernel)}, Node ${String(m.node)}`,
  );
  out.push(`${String(m.pinned)}; ${BODY_BYTES}-byte comments; steps of ${STEP_MS / 1000} s; latency from the scheduled send time`);
  out.push(`load average at start ${(m.loadAverageAtStart as number[]).join(' ')}`);
  for (const readers of FANOUT_SIZES) {
    const rows = results.fanout.filter((f) => f.readers === readers && f.steps.length);
    if (!rows.length) continue;
    out.push('', `Fan-out: one article, ${int(readers)} readers, post rate raised until saturation`);
    out.push(
      table(
        [
          'target',
          'peak delivered/s',
          'kept up with',
          'p50 ms',
          'p99 ms',
          'µs CPU/event',
          'server core',
          'load core',
          'others',
          'limited by',
        ],
        rows.map((f) => {
          const k = sustained(f);
          const last = f.steps.at(-1)!;
          return [
            f.target.label,
            int(f.peak.deliveredPerSec),
            k ? `${int(k.offeredPerSec)}/s` : 'none',
            k ? ms(k.p50) : '–',
            k ? ms(k.p99) : '–',
            fixed(cpuPerEvent(f.steps)),
            pct(last.serverCore),
            pct(last.loadCore),
            `${pct(last.serverCoreOthers)}/${pct(last.loadCoreOthers)}`,
            f.limitedBy,
          ];
        }),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      ),
    );
  }
  if (results.fanout.some((f) => f.steps.length)) {
    out.push(
      `kept up with: highest offered rate delivered (≥ ${KEEP_UP * 100}% in the window, p99 ≤ ${P99_LIMIT_MS} ms), p50/p99 at that rate; ` +
        'µs CPU/event: server CPU over the kept-up steps; cores and others (the share other processes took of the server/load core) at the last step',
    );
  }
  const lat = results.fanout.filter((f) => f.latency);
  if (lat.length) {
    out.push(
      '',
      `Latency: ${int(LATENCY_READERS)} readers, ${LATENCY_RATE} posts/s (${int(LATENCY_READERS * LATENCY_RATE)} deliveries/s), ${LATENCY_MS / 1000} s, post to delivery`,
    );
    out.push(
      table(
        ['target', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'ack p50 ms', 'ack p99 ms', 'received', 'µs CPU/event', 'others'],
        lat.map((f) => {
          const l = f.latency!;
          return [
            f.target.label,
            ms(l.p50),
            ms(l.p99),
            ms(l.p999),
            ms(l.max),
            ms(l.ackP50),
            ms(l.ackP99),
            pct(l.received / l.expected),
            fixed(l.serverCpuUsPerEvent),
            `${pct(l.serverCoreOthers)}/${pct(l.loadCoreOthers)}`,
          ];
        }),
      ),
    );
  }
  if (results.memory.length) {
    const ws = results.memory.find((r) => r.target.id === 'ws');
    out.push('', `Memory per idle connection: ${int(MEMORY_READERS)} readers joined to an article, server RSS after GC`);
    out.push(
      table(
        ['target', 'RSS before', 'RSS after', 'RSS/conn', 'heap/conn', '× bare ws'],
        results.memory.map((r) => [
          r.target.label,
          bytes(r.rssBefore),
          bytes(r.rssAfter),
          bytes(r.rssPerConn),
          bytes(r.heapPerConn),
          ws ? fixed(r.rssPerConn / ws.rssPerConn) : '–',
        ]),
      ),
    );
  }
  const ws = [results.writes, results.writesSqlite].filter((x): x is WritesResult => x !== undefined);
  if (ws.length) {
    const w0 = ws[0]!;
    const storeName = (w: WritesResult) => (w.store === 'sqlite' ? 'SQLite (WAL, synchronous=FULL)' : 'Redis (AOF, appendfsync always)');
    out.push('', `Writes through the store: ${w0.commenters} commenters in closed loop, ${w0.articles} articles`);
    out.push(
      table(
        ['store', 'acked posts/s', 'ack p50 ms', 'ack p99 ms', 'failed', 'server µs/post', 'redis µs/post', 'server core'],
        ws.map((w) => [
          storeName(w),
          int(w.ackedPerSec),
          ms(w.ackP50),
          ms(w.ackP99),
          w.failed,
          int(w.serverCpuUsPerPost),
          Number.isNaN(w.redisCpuUsPerPost) ? '-' : int(w.redisCpuUsPerPost),
          pct(w.serverCore),
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    for (const w of ws)
      out.push(
        `thread:join on a ${int(BIG_THREAD)}-comment thread, ${w.store === 'sqlite' ? 'SQLite' : 'Redis'} (${JOINS} joins, snapshot ${bytes(w.joinSnapshotBytes)}): ` +
          `p50 ${ms(w.joinP50)} ms, p99 ${ms(w.joinP99)} ms; ` +
          `${w.store === 'sqlite' ? 'file' : 'Redis memory'} ${bytes(w.redisBytesPer1000Comments)} per 1,000 comments`,
      );
  }
  if (results.targets.length) {
    out.push('', 'Targets');
    for (const c of results.targets) out.push(checkLine(c));
  }
  const p = results.profile;
  if (p) {
    out.push(
      '',
      `CPU profile: ${SVC.label} fan-out, 1,000 readers, ${fixed(p.seconds, 1)} s of steps (start-up and connecting left out), ` +
        `busy ${p.busyPct}% (${path.relative(process.cwd(), p.file)}); self time as a share of busy time`,
    );
    out.push(
      table(
        ['self %', 'function', 'where'],
        p.functions.map((f) => [fixed(f.selfPct, 1), f.name, f.where]),
        ['r', 'l', 'l'],
      ),
    );
    out.push(`by package: ${p.packages.map((k) => `${k.name} ${fixed(k.selfPct, 1)}%`).join(', ')}`);
  }
  return out.join('\n');
}

// ── main ────────────────────────────────────────────────────────────────────────────────────

let stopping: Promise<void> | null = null;
/**
 * Stops everything the run started, then exits. A terminal's Ctrl-C reaches this process twice
 * (from the terminal and relayed by tsx): the second signal waits for the same cleanup.
 */
async function abort(reason: string, code: number): Promise<never> {
  stopping ??= (async () => {
    process.stderr.write(`\nbench: ${reason}; stopping every process it started…\n`);
    await cleanupAll();
  })();
  await stopping;
  process.exit(code);
}
process.on('SIGINT', () => void abort('interrupted', 130));
process.on('SIGTERM', () => void abort('terminated', 143));
process.on('SIGHUP', () => void abort('hung up', 129));
process.on('uncaughtException', (e) => void abort(`error: ${e.stack ?? e.message}`, 1));
process.on('unhandledRejection', (e) => void abort(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1));

async function main(): Promise<void> {
  if (REPORT_ONLY) {
    const from = REPORT_ONLY === '--report=baseline' ? path.join(RESULTS_DIR, 'baseline.json') : path.join(RUNS_DIR, 'latest.json');
    const saved = JSON.parse(readFileSync(from, 'utf8'), (_k, v: unknown) =>
      v === 'Infinity' ? Infinity : v === null ? NaN : v,
    ) as Results;
    Object.assign(results, saved, { targets: [] });
    evaluate();
    process.stdout.write(`\n${render()}\n\nFrom ${path.relative(process.cwd(), from)} (run of ${saved.elapsedSeconds} s)\n`);
    return;
  }
  if (TASKSET) pin(process.pid, LOAD_CORE);
  const fd = fdLimits();
  if (fd.raised < MEMORY_READERS + 500)
    log(`file descriptor limit ${fd.raised} (hard ${fd.hard}) is too low for ${int(MEMORY_READERS)} connections in one server`);
  // Fail fast when redis-server is missing, before anything long runs.
  await (await startManagedRedis()).redis.stop();

  // Memory and writes first: bounded in time. The fan-out ramps then use what is left.
  if (want('memory')) for (const target of [WS, SIO, SVC]) results.memory.push(await memory(target, MEMORY_READERS));
  if (want('writes')) {
    results.writes = await writes(SVC_REDIS);
    results.writesSqlite = await writes(SVC_SQLITE);
  }
  if (want('fanout') || want('latency')) {
    for (const readers of want('fanout') ? FANOUT_SIZES : [LATENCY_READERS]) {
      const targets = readers === LATENCY_READERS ? [WS, SIO, SVC, SVC_REDIS, SVC_REDIS2] : [WS, SIO, SVC, SVC_REDIS];
      results.fanout.push(...(await fanoutGroup(targets, readers, want('latency') && readers === LATENCY_READERS, want('fanout'))));
    }
  }
  if (PROFILE) {
    const rate = (find('service', 1000) && sustained(find('service', 1000)!)?.postsPerSec) ?? 40;
    log(`profiling ${SVC.label} at ${fixed(rate, 1)} posts/s × 1,000 readers`);
    results.profile = await profile(rate);
  }
  evaluate();
  results.elapsedSeconds = elapsed();
  mkdirSync(RUNS_DIR, { recursive: true });
  const json = `${JSON.stringify(results, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`;
  writeFileSync(path.join(RUNS_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), json);
  const file = path.join(RUNS_DIR, 'latest.json');
  writeFileSync(file, json);
  process.stdout.write(`\n${render()}\n\nFigures written to ${path.relative(process.cwd(), file)} (${results.elapsedSeconds} s)\n`);
}

try {
  await main();
} catch (e) {
  await abort(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1);
}
await cleanupAll();
process.exit(0);
