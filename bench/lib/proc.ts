/**
 * Child processes of the benchmark: spawned pinned to a core (taskset, where it exists), with the
 * file descriptor limit raised to the hard limit, talking request/reply over the IPC channel, and
 * all registered for cleanup however the run ends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');

export const TASKSET = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** `ulimit -n` soft and hard, as the children will see it (soft raised to hard). */
export function fdLimits(): { soft: number; hard: number; raised: number } {
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -n; ulimit -Hn; ulimit -n "$(ulimit -Hn)" 2>/dev/null; ulimit -n'], { encoding: 'utf8' });
  const [soft, hard, raised] = r.stdout
    .trim()
    .split('\n')
    .map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  return { soft: soft ?? 1024, hard: hard ?? 1024, raised: raised ?? soft ?? 1024 };
}

/** CPU seconds (user + system, all threads) a process has used so far; NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * Busy CPU seconds of each core so far (user, nice, system, irq, softirq, steal: everything but
 * idle and iowait), from /proc/stat. What a core spent beyond our own processes is contention.
 */
export function coreBusySeconds(): number[] {
  try {
    const out: number[] = [];
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const m = /^cpu(\d+) (.*)$/.exec(line);
      if (!m) continue;
      const [user, nice, system, , , irq, softirq, steal] = m[2]!.trim().split(/\s+/).map(Number);
      out[Number(m[1])] = ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLK_TCK;
    }
    return out;
  } catch {
    return [];
  }
}

/** Resident set size in bytes, from /proc. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Direct children of this process named `comm` (the redis-server that startRedis spawned). */
export function childPids(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && name === comm) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pins an already running process (every thread) to one core. */
export function pin(pid: number, cpu: number): void {
  if (TASKSET) spawnSync('taskset', ['-a', '-c', '-p', String(cpu), String(pid)], { stdio: 'ignore' });
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface ChildOptions {
  name: string;
  /** Script under bench/, run with tsx. */
  script: string;
  /** Core to pin to; undefined: not pinned. */
  cpu?: number;
  config: unknown;
  nodeArgs?: string[];
}

export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** The child's first message, `{ type: 'ready', … }`. */
  readonly ready: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private exitCode: number | null | undefined;

  constructor(opts: ChildOptions) {
    this.name = opts.name;
    const node = [process.execPath, ...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(BENCH_DIR, opts.script)];
    const argv = TASKSET && opts.cpu !== undefined ? ['taskset', '-c', String(opts.cpu), ...node] : node;
    // sh raises the soft descriptor limit to the hard one, then execs: the pid stays the child's.
    this.proc = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...argv], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BENCH_CHILD_CONFIG: JSON.stringify(opts.config), NODE_ENV: 'production' },
    });
    this.pid = this.proc.pid!;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code) => {
        this.exitCode = code;
        live.delete(this);
        for (const p of this.pending.values()) p.reject(new Error(`${this.name} exited (code ${code}) before replying`));
        this.pending.clear();
        resolve(code);
      });
    });
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        const msg = m as { type?: string };
        if (msg?.type === 'ready') {
          this.proc.off('message', onMessage);
          resolve(msg as Record<string, unknown>);
        }
      };
      this.proc.on('message', onMessage);
      void this.exited.then((code) => reject(new Error(`${this.name} exited (code ${code}) during start-up`)));
    });
    this.ready.catch(() => undefined);
    this.proc.on('message', (m: unknown) => {
      const r = m as Reply;
      if (typeof r?.id !== 'number') return;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.result);
      else p.reject(new Error(`${this.name}: ${r.error}`));
    });
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Exit code once it has exited (null: killed by a signal); undefined while it runs. */
  get exit(): number | null | undefined {
    return this.exitCode;
  }

  request<T = unknown>(cmd: string, args: object = {}, timeoutMs = 120_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: '${cmd}' timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, ...args });
    });
  }

  cpu(): number {
    return cpuSeconds(this.pid);
  }

  /** Asks the child to stop, then kills it if it has not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.alive) return;
    this.request('stop', {}, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.alive) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

const live = new Set<Child>();
const cleanups = new Set<() => Promise<void> | void>();

/** Registers something to undo at the end of the run, whatever the end. Returns the unregister. */
export function onCleanup(fn: () => Promise<void> | void): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills every child still running and runs the cleanups (redis-servers). */
export async function cleanupAll(): Promise<void> {
  for (const c of live) c.kill();
  await Promise.allSettled([...live].map((c) => c.exited));
  const fns = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(fns.map(async (fn) => fn()));
}
