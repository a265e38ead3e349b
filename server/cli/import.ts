/**
 * npm run import -- --format <disqus|wordpress|remark42|commento|livethread> [--dry-run]
 *   [--article-id identifier|path|url] [--map FILE.csv] [--include-spam] [--orphans promote|skip]
 *   [--url http://127.0.0.1:3000] FILE
 *
 * Reads the same environment as `npm start`. With REDIS_URL or REDIS_CLUSTER_NODES it writes into
 * Redis itself, whether or not the service runs. Otherwise one process owns the store (a SQLite
 * file, or memory), so the command hands the file to the running service (`POST /api/admin/import`,
 * server/http/admin.ts) and prints its report; with SQLite and no service running, it opens the
 * file itself (taking DATA_DIR's lock, so a service started meanwhile waits its turn). `--dry-run` reads and checks the whole file and
 * prints what would be written, writing nothing (no store needed).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Tokens } from '../auth.js';
import { ConfigError, parseConfig, type Config } from '../config.js';
import { isImportError } from '../import/import-error.js';
import { ARTICLE_ID_STRATEGIES, IMPORT_FORMATS, type ArticleIdStrategy, type ImportFormat } from '../import/records.js';
import { runImport, type ImportReport, type ImportRequest } from '../import/run-import.js';
import { connectRedis } from '../redis.js';
import { RedisStore } from '../store/redis-store.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { loadOrCreateSecret } from '../secret-file.js';
import { cliSecret } from './secret.js';

const usage =
  'usage: npm run import -- --format <' +
  IMPORT_FORMATS.join('|') +
  '> [--dry-run] [--article-id identifier|path|url] [--map FILE.csv] [--include-spam] [--orphans promote|skip] [--url URL] FILE';

class UsageError extends Error {}
/** No service answered the hand-off. */
class ServiceDown extends Error {}

function request(): { file: string; req: ImportRequest; url: string | undefined } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'article-id': { type: 'string' },
      map: { type: 'string' },
      'include-spam': { type: 'boolean', default: false },
      orphans: { type: 'string' },
      url: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('name one file to import');
  const format = values.format as ImportFormat | undefined;
  if (!format || !IMPORT_FORMATS.includes(format)) throw new UsageError(`--format is one of ${IMPORT_FORMATS.join(', ')}`);
  const articleId = values['article-id'] as ArticleIdStrategy | undefined;
  if (articleId && !ARTICLE_ID_STRATEGIES.includes(articleId))
    throw new UsageError(`--article-id is one of ${ARTICLE_ID_STRATEGIES.join(', ')}`);
  if (values.orphans && values.orphans !== 'promote' && values.orphans !== 'skip') throw new UsageError('--orphans is promote or skip');
  return {
    file: resolve(positionals[0]!),
    url: values.url,
    req: {
      format,
      dryRun: values['dry-run'],
      ...(articleId ? { articleId } : {}),
      ...(values.map ? { map: resolve(values.map) } : {}),
      ...(values['include-spam'] ? { includeSpam: true } : {}),
      ...(values.orphans ? { orphans: values.orphans as 'promote' | 'skip' } : {}),
    },
  };
}

/** On a terminal, one line redrawn in place; otherwise (a log, CI) a plain line each time. */
const tty = process.stderr.isTTY;
let drawn = false;
const progress = (line: ImportReport): void => {
  if (line.type !== 'progress') return;
  const text =
    line.phase === 'reading'
      ? `reading: ${(line.bytes / 1024 / 1024).toFixed(1)} MB, ${line.comments} comments`
      : `writing: ${line.articles} articles, ${line.written} comments written, ${line.existing} already there`;
  process.stderr.write(tty ? `\r\x1b[K${text}` : `${text}\n`);
  drawn = tty;
};
/** Ends a redrawn progress line before the summary. */
const endProgress = (): void => {
  if (drawn) process.stderr.write('\n');
  drawn = false;
};

