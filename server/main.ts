/**
 * Composition root: config → Redis → store → createApp → listen; SIGTERM/SIGINT → graceful close.
 */
import { readFileSync } from 'node:fs';
import { HeldWords } from './core/moderation.js';
import { composeApp } from './compose.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { createLogger } from './logger.js';

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
    process.stderr.write(
      `livethread: invalid configuration:\n  HELD_WORDS_FILE: cannot read ${config.HELD_WORDS_FILE} (${(e as Error).message})\n`,
    );
    process.exit(1);
  }
}

const logger = createLogger(config.LOG_LEVEL);
const redisMode = Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES);
if (!redisMode) {
  logger.warn('EMBEDDED MODE: no REDIS_URL, comments are kept in memory and NOTHING SURVIVES A RESTART. Set REDIS_URL for real use.');
  if (config.authSecretGenerated) logger.warn('AUTH_SECRET is random for this process: tokens stop working after a restart');
}
const service = composeApp(config, logger, {
  heldWords,
  defaultMetrics: true,
  onRedisError: (role, err) => logger.warn({ err: err.message }, `redis ${role} connection error`),
});
const { app } = service;
const port = await app.listen();
logger.info({ port, host: config.HOST, mode: redisMode ? 'redis' : 'embedded' }, `livethread listening on http://localhost:${port}/`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void service.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
