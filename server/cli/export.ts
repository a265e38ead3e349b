/**
 * npm run export -- FILE [--format livethread|wxr] [--site-url https://example.org] [--url URL]
 *
 * The whole site into FILE (gzipped when it ends in .gz): livethread's own JSON lines (what
 * `npm run import -- --format livethread` reads back) or WordPress WXR. Reads the same environment
 * as `npm start`: from Redis itself with REDIS_URL or REDIS_CLUSTER_NODES; otherwise from the
 * running service, which owns the store (`GET /api/admin/export`), or from the SQLite file when no
 * service runs.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { Tokens } from '../auth.js';
import { parseConfig } from '../config.js';
import { exportLivethread, exportWxr, type ExportStore } from '../import/exporter.js';
import { connectRedis } from '../redis.js';
import { RedisStore } from '../store/redis-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { readSecretFile } from '../secret-file.js';
import { cliSecret } from './secret.js';

const usage = 'usage: npm run export -- FILE[.gz] [--format livethread|wxr] [--site-url URL] [--url SERVICE_URL]';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: { format: { type: 'string', default: 'livethread' }, 'site-url': { type: 'string' }, url: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error(`name one file to write\n${usage}`);
  const format = values.format;
  if (format !== 'livethread' && format !== 'wxr') throw new Error(`--format is livethread or wxr\n${usage}`);
  const file = positionals[0]!;
  const config = parseConfig(process.env);
  // Written beside the target and renamed at the end: an interrupted export leaves no half file.
  const partial = `${file}.partial`;
  const out = (): Writable[] => (file.endsWith('.gz') ? [createGzip(), createWriteStream(partial)] : [createWriteStream(partial)]);
  try {
    const lines = (store: ExportStore) =>
      Readable.from(
        format === 'wxr' ? exportWxr(store, new Date(), values['site-url']) : exportLivethread(store, new Date(), values['site-url']),
      );
    if (config.REDIS_URL || config.REDIS_CLUSTER_NODES) {
      const redis = connectRedis(config, 'livethread-export');
      try {
        await pipeline([lines(new RedisStore(redis.store, { logSize: config.EVENT_LOG_SIZE })), ...out()]);
      } finally {
        await redis.close();
      }
    } else {
      const url = values.url ?? `http://127.0.0.1:${config.PORT}`;
      const query = new URLSearchParams({ format, ...(values['site-url'] ? { siteUrl: values['site-url'] } : {}) });
      // SQLite with no kept secret yet: no service has ever run on this DATA_DIR, nothing to ask.
      const secret = config.STORE === 'sqlite' && !process.env.AUTH_SECRET && !readSecretFile(config.DATA_DIR) ? null : cliSecret();
      const res = secret
        ? await fetch(new URL(`/api/admin/export?${query}`, url), {
            headers: { authorization: `Bearer ${await new Tokens(secret).signAdmin('export')}` },
          }).catch((e: Error) => e)
        : new Error('no service has run on this DATA_DIR');
      if (res instanceof Error) {
        // SQLite and nothing listening: read the file here (its lock says if another process has it).
        if (values.url || config.STORE !== 'sqlite') {
          throw new Error(
            `the service at ${url} does not answer (${String(res.cause ?? res.message)}).\n` +
              'Without REDIS_URL one process owns the comments: start it (npm start) and run the export again, or pass --url.',
            { cause: res },
          );
        }
        const store = new SqliteStore({ dir: config.DATA_DIR, logSize: config.EVENT_LOG_SIZE });
        try {
          await pipeline([lines(store), ...out()]);
        } finally {
          await store.close();
        }
      } else {
        if (!res.ok || !res.body) throw new Error(`the service refused the export (${res.status})`);
        await pipeline([Readable.fromWeb(res.body as WebReadableStream), ...out()]);
      }
    }
    await rename(partial, file);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
  process.stderr.write(`exported to ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`export: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
