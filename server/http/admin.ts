/**
 * `/api/admin`: what the site's own command-line tools ask of the running service, with a
 * short-lived admin token signed with AUTH_SECRET (Tokens.signAdmin), never a user's token.
 *
 * `POST /api/admin/import?format=…[&dryRun=1&articleId=…&map=…&includeSpam=1&orphans=…]`: the body
 * is the export file (as is, gzipped or not). Where one process owns the store (a SQLite file, or
 * memory), `npm run import` hands the file to the service here instead of opening the store
 * itself. The body is spooled to a temporary file (at most IMPORT_MAX_BYTES), then imported while
 * the answer streams the report as JSON lines (run-import.ts `ImportReport`), the last one `done`
 * or `error`. One import at a time per process: another gets 409.
 *
 * `GET /api/admin/export?format=livethread|wxr`: the whole site (exporter.ts), for `npm run export`.
 */
import { constants, createWriteStream } from 'node:fs';
import { mkdtemp, open, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Tokens } from '../auth.js';
import { ArticleIdMap } from '../import/article-ids.js';
import { exportLivethread, exportWxr, type ExportStore } from '../import/exporter.js';
import { isImportError } from '../import/import-error.js';
import { ARTICLE_ID_STRATEGIES, IMPORT_FORMATS } from '../import/records.js';
import { runImport, type ImportReport, type RunImportDeps } from '../import/run-import.js';

export interface AdminDeps {
  tokens: Tokens;
  logger: Logger;
  /** What `GET /api/admin/export` reads. */
  exportStore: ExportStore;
  importer: Omit<RunImportDeps, 'tmpDir' | 'store'> & { store: NonNullable<RunImportDeps['store']> };
  /** Largest import body accepted, in bytes (and largest `map` file). */
  maxImportBytes: number;
  /** The directories a `map` may be in (the service's working directory and DATA_DIR): it reads no other file. */
  mapRoots: readonly string[];
  /** After an import wrote into these articles: tell their open pages to reload (all nodes). */
  onImported?: (articleIds: string[]) => void;
}

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const ImportQuery = z.strictObject({
  format: z.enum(IMPORT_FORMATS),
  dryRun: flag.optional(),
  articleId: z.enum(ARTICLE_ID_STRATEGIES).optional(),
  map: z.string().min(1).max(4096).optional(),
  includeSpam: flag.optional(),
  orphans: z.enum(['promote', 'skip']).optional(),
});

export function adminRouter(deps: AdminDeps): express.Router {
  const r = express.Router();
  let running = false;

  const fail = (res: Response, status: number, code: string, message: string) => void res.status(status).json({ error: { code, message } });

  r.post('/import', (req: Request, res: Response) => {
    void (async () => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !(await deps.tokens.verifyAdmin(m[1]!, 'import'))) {
        return fail(res, 401, 'unauthorized', 'an import needs an admin token from `npm run import` (signed with AUTH_SECRET)');
      }
      const query = ImportQuery.safeParse(req.query);
      if (!query.success) return fail(res, 400, 'invalid_input', `the import request is not valid: ${query.error.issues[0]?.message}`);
      let map: ArticleIdMap | undefined;
      if (query.data.map !== undefined) {
        const loaded = await readMap(query.data.map, deps.mapRoots, deps.maxImportBytes);
        if (typeof loaded === 'string') return fail(res, 400, 'invalid_input', loaded);
        map = loaded;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > deps.maxImportBytes)
        return fail(res, 413, 'invalid_input', `the file is larger than IMPORT_MAX_BYTES (${deps.maxImportBytes})`);
      if (running) return fail(res, 409, 'conflict', 'an import is already running on this service; wait for it to finish');
      running = true;
      let dir: string;
      try {
        dir = await mkdtemp(join(tmpdir(), 'livethread-import-'));
      } catch (e) {
        // A full or unwritable disk: the next import may try again.
        running = false;
        throw e;
      }
      try {
        const file = join(dir, 'upload');
        let received = 0;
        const counted = async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length;
            if (received > deps.maxImportBytes) throw new TooLarge();
            yield chunk;
          }
        };
        try {
          await pipeline(req, counted, createWriteStream(file));
        } catch (e) {
          if (e instanceof TooLarge)
            return fail(res, 413, 'invalid_input', `the file is larger than IMPORT_MAX_BYTES (${deps.maxImportBytes})`);
          throw e;
        }
        res.status(200).type('application/x-ndjson');
        res.setHeader('cache-control', 'no-store');
        const send = (line: ImportReport) => void res.write(JSON.stringify(line) + '\n');
        const changed: string[] = [];
        const store = deps.importer.store;
        const tracking: RunImportDeps = {
          ...deps.importer,
          tmpDir: dir,
          store: {
            importComments: (articleId, records, epoch) => store.importComments(articleId, records, epoch),
            setClosed: (input) => store.setClosed(input),
            isClosed: (articleId) => store.isClosed(articleId),
            heads: (articleIds) => store.heads(articleIds),
            ban: (ban) => store.ban(ban),
            appendAudit: (entry) => store.appendAudit(entry),
            auditLog: (limit) => store.auditLog(limit),
            rewriteHistory: async (articleId, epoch) => {
              await store.rewriteHistory(articleId, epoch);
              changed.push(articleId);
              if (changed.length >= 100) deps.onImported?.(changed.splice(0));
            },
          },
        };
        try {
          const { format, dryRun = false, map: _path, ...rest } = query.data;
          await runImport(file, { format, dryRun, ...rest, ...(map ? { map } : {}) }, tracking, send);
          deps.logger.info({ format, dryRun, bytes: received }, 'import done');
        } catch (e) {
          // A malformed file says where; anything else is logged, and the report says it failed.
          const message = isImportError(e) ? e.message.replaceAll(file, 'the uploaded file') : 'the import failed (see the service log)';
          if (!isImportError(e)) deps.logger.error({ err: e }, 'import failed');
          send({ type: 'error', message });
        } finally {
          if (changed.length) deps.onImported?.(changed.splice(0));
        }
        res.end();
      } finally {
        running = false;
        await rm(dir, { recursive: true, force: true });
      }
    })().catch((e: unknown) => {
      deps.logger.error({ err: e }, 'import request failed');
      if (!res.headersSent) fail(res, 500, 'unavailable', 'the import could not run');
      else res.destroy();
    });
  });
  r.get('/export', exportRoute({ tokens: deps.tokens, logger: deps.logger, store: deps.exportStore }));
  return r;
}

