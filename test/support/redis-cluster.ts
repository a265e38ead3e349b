/**
 * A private 3-master Redis Cluster on loopback (redis-server --cluster-enabled yes, then
 * redis-cli --cluster create), for the cluster runs of the store contract and multi-node tests.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { sleep } from './ports.js';

const run = promisify(execFile);

export interface RedisCluster {
  ports: number[];
  /** `host:port,host:port,…` as REDIS_CLUSTER_NODES takes it. */
  nodesEnv: string;
  client(): Cluster;
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (taken.has(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lt-cluster-'));
  const taken = new Set<number>();
  const ports = [await clusterPort(taken), await clusterPort(taken), await clusterPort(taken)];
  const procs: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    ),
  );
  const clients: Cluster[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(
      procs.map((p) =>
        p.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => (p.once('exit', () => resolve()), p.kill('SIGKILL'))),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitForPing(port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    for (const port of ports) await waitForClusterOk(port);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ports,
    nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(','),
    client() {
      const c = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    stop,
  };
}

async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return;
    } catch {
      await sleep(25);
    } finally {
      r.disconnect();
    }
  }
  throw new Error(`redis-server on ${port} did not start`);
}

async function waitForClusterOk(port: number): Promise<void> {
  const r = new Redis({ port, host: '127.0.0.1' });
  r.on('error', () => undefined);
  try {
    for (let i = 0; i < 200; i++) {
      const info = (await r.cluster('INFO')) as string;
      if (info.includes('cluster_state:ok')) return;
      await sleep(50);
    }
    throw new Error(`cluster node ${port} never reached cluster_state:ok`);
  } finally {
    r.disconnect();
  }
}
