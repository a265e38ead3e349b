/**
 * ioredis connections: one for the store (and rate limits), and a pair for the Pub/Sub fan-out.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';

export interface RedisConnections {
  store: Redis | Cluster;
  pub: Redis | Cluster;
  sub: Redis | Cluster;
  close(): Promise<void>;
}

const common: RedisOptions = {
  // Fail a command instead of waiting forever when Redis hangs (SIGSTOP, network partition);
  // the caller acks `unavailable`.
  commandTimeout: 3000,
  maxRetriesPerRequest: 2,
  // Not auto-pipelining: it sends a batch only when the previous one is answered, and the command
  // timer starts at sending, so with Redis frozen a write took up to twice the timeout to fail.
  enableAutoPipelining: false,
  retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
};

export function connectRedis(config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>, name = 'livethread'): RedisConnections {
  const make = (role: string, extra: RedisOptions = {}, sharded = false): Redis | Cluster => {
    const opts: RedisOptions = { ...common, ...extra, connectionName: `${name}:${role}` };
    if (config.REDIS_CLUSTER_NODES) {
      return new Cluster(config.REDIS_CLUSTER_NODES, {
        redisOptions: opts,
        enableAutoPipelining: false,
        // SSUBSCRIBE goes to the master that owns each channel's slot (Redis 7 sharded Pub/Sub).
        ...(sharded ? { shardedSubscribers: true } : {}),
      });
    }
    return new Redis(config.REDIS_URL!, opts);
  };
  const store = make('store');
  const pub = make('pub');
  // A subscriber has no command timeout: it waits for messages indefinitely.
  const sub = make('sub', { commandTimeout: undefined }, true);
  return {
    store,
    pub,
    sub,
    close: async () => {
      await Promise.allSettled([store.quit(), pub.quit(), sub.quit()]);
    },
  };
}