class TooLarge extends Error {}

const MAP_REFUSED = "the map must be a CSV file under the service's working directory or DATA_DIR";

/**
 * The `map` file, read here before the import: a regular file whose real path is under one of
 * `roots`, at most `maxBytes`. Whoever holds an import token learns nothing of other paths (every
 * refusal reads the same, exists or not) and cannot make the service read a device or a FIFO.
 * A string is the refusal.
 */
async function readMap(path: string, roots: readonly string[], maxBytes: number): Promise<ArticleIdMap | string> {
  if (!isAbsolute(path)) return MAP_REFUSED;
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return MAP_REFUSED;
  }
  const under = async (root: string) => {
    try {
      const rel = relative(await realpath(root), real);
      return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
    } catch {
      return false;
    }
  };
  if (!(await Promise.all(roots.map(under))).some(Boolean)) return MAP_REFUSED;
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below, not a file).
  const fh = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!fh) return MAP_REFUSED;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return MAP_REFUSED;
    if (st.size > maxBytes) return `the map is larger than IMPORT_MAX_BYTES (${maxBytes})`;
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    try {
      return ArticleIdMap.parse(buf.subarray(0, bytesRead).toString('utf8'));
    } catch (e) {
      if (isImportError(e)) return `the map, ${e.message}`;
      throw e;
    }
  } finally {
    await fh.close();
  }
}

const ExportQuery = z.strictObject({ format: z.enum(['livethread', 'wxr']).default('livethread'), siteUrl: z.url().max(2048).optional() });

/** `GET /api/admin/export?format=livethread|wxr[&siteUrl=…]`: the whole site, streamed (exporter.ts). */
export function exportRoute(deps: Pick<AdminDeps, 'tokens' | 'logger'> & { store: ExportStore }) {
  return (req: Request, res: Response): void => {
    void (async () => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !(await deps.tokens.verifyAdmin(m[1]!, 'export'))) {
        return void res
          .status(401)
          .json({ error: { code: 'unauthorized', message: 'an export needs an admin token from `npm run export`' } });
      }
      const query = ExportQuery.safeParse(req.query);
      if (!query.success)
        return void res.status(400).json({ error: { code: 'invalid_input', message: 'the export request is not valid' } });
      const { format, siteUrl } = query.data;
      res.status(200).type(format === 'wxr' ? 'application/rss+xml' : 'application/x-ndjson');
      res.setHeader('cache-control', 'no-store');
      const lines = format === 'wxr' ? exportWxr(deps.store, new Date(), siteUrl) : exportLivethread(deps.store, new Date(), siteUrl);
      await pipeline(Readable.from(lines), res);
    })().catch((e: unknown) => {
      deps.logger.error({ err: e }, 'export failed');
      if (!res.headersSent) res.status(500).json({ error: { code: 'unavailable', message: 'the export could not run' } });
      else res.destroy();
    });
  };
}
