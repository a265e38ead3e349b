/**
 * Starts a private redis-server on a free port for one test file: real Redis, no shared state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, sleep } from './ports.js';

export interface RedisServer {
  port: number;
  url: string;
  /** A fresh ioredis client (closed by stop()). */
  client(): Redis;
  /** Stops the process (SIGKILL with `hard`) and keeps the data directory. */
  kill(hard?: boolean): Promise<void>;
  /** Starts it again on the same port with the same data directory. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(opts: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'lt-redis-'));
  const clients: Redis[] = [];
  let proc: ChildProcess | null = null;

  const start = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        opts.appendonly === false ? 'no' : 'yes',
        '--appendfsync',
        'always',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    for (let i = 0; i < 200; i++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await sleep(25);
      }
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };

  const kill = async (hard = false) => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill(hard ? 'SIGKILL' : 'SIGTERM');
    });
    proc = null;
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client() {
      const c = new Redis({ port, host: '127.0.0.1' });
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    kill,
    start,
    async stop() {
      for (const c of clients) c.disconnect();
      await kill(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