/** Writes into the store itself: Redis, the SQLite file (no service running), or nothing for a dry run. */
async function importHere(config: Config, file: string, req: ImportRequest, sqlite = false): Promise<void> {
  const redis = req.dryRun || sqlite ? null : connectRedis(config, 'livethread-import');
  const file$ = sqlite ? new SqliteStore({ dir: config.DATA_DIR, logSize: config.EVENT_LOG_SIZE }) : null;
  try {
    const store = redis ? new RedisStore(redis.store, { logSize: config.EVENT_LOG_SIZE }) : file$;
    await runImport(
      file,
      req,
      {
        store,
        clock: { now: () => new Date() },
        newEpoch: () => randomUUID().slice(0, 8),
        commentMaxLength: config.COMMENT_MAX_LENGTH,
        // The service's own secret (kept in DATA_DIR in SQLite mode): the same author ids as a hand-off.
        authorKey: sqlite && config.authSecretGenerated ? loadOrCreateSecret(config.DATA_DIR).secret : config.AUTH_SECRET,
      },
      (line) => {
        if (line.type !== 'done') return progress(line);
        endProgress();
        process.stdout.write(`${line.summary}\n`);
      },
    );
  } finally {
    await redis?.close();
    await file$?.close();
  }
}

/** Hands the file to the running service, which owns the store, and prints its report. */
async function handOff(config: Config, file: string, req: ImportRequest, url: string): Promise<void> {
  let secret: string;
  try {
    secret = cliSecret();
  } catch (e) {
    // SQLite with no kept secret yet: no service has ever run on this DATA_DIR.
    if (config.STORE === 'sqlite' && !process.env.AUTH_SECRET) throw new ServiceDown((e as Error).message, { cause: e });
    throw e;
  }
  const token = await new Tokens(secret).signAdmin('import');
  const query = new URLSearchParams({ format: req.format });
  if (req.dryRun) query.set('dryRun', '1');
  if (req.articleId) query.set('articleId', req.articleId);
  if (typeof req.map === 'string') query.set('map', req.map);
  if (req.includeSpam) query.set('includeSpam', '1');
  if (req.orphans) query.set('orphans', req.orphans);
  const size = (await stat(file)).size;
  let res: Response;
  try {
    res = await fetch(new URL(`/api/admin/import?${query}`, url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
  } catch (e) {
    throw new ServiceDown(
      `the service at ${url} does not answer (${(e as Error).cause ?? (e as Error).message}).\n` +
        'Without REDIS_URL one process owns the comments: start it (npm start) and run the import again, or pass --url.',
      { cause: e },
    );
  }
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(`the service refused the import (${res.status}): ${body?.error?.message ?? res.statusText}`);
  }
  let buffered = '';
  let done = false;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl)) as ImportReport;
      buffered = buffered.slice(nl + 1);
      if (line.type === 'done') {
        endProgress();
        process.stdout.write(`${line.summary}\n`);
        done = true;
      } else if (line.type === 'error') throw new Error(line.message);
      else progress(line);
    }
  }
  if (!done) throw new Error('the service stopped before the import finished; run it again (what was written is kept, and skipped)');
}

try {
  const { file, req, url } = request();
  const config = parseConfig(process.env);
  const redisMode = Boolean(config.REDIS_URL || config.REDIS_CLUSTER_NODES);
  if (redisMode || req.dryRun) await importHere(config, file, req);
  else {
    try {
      await handOff(config, file, req, url ?? `http://127.0.0.1:${config.PORT}`);
    } catch (e) {
      // SQLite and nothing listening: the file is free to open here (its lock says if it is not).
      if (!(e instanceof ServiceDown) || url || config.STORE !== 'sqlite') throw e;
      process.stderr.write(`no service answers on port ${config.PORT}: importing into ${config.DATA_DIR} directly\n`);
      await importHere(config, file, req, true);
    }
  }
} catch (e) {
  const message = e instanceof ConfigError || isImportError(e) || e instanceof UsageError || e instanceof Error ? e.message : String(e);
  process.stderr.write(`import: ${message}\n`);
  if (e instanceof UsageError) process.stderr.write(`${usage}\n`);
  process.exitCode = 1;
}
