/**
 * Composition root: config → store (SQLite, memory or Redis) → createApp → listen; SIGTERM/SIGINT → graceful close.
 */
import { readFileSync } from 'node:fs';
import { HeldWords } from './core/moderation.js';
import { composeApp, type Composed } from './compose.js';
import { ConfigError, parseConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { DataDirInUseError } from './store/sqlite-store.js';

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
let service: Composed;
try {
  service = composeApp(config, logger, {
    heldWords,
    defaultMetrics: true,
    onRedisError: (role, err) => logger.warn({ err: err.message }, `redis ${role} connection error`),
  });
} catch (e) {
  if (e instanceof DataDirInUseError) {
    process.stderr.write(`livethread: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
const { app, storeInfo } = service;
if (storeInfo.store === 'memory') {
  logger.warn(
    'EMBEDDED MODE (STORE=memory): comments are kept in memory and NOTHING SURVIVES A RESTART. Unset STORE to keep them in DATA_DIR.',
  );
  if (config.authSecretGenerated) logger.warn('AUTH_SECRET is random for this process: tokens stop working after a restart');
} else if (storeInfo.store === 'sqlite') {
  logger.info({ store: 'sqlite', file: storeInfo.where }, `comments are kept in ${storeInfo.where} (SQLite, one process per DATA_DIR)`);
  if (storeInfo.secretFile) logger.info({ file: storeInfo.secretFile }, `AUTH_SECRET is kept in ${storeInfo.secretFile}`);
} else {
  logger.info({ store: 'redis' }, 'comments are kept in Redis');
}
const port = await app.listen();
logger.info({ port, host: config.HOST, store: storeInfo.store }, `livethread listening on http://localhost:${port}/`);

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
