/**
 * Composition root: config → Redis → store → createApp → listen; SIGTERM/SIGINT → graceful close.
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { HeldWords } from './core/moderation.js';
import { createApp } from './app.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import type { CommentStore } from './core/ports.js';
import { connectRedis, type RedisConnections } from './redis.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';

let config: Config;
try {
  config = parseConfig(process.env);
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`livethread: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

let heldWords: HeldWords | undefined;
if (config.HELD_WORDS_FILE) {
  try {
    heldWords = HeldWords.parse(readFileSync(config.HELD_WORDS_FILE, 'utf8'));
  } catch (e) {
    process.stderr.write(`livethread: invalid configuration:\n  HELD_WORDS_FILE: cannot read ${config.HELD_WORDS_FILE} (${(e as Error).message})\n`);
    process.exit(1);
  }
}

const logger = pino({ level: config.LOG_LEVEL, base: { pid: process.pid } });
let redis: RedisConnections | undefined;
let store: CommentStore;
if (config.REDIS_URL || config.REDIS_CLUSTER_NODES) {
  redis = connectRedis(config);
  redis.store.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis store connection error'));
  redis.pub.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis pub connection error'));
  redis.sub.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis sub connection error'));
  store = new RedisStore(redis.store, { logSize: config.EVENT_LOG_SIZE });
} else {
  logger.warn(
    'EMBEDDED MODE: no REDIS_URL, comments are kept in memory and NOTHING SURVIVES A RESTART. Set REDIS_URL for real use.',
  );
  if (config.authSecretGenerated) logger.warn('AUTH_SECRET is random for this process: tokens stop working after a restart');
  store = new MemoryStore({ logSize: config.EVENT_LOG_SIZE });
}

const app = createApp({
  config,
  store,
  logger,
  pubsub: redis ? { pub: redis.pub, sub: redis.sub } : undefined,
  sharedRedis: redis?.store,
  heldWords,
  defaultMetrics: true,
});
const port = await app.listen();
logger.info({ port, host: config.HOST, mode: redis ? 'redis' : 'embedded' }, `livethread listening on http://localhost:${port}/`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void app
    .close()
    .then(() => redis?.close())
    .then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
