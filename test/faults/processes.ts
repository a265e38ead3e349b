/**
 * Real processes for the fault suite: server nodes started the way production starts them
 * (`node --import tsx server/main.ts`, configured by the environment), a redis-server we can
 * kill, restart, freeze and thaw, and a TCP balancer in front of the nodes.
 *
 * Every process started here is remembered and SIGKILLed by `killAll()` and, as a last resort,
 * when the test process exits, so a failing test never leaves a node or a Redis behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Shared by every node of a deployment and by the tests that sign tokens. */
export const FAULT_SECRET = 'fault-suite-secret-0123456789-abcdefghijklmnop';

const children = new Set<ChildProcess>();
const foreignPids = new Set<number>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const pid of foreignPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * A SIGKILL from outside (vitest ending a worker on a timeout) runs no exit hook: a tiny shell
 * watchdog, outside our process group, kills `pid` once this process is gone (and ends by
 * itself when `pid` does).
 */
function guard(pid: number): void {
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -9 "$1" 2>/dev/null',
      String(process.pid),
      String(pid),
    ],
    { stdio: 'ignore', detached: true },
  );
  watchdog.unref();
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One server node as a child process. `start()` may be called again after it exited (same port,
 * same environment): that is a restart.
 */
export class NodeProcess {
  private child: ChildProcess | null = null;
  private exit: Promise<Exit> | null = null;
  private output: string[] = [];
  /** Exits seen so far, in order. */
  readonly exits: Exit[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote (warnings and errors: LOG_LEVEL=warn). */
  get log(): string {
    return this.output.join('');
  }

  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        AUTH_SECRET: FAULT_SECRET,
        POST_RATE: 'off',
        EDIT_RATE: 'off',
        SPAM_BURST: 'off',
        SPAM_SAME_TEXT: '0',
        GUEST_RATE: 'off',
        CONNECTIONS_PER_IP: '0',
        LOG_LEVEL: 'warn',
        // Without Redis, the in-memory store unless the test names a DATA_DIR: never ./data, shared
        // by every process the suite starts.
        ...(this.env.REDIS_URL || this.env.REDIS_CLUSTER_NODES || this.env.DATA_DIR ? {} : { STORE: 'memory' }),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    if (child.pid) guard(child.pid);
    this.child = child;
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exit = new Promise<Exit>((resolve) =>
      child.once('exit', (code, signal) => {
        children.delete(child);
        const e = { code, signal };
        this.exits.push(e);
        resolve(e);
      }),
    );
    await this.waitReady(timeoutMs);
  }

  /** Polls GET /readyz until it answers 200. */
  async waitReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited while starting: ${JSON.stringify(this.exits.at(-1))}\n${this.log}`);
      if ((await this.readyz()) === 200) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready within ${timeoutMs} ms\n${this.log}`);
      await sleep(100);
    }
  }

  /** GET /readyz status, or 0 when nothing answers. */
  async readyz(): Promise<number> {
    try {
      const r = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await r.body?.cancel();
      return r.status;
    } catch {
      return 0;
    }
  }

  /** Resolves when the current process exits. */
  exited(): Promise<Exit> {
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }

  /** `kill -9`: no goodbye to anyone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited();
  }

  /** SIGTERM without waiting: the caller observes the drain and awaits `exited()`. */
  terminate(): void {
    if (this.running) this.child!.kill('SIGTERM');
  }

  freeze(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  thaw(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  /** Resident set size from /proc, in bytes. */
  rssBytes(): number {
    if (!this.child?.pid) return 0;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  }

  /** GET /metrics, summed per metric name over its labels. */
  async metrics(): Promise<Map<string, number>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5000) });
        return parseMetrics(await r.text());
      } catch (e) {
        // A kept-alive connection the server closed at the same moment: ask again.
        if (!this.running) throw new Error(`${this.name} exited: ${JSON.stringify(this.exits.at(-1))}\n${this.log}`, { cause: e });
        if (attempt >= 3) throw e;
        await sleep(100);
      }
    }
  }
}

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[3]));
  }
  return out;
}

