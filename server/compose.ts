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
import { SqliteStore } from './store/sqlite-store.js';
import { SqliteWebhookStore } from './store/sqlite-webhook-store.js';
import { SqliteMailStore } from './store/sqlite-mail-store.js';
import { loadOrCreateSecret, secretPath } from './secret-file.js';
import { MemoryWebhookStore, RedisWebhookStore } from './store/webhook-store.js';
import { Webhooks } from './notify/webhooks.js';
import { webhookRoutes } from './http/webhook-routes.js';
import { mailRoutes } from './http/mail-routes.js';
import { ChangeFeed } from './notify/change-feed.js';
import { Mail, mailPersonalData } from './notify/mail.js';
import { MemoryMailStore, RedisMailStore } from './store/mail-store.js';

export interface Composed {
  app: App;
  store: CommentStore;
  /** Absent in embedded mode. */
  redis?: RedisConnections;
  /** The config the app runs with (in SQLite mode, AUTH_SECRET may come from DATA_DIR). */
  config: Config;
  /** Which store, and where, for the start-up log. */
  storeInfo: { store: Config['STORE']; where: string | null; secretFile: string | null };
  /** Closes the app, then the store and the Redis connections. */
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
  // SQLite mode keeps a generated AUTH_SECRET in DATA_DIR, so that guests stay signed in.
  let secretFile: string | null = null;
  if (config.STORE === 'sqlite' && config.authSecretGenerated) {
    config = { ...config, AUTH_SECRET: loadOrCreateSecret(config.DATA_DIR).secret };
    secretFile = secretPath(config.DATA_DIR);
  }
  // Opened first: a DATA_DIR held by another process stops the start here (DataDirInUseError).
  const sqlite = config.STORE === 'sqlite' ? new SqliteStore({ dir: config.DATA_DIR, logSize: config.EVENT_LOG_SIZE }) : undefined;
  const redis = config.REDIS_URL || config.REDIS_CLUSTER_NODES ? connectRedis(config, name) : undefined;
  if (redis) {
    for (const [role, c] of Object.entries({ store: redis.store, pub: redis.pub, sub: redis.sub })) {
      c.on('error', (err: Error) => onRedisError?.(role, err));
    }
  }
  const store: CommentStore = redis
    ? new RedisStore(redis.store, { logSize: config.EVENT_LOG_SIZE })
    : (sqlite ?? new MemoryStore({ logSize: config.EVENT_LOG_SIZE }));
  let mail: Mail | null = null;
  const app = createApp({
    config,
    store,
    logger,
    // Everything that hears of committed events, in order: the sockets, then the services.
    subscribers: ({ io, metrics }) => [new SocketNotifier(io, metrics)],
    services: ({ io, metrics, logger: log }) => {
      // Every node runs them (each marks what it commits in the change feed); a lease in the store
      // picks the one node that delivers webhooks, and the one that sends e-mail.
      const hooks = redis ? new RedisWebhookStore(redis.store) : sqlite ? new SqliteWebhookStore(sqlite) : new MemoryWebhookStore();
      const webhooks = new Webhooks({
        config,
        store,
        hooks,
        logger: log,
        metrics,
        ...(extra.clock ? { now: () => extra.clock!.now() } : {}),
      });
      const mailStore = redis ? new RedisMailStore(redis.store) : sqlite ? new SqliteMailStore(sqlite) : new MemoryMailStore();
      mail = new Mail({
        config,
        store,
        hooks,
        mail: mailStore,
        logger: log,
        metrics,
        io,
      });
      const consumers = [...(webhooks.endpoints.length ? [webhooks] : []), ...(mail.enabled ? [mail] : [])];
      const m = mail;
      return [
        { subscriber: new ChangeFeed(hooks, log, consumers), close: async () => undefined },
        {
          subscriber: webhooks,
          routes: webhookRoutes(webhooks, extra.clock ? () => extra.clock!.now() : undefined),
          start: () => webhooks.start(),
          close: () => webhooks.close(),
        },
        {
          routes: mailRoutes(m),
          personalData: { ...mailPersonalData(mailStore), erase: (userId) => m.erase(userId) },
          start: () => m.start(),
          close: () => m.close(),
        },
      ];
    },
    verifiedEmail: (user, email) => mail?.verifiedEmail(user, email),
    pubsub: redis && { pub: redis.pub, sub: redis.sub },
    sharedRedis: redis?.store,
    ...extra,
  });
  return {
    app,
    store,
    redis,
    config,
    storeInfo: { store: config.STORE, where: sqlite?.file ?? null, secretFile },
    close: async () => {
      await app.close();
      await store.close();
      await redis?.close();
    },
  };
}
