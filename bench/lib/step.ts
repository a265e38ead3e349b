/**
 * A rig (a target's server(s), its readers' load generators and its publisher) and one measured
 * step of posts on it: open loop at a fixed rate, latency from each post's scheduled send time,
 * delivered events counted in the step's window, CPU of every process and of each core sampled
 * at the window's edges.
 */
import { Histogram, type HistogramData } from './histogram.js';
import { now } from './marker.js';
import { type Child, coreBusySeconds, TASKSET } from './proc.js';
import { fixed, pct } from './report.js';
import {
  cpuOf,
  LOAD_CORE,
  protocolOf,
  SERVER_CORE,
  startLoadgens,
  startPublisher,
  startTarget,
  tokens,
  type Running,
  type Target,
} from './targets.js';

export const BODY_BYTES = 300;
const READERS_PER_LOADGEN = 5000;
/** How long after a step's window the readers may still receive its events. */
const DRAIN_MS = 2000;
/** A step keeps up when this share of the offered events arrived in the window, with a bounded p99. */
export const KEEP_UP = 0.95;
export const P99_LIMIT_MS = 500;
/** A core this busy is saturated. */
export const BUSY = 0.9;
/** Share of a core taken by other processes above which a step is repeated. */
const CONTENDED = 0.15;
const MAX_ATTEMPTS = 3;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
export const sleepUntil = (t: number) => sleep(t - now());

export interface StepResult {
  postsPerSec: number;
  offeredPerSec: number;
  deliveredPerSec: number;
  received: number;
  expected: number;
  /** Readers the server disconnected during the step (slow-reader protection). */
  dropped: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  ackP50: number;
  ackP99: number;
  ackFailed: number;
  ackError: string | null;
  /** How late the publisher sent, against the schedule (it counts in the latency: open loop). */
  sendLagP99: number;
  /** Server CPU seconds and events delivered in the window, for sums over several steps. */
  serverCpuSeconds: number;
  deliveredInWindow: number;
  serverCpuUsPerEvent: number;
  /** Share of the server core and of the load core our processes used over the window… */
  serverCore: number;
  loadCore: number;
  /** … and what everything else on the machine took of them: contention. */
  serverCoreOthers: number;
  loadCoreOthers: number;
  keptUp: boolean;
  attempts: number;
}

export interface Rig {
  run: Running;
  loadgens: Child[];
  publisher: Child;
  readers: number;
  articleId: string;
}

export const log = (s: string) => process.stderr.write(`[bench ${String(Math.round(performance.now() / 1000)).padStart(3)}s] ${s}\n`);

/** Starts every process of a rig and waits until each is up; no connection yet. */
export async function launchRig(target: Target, readers: number, opts: { nodeArgs?: string[] } = {}): Promise<Rig> {
  const run = await startTarget(target, opts);
  const articleId = 'bench-article';
  const token =
    target.kind === 'service' ? await tokens.sign({ sub: 'bench-commenter', name: 'Bench Commenter', role: 'commenter' }) : undefined;
  const loadgens = startLoadgens(Math.ceil(readers / READERS_PER_LOADGEN), target.id);
  // The commenter posts on node A; readers are spread over every node.
  const publisher = startPublisher(target, run.urls[0]!, articleId, token);
  const rig: Rig = { run, loadgens, publisher, readers, articleId };
  try {
    await Promise.all([...loadgens, publisher].map((c) => c.ready));
  } catch (e) {
    await tearDown(rig);
    throw e;
  }
  return rig;
}

/** Connects and joins every reader, then the publisher. */
export async function joinRig(rig: Rig): Promise<void> {
  const { run, loadgens, readers } = rig;
  const per = Math.ceil(readers / loadgens.length);
  const connected = await Promise.all(
    loadgens.map((l, i) =>
      l.request<{ connected: number; failed: number; firstError: string | null; ms: number }>('connect', {
        spec: { ...protocolOf(run.target), articleId: rig.articleId },
        urls: run.urls,
        count: Math.min(per, readers - i * per),
        concurrency: 100,
      }),
    ),
  );
  const ok = connected.reduce((n, c) => n + c.connected, 0);
  if (ok < readers)
    throw new Error(`${run.target.label}: only ${ok} of ${readers} readers joined (${connected.find((c) => c.firstError)?.firstError})`);
  await rig.publisher.request('connect');
  log(`${run.target.label}: ${readers} readers joined in ${Math.round(Math.max(...connected.map((c) => c.ms)))} ms`);
}

export async function tearDown(rig: Rig): Promise<void> {
  await Promise.all([...rig.loadgens, rig.publisher].map((c) => c.stop()));
  await rig.run.stop();
}

let stepCounter = 0;

