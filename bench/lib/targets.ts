/**
 * Starting what a scenario measures: the server(s) of a target on the server core, redis-server
 * when the target needs it, and the load generator processes on the other core.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokens } from '../../server/auth.js';
import { startRedis, type RedisServer } from '../../test/support/redis-server.js';
import type { TargetKind } from '../publisher.js';
import type { ServerConfig } from '../server.js';
import { Child, childPids, cpuSeconds, onCleanup, pin, TASKSET } from './proc.js';
import type { Protocol } from './reader.js';

export const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const tokens = new Tokens(SECRET);

/** Cores: servers on one, everything else (load generators, redis-server, this process) on the other. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export interface Target {
  /** Short id used in the JSON. */
  id: string;
  label: string;
  kind: TargetKind;
  redis?: boolean;
  /** The SQLite store (one node), in a fresh data directory unless `startTarget` is given one. */
  sqlite?: boolean;
  nodes?: 1 | 2;
}

export const protocolOf = (t: Target): { protocol: Protocol; joinEvent: string } =>
  t.kind === 'ws' ? { protocol: 'ws', joinEvent: '' } : { protocol: 'sio', joinEvent: t.kind === 'sio' ? 'join' : 'thread:join' };

export interface Running {
  target: Target;
  servers: Child[];
  urls: string[];
  redis?: RedisServer;
  redisPid?: number;
  /** The SQLite target's data directory (the caller removes it). */
  dataDir?: string;
  stop(): Promise<void>;
}

export async function startManagedRedis(): Promise<{ redis: RedisServer; pid: number | undefined }> {
  const before = new Set(childPids('redis-server'));
  const redis = await startRedis();
  const pid = childPids('redis-server').find((p) => !before.has(p));
  const unregister = onCleanup(() => redis.stop());
  if (pid !== undefined) pin(pid, LOAD_CORE);
  const stop = redis.stop.bind(redis);
  redis.stop = async () => {
    unregister();
    await stop();
  };
  return { redis, pid };
}

export async function startTarget(target: Target, opts: { nodeArgs?: string[]; dataDir?: string } = {}): Promise<Running> {
  const r = target.redis ? await startManagedRedis() : undefined;
  const dataDir = target.sqlite ? (opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'lt-bench-data-'))) : undefined;
  const servers: Child[] = [];
  try {
    for (let i = 0; i < (target.nodes ?? 1); i++) {
      const config: ServerConfig = { kind: target.kind, secret: SECRET, redisUrl: r?.redis.url, dataDir };
      servers.push(
        new Child({
          name: `${target.id}-server${i}`,
          script: 'server.ts',
          cpu: SERVER_CORE,
          config,
          nodeArgs: ['--expose-gc', ...(opts.nodeArgs ?? [])],
        }),
      );
    }
    const ready = await Promise.all(servers.map((s) => s.ready));
    return {
      target,
      servers,
      urls: ready.map((m) => `http://127.0.0.1:${String(m.port)}`),
      redis: r?.redis,
      redisPid: r?.pid,
      dataDir,
      stop: async () => {
        await Promise.all(servers.map((s) => s.stop()));
        await r?.redis.stop();
      },
    };
  } catch (e) {
    for (const s of servers) s.kill();
    await r?.redis.stop();
    throw e;
  }
}

export function startLoadgens(count: number, prefix: string): Child[] {
  return Array.from(
    { length: count },
    (_, i) => new Child({ name: `${prefix}-loadgen${i}`, script: 'loadgen.ts', cpu: LOAD_CORE, config: { name: `loadgen${i}` } }),
  );
}

export function startPublisher(target: Target, url: string, articleId: string, token?: string): Child {
  return new Child({
    name: `${target.id}-publisher`,
    script: 'publisher.ts',
    cpu: LOAD_CORE,
    config: { kind: target.kind, url, articleId, token },
  });
}

/** CPU seconds of a set of processes, for before/after deltas. */
export function cpuOf(pids: (number | undefined)[]): number {
  let s = 0;
  for (const p of pids) if (p !== undefined) s += cpuSeconds(p) || 0;
  return s;
}

export const pinned = TASKSET;
