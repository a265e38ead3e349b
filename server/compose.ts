/**
 * Config → Redis connections → store → createApp: the one composition used by main.ts, the test
 * nodes and the benchmark server, so that they run the service exactly as it ships.
 */
import type { Logger } from 'pino';
import { createApp, type App, type AppDeps } from './app.js';
import type { Config } from './config.js';
import type { CommentStore } from './core/ports.js';
import { connectRedis, type RedisConnections } from './redis.js';
import { SocketNotifier } from './gateway/notifier.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import { MemoryWebhookStore, RedisWebhookStore } from './store/webhook-store.js';
import { Webhooks } from './notify/webhooks.js';
import { webhookRoutes } from './http/webhook-routes.js';

export interface Composed {
  app: App;
  store: CommentStore;
  /** Absent in embedded mode. */
  redis?: RedisConnections;
  /** Closes the app, then the Redis connections. */
  close(): Promise<void>;
}

export function composeApp(
  config: Config,
  logger: Logger,
  opts: { name?: string; onRedisError?: (role: string, err: Error) => void } & Pick<
    AppDeps,
    'clock' | 'heldWords' | 'defaultMetrics' | 'engineVersions'
  > = {},
): Composed {
  const { name, onRedisError, ...extra } = opts;
  const redis = config.REDIS_URL || config.REDIS_CLUSTER_NODES ? connectRedis(config, name) : undefined;
  if (redis) {
    for (const [role, c] of Object.entries({ store: redis.store, pub: redis.pub, sub: redis.sub })) {
      c.on('error', (err: Error) => onRedisError?.(role, err));
    }
  }
  const store = redis
    ? new RedisStore(redis.store, { logSize: config.EVENT_LOG_SIZE })
    : new MemoryStore({ logSize: config.EVENT_LOG_SIZE });
  const app = createApp({
    config,
    store,
    logger,
    // Everything that hears of committed events, in order: the sockets, then the services.
    subscribers: ({ io, metrics }) => [new SocketNotifier(io, metrics)],
    services: ({ metrics, logger: log }) => {
      // Every node runs it (each marks what it commits); the lease picks the one that delivers.
      const webhooks = new Webhooks({
        config,
        store,
        hooks: redis ? new RedisWebhookStore(redis.store) : new MemoryWebhookStore(),
        logger: log,
        metrics,
        ...(extra.clock ? { now: () => extra.clock!.now() } : {}),
      });
      return [
        {
          subscriber: webhooks,
          routes: webhookRoutes(webhooks, extra.clock ? () => extra.clock!.now() : undefined),
          start: () => webhooks.start(),
          close: () => webhooks.close(),
        },
      ];
    },
    pubsub: redis && { pub: redis.pub, sub: redis.sub },
    sharedRedis: redis?.store,
    ...extra,
  });
  return {
    app,
    store,
    redis,
    close: async () => {
      await app.close();
      await redis?.close();
    },
  };
}