export async function runStep(rig: Rig, postsPerSec: number, durationMs: number): Promise<StepResult> {
  const step = ++stepCounter;
  const startAt = now() + 300;
  const windowEnd = startAt + durationMs;
  await Promise.all(rig.loadgens.map((l) => l.request('begin', { step, windowStart: startAt, windowEnd })));
  const published = rig.publisher.request<{
    sent: number;
    acked: number;
    failed: number;
    firstError: string | null;
    ackHist: HistogramData;
    sendLagP99: number;
  }>('run', { step, rate: postsPerSec, durationMs, startAt, bodyBytes: BODY_BYTES }, durationMs + 30_000);
  const serverPids = rig.run.servers.map((s) => s.pid);
  // Everything of ours on the load core: readers, publisher, redis-server and this process.
  const loadPids = [...rig.loadgens.map((l) => l.pid), rig.publisher.pid, rig.run.redisPid, process.pid];
  await sleepUntil(startAt);
  const s0 = cpuOf(serverPids);
  const l0 = cpuOf(loadPids);
  const c0 = coreBusySeconds();
  const t0 = now();
  await sleepUntil(windowEnd);
  const s1 = cpuOf(serverPids);
  const l1 = cpuOf(loadPids);
  const c1 = coreBusySeconds();
  const wall = (now() - t0) / 1000;
  const coreShare = (core: number) => ((c1[core] ?? NaN) - (c0[core] ?? NaN)) / wall;
  const pub = await published;
  const deadline = Math.max(windowEnd + DRAIN_MS, now() + 100);
  const collected = await Promise.all(
    rig.loadgens.map((l) =>
      l.request<{ received: number; inWindow: number; expected: number; dropped: number; hist: HistogramData }>('collect', {
        step,
        posts: pub.sent,
        deadline,
      }),
    ),
  );
  const hist = new Histogram();
  let inWindow = 0;
  let received = 0;
  let expected = 0;
  let dropped = 0;
  for (const c of collected) {
    hist.merge(c.hist);
    inWindow += c.inWindow;
    received += c.received;
    expected += c.expected;
    dropped += c.dropped;
  }
  const ack = Histogram.from(pub.ackHist);
  const seconds = durationMs / 1000;
  const deliveredPerSec = inWindow / seconds;
  const offeredPerSec = (pub.sent / seconds) * rig.readers;
  const p99 = hist.quantile(0.99);
  const serverCore = (s1 - s0) / wall;
  const loadCore = (l1 - l0) / wall;
  return {
    postsPerSec,
    offeredPerSec,
    deliveredPerSec,
    received,
    expected,
    dropped,
    p50: hist.quantile(0.5),
    p99,
    p999: hist.quantile(0.999),
    max: hist.missing ? Infinity : hist.max,
    ackP50: ack.count ? ack.quantile(0.5) : NaN,
    ackP99: ack.count ? ack.quantile(0.99) : NaN,
    ackFailed: pub.failed,
    ackError: pub.firstError,
    sendLagP99: pub.sendLagP99,
    serverCpuSeconds: s1 - s0,
    deliveredInWindow: inWindow,
    serverCpuUsPerEvent: inWindow ? ((s1 - s0) * 1e6) / inWindow : NaN,
    serverCore,
    loadCore,
    serverCoreOthers: TASKSET ? Math.max(0, coreShare(SERVER_CORE) - serverCore) : NaN,
    loadCoreOthers: TASKSET ? Math.max(0, coreShare(LOAD_CORE) - loadCore) : NaN,
    keptUp: deliveredPerSec >= KEEP_UP * offeredPerSec && received >= 0.99 * expected && p99 <= P99_LIMIT_MS && dropped === 0,
    attempts: 1,
  };
}

/** How much of our cores other processes took during a step. */
const contention = (r: StepResult): number => Math.max(r.serverCoreOthers || 0, (r.loadCoreOthers || 0) - 0.1);

/**
 * A step, repeated (up to MAX_ATTEMPTS, while `mayRepeat()`) when other processes on the machine
 * competed for our cores; the least contended attempt is kept.
 */
export async function measureStep(rig: Rig, postsPerSec: number, durationMs: number, mayRepeat: () => boolean): Promise<StepResult> {
  let best: StepResult | undefined;
  for (let attempt = 1; ; attempt++) {
    const r = await runStep(rig, postsPerSec, durationMs);
    if (!best || contention(r) < contention(best)) best = r;
    best.attempts = attempt;
    if (contention(r) <= CONTENDED || attempt >= MAX_ATTEMPTS || !mayRepeat()) return best;
    log(
      `  other processes took ${pct(r.serverCoreOthers)} of the server core, ${pct(r.loadCoreOthers)} of the load core: repeating the step`,
    );
    await sleep(1500);
  }
}

/** What limited a step that did not keep up. */
export function bottleneck(s: StepResult): string {
  if (!TASKSET) return 'unknown (not pinned)';
  const server = s.serverCore >= BUSY;
  const load = s.loadCore >= BUSY;
  if (server && load) return 'both cores busy';
  if (server) return 'server';
  if (load) return 'load generator';
  if (s.serverCore + s.serverCoreOthers >= BUSY) return 'server core shared (machine busy)';
  if (s.loadCore + s.loadCoreOthers >= BUSY) return 'load core shared (machine busy)';
  return `latency (p99 ${fixed(s.p99, 0)} ms)`;
}