export async function startNodes(count: number, redisUrl: string, env: Record<string, string> = {}, prefix = 'n'): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = [];
  for (let i = 0; i < count; i++) nodes.push(new NodeProcess(`${prefix}${i}`, await freePort(), { REDIS_URL: redisUrl, ...env }));
  await Promise.all(nodes.map((n) => n.start()));
  return nodes;
}

/**
 * The private redis-server of test/support (AOF on, `appendfsync always`), plus the faults:
 * SIGKILL and restart on the same data directory, SIGSTOP and SIGCONT.
 */
export class RedisProcess {
  private pid_: number | null = null;

  private constructor(readonly server: RedisServer) {}

  static async start(opts: { appendonly?: boolean } = {}): Promise<RedisProcess> {
    const r = new RedisProcess(await startRedis({ appendonly: opts.appendonly ?? true }));
    await r.learnPid();
    return r;
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number | null {
    return this.pid_;
  }

  private async learnPid(): Promise<void> {
    const c = new Redis({ port: this.server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    c.on('error', () => undefined);
    try {
      const info = await c.info('server');
      this.pid_ = Number(/process_id:(\d+)/.exec(info)?.[1]);
      foreignPids.add(this.pid_);
      guard(this.pid_);
    } finally {
      c.disconnect();
    }
  }

  async kill9(): Promise<void> {
    if (this.pid_ !== null) foreignPids.delete(this.pid_);
    this.pid_ = null;
    await this.server.kill(true);
  }

  async restart(): Promise<void> {
    await this.server.start();
    await this.learnPid();
  }

  freeze(): void {
    if (this.pid_ !== null) process.kill(this.pid_, 'SIGSTOP');
  }

  thaw(): void {
    if (this.pid_ !== null) process.kill(this.pid_, 'SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.pid_ !== null) foreignPids.delete(this.pid_);
    await this.server.stop();
  }
}

/**
 * A TCP load balancer on loopback, as in front of a real deployment: each new connection goes to
 * a random node in rotation, or to the next one when that refuses. A node leaves the rotation
 * when the test takes it down (the way a health check would) and comes back when it is ready.
 * When a node's side of a connection closes, the client's side is closed too, so the client
 * reconnects — through the balancer, to a live node.
 */
export class Balancer {
  private server: net.Server | null = null;
  private port_ = 0;
  private readonly out = new Set<number>();
  private readonly pairs = new Set<net.Socket>();
  /** Connections opened per backend port. */
  readonly opened = new Map<number, number>();

  constructor(private readonly nodes: Pick<NodeProcess, 'port'>[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port_}`;
  }

  async listen(): Promise<void> {
    this.server = net.createServer((client) => this.route(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port_ = (this.server.address() as net.AddressInfo).port;
  }

  take(node: Pick<NodeProcess, 'port'>): void {
    this.out.add(node.port);
  }

  restore(node: Pick<NodeProcess, 'port'>): void {
    this.out.delete(node.port);
  }

  private route(client: net.Socket): void {
    client.pause();
    client.on('error', () => undefined);
    const candidates = this.nodes.filter((n) => !this.out.has(n.port)).map((n) => n.port);
    for (let i = candidates.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    const next = () => {
      const port = candidates.shift();
      if (port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = net.connect(port, '127.0.0.1');
      let connected = false;
      upstream.on('error', () => {
        if (connected) client.destroy();
        else next();
      });
      upstream.once('connect', () => {
        connected = true;
        this.opened.set(port, (this.opened.get(port) ?? 0) + 1);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        this.pairs.add(client);
        client.once('close', () => this.pairs.delete(client));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    next();
  }

  async close(): Promise<void> {
    for (const c of this.pairs) c.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** SIGKILLs every child process still running (afterAll / afterEach safety net). */
export function killAll(): void {
  for (const c of children) c.kill('SIGKILL');
}
