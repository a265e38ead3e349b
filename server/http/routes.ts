/**
 * The REST API (PROTOCOL.md §3). Same core calls and errors as the socket handlers.
 */
import { once } from 'node:events';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ErrorBody, ErrorCode, PayloadSchemas } from '../../shared/schemas.js';
import { ArticleId, CommentId, Cursor, Epoch, Sort } from '../../shared/schemas.js';
import { LOCALES } from '../../shared/locales.js';
import type { Tokens } from '../auth.js';
import type { Discussion } from '../core/discussion.js';
import { DomainError } from '../core/errors.js';
import type { RequestContext, Viewer } from '../core/ports.js';
import { errorBody, zodIssues } from '../gateway/errors.js';
import { redactUrl } from '../logger.js';
import { operations, type Core } from '../operations.js';
import type { ReadGate } from './read-gate.js';
import { requestLang, threadHtml } from './thread-html.js';

export const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  banned: 403,
  not_found: 404,
  thread_closed: 409,
  edit_window_closed: 409,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

export interface ApiDeps {
  discussion: Discussion;
  core: Core;
  /** Where a request comes from (bans by address, spam checks). */
  contexts: (req: Request) => RequestContext;
  schemas: PayloadSchemas;
  tokens: Tokens;
  logger: Logger;
  allowGuests: boolean;
  /** Takes one guest sign-in from the request's address; throws rate_limited. */
  guestLimit: (req: Request) => Promise<void>;
  /** Admits one anonymous read (thread, events, replies) from the request's address; throws rate_limited. */
  readGate: ReadGate;
  /** True when a guest may not take this (cleaned) name: a staff role or name, or a look-alike. */
  reservedName: (name: string) => boolean | Promise<boolean>;
  /** Told of each failure that is not a refusal (store or Redis trouble). */
  onUnexpectedError?: () => void;
  /** Routes of the app's services (webhooks, e-mail), added after the core's. */
  extraRoutes?: ((router: express.Router) => void)[];
}

declare module 'express-serve-static-core' {
  interface Request {
    viewer?: Viewer;
  }
}

const ArticleParams = z.object({ articleId: ArticleId });
const EventsQuery = z.object({ since: z.coerce.number().int().nonnegative(), epoch: Epoch });
const ThreadQuery = z.object({ cursor: Cursor.optional(), sort: Sort.optional() });
const ThreadHtmlQuery = z.object({ lang: z.string().max(35).optional(), theme: z.enum(['light', 'dark', 'auto']).optional() });
const AroundParams = z.object({ articleId: ArticleId, commentId: CommentId });

const CountsQuery = z.object({
  articleIds: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(ArticleId).min(1).max(100)),
});

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new DomainError('invalid_input', 'the request is not valid', { issues: zodIssues(r.error) });
  return r.data;
}

type Route = (req: Request, res: Response) => Promise<void>;
/** Express 5 forwards rejections itself; `passThrough` makes a middleware that calls next(). */
export const wrap =
  (fn: Route, passThrough = false) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).then(() => passThrough && next(), next);
  };

export function apiRouter(deps: ApiDeps): express.Router {
  const { discussion, schemas, tokens } = deps;
  const r = express.Router();
  r.use(express.json({ limit: '64kb', strict: true }));

  // Authorization: Bearer <token>. A present but bad token is refused, not ignored.
  r.use(
    wrap(async (req) => {
      req.viewer = null;
      const header = req.headers.authorization;
      if (!header) return;
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const user = m ? await tokens.verify(m[1]!) : null;
      if (!user) throw new DomainError('unauthorized', 'the token is not valid');
      req.viewer = user;
    }, true),
  );

  // Reads anyone may make: bounded per address, in rate and at once.
  const gate = wrap((req, res) => deps.readGate.enter(req, res), true);
  r.get('/articles/:articleId/thread', gate);
  r.get('/articles/:articleId/thread.html', gate);
  r.get('/articles/:articleId/events', gate);
  r.get('/articles/:articleId/comments/:rootId/replies', gate);
  r.get('/articles/:articleId/comments/:commentId', gate);
  r.get(
    '/articles/:articleId/thread',
    wrap(async (req, res) => {
      const { articleId } = parse(ArticleParams, req.params);
      const { cursor, sort } = parse(ThreadQuery, req.query);
      if (cursor) {
        res.json({ articleId, ...(await discussion.page(req.viewer ?? null, { articleId, cursor, ...(sort ? { sort } : {}) })) });
      } else {
        res.json(await discussion.snapshot(req.viewer ?? null, articleId, sort));
      }
    }),
  );
  // The first page as HTML for a host to include server-side (thread-html.ts).
  r.get(
    '/articles/:articleId/thread.html',
    wrap(async (req, res) => {
      const { articleId } = parse(ArticleParams, req.params);
      const q = parse(ThreadHtmlQuery, req.query);
      const snapshot = await discussion.snapshot(null, articleId, 'newest');
      const lang = requestLang(q.lang, req.headers['accept-language']);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      // Readers see new comments live through the widget; the included page may lag a little.
      res.setHeader('cache-control', 'public, max-age=30, stale-while-revalidate=300');
      res.setHeader('vary', 'Accept-Language');
      res.send(threadHtml(snapshot, { lang, ...(q.theme ? { theme: q.theme } : {}) }));
    }),
  );
  // A permalink: the page that holds a comment and its thread.
  r.get(
    '/articles/:articleId/comments/:commentId',
    wrap(async (req, res) => {
      const { articleId, commentId } = parse(AroundParams, req.params);
      const { sort } = parse(ThreadQuery, req.query);
      res.json(await discussion.around(req.viewer ?? null, articleId, commentId, sort ?? 'newest'));
    }),
  );
  r.get(
    '/articles/:articleId/events',
    wrap(async (req, res) => {
      const { articleId } = parse(ArticleParams, req.params);
      const q = parse(EventsQuery, req.query);
      res.json(await discussion.events(req.viewer ?? null, articleId, q.since, q.epoch));
    }),
  );
  // Everything stored about the signed-in user, as one JSON document, streamed (GDPR articles 15 and 20).
  r.get(
    '/me/export',
    wrap(async (req, res) => {
      const data = await deps.core.people.exportMine(req.viewer ?? null);
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('content-disposition', 'attachment; filename="livethread-my-data.json"');
      res.setHeader('cache-control', 'no-store');
      // Waits for the client to take what was written; gives up when it goes away.
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      const write = async (text: string) => {
        if (!res.write(text)) await once(res, 'drain', { signal: gone.signal });
      };
      try {
        await write(JSON.stringify(data.header).slice(0, -1));
        for (const section of data.sections) {
          await write(`,${JSON.stringify(section.name)}:[`);
          let first = true;
          for await (const record of section.records) {
            await write((first ? '' : ',') + JSON.stringify(record));
            first = false;
          }
          await write(']');
        }
        res.end('}');
      } catch (err) {
        // Half a document is worse than none: the client sees the transfer fail.
        if (!res.destroyed) deps.logger.error({ err }, 'personal data export failed midway');
        res.destroy();
      }
    }),
  );
  // The operations of the shared table (operations.ts) that have an HTTP route.
  for (const [name, op] of operations()) {
    const route = op.http;
    if (!route) continue;
    r[route.method](
      route.path,
      wrap(async (req, res) => {
        const extra = route.from === 'body' ? (isObject(req.body) ? req.body : {}) : route.from === 'query' ? req.query : {};
        const payload = parse(schemas[name], { ...extra, ...req.params });
        const result = await op.run(deps.core, req.viewer ?? null, payload as never, deps.contexts(req));
        res.status(route.status ?? 200).json({ ...(route.method === 'get' ? req.params : {}), ...result });
      }),
    );
  }
  // The widget's strings in a language other than English (the bundle carries English only).
  r.get('/strings/:lang', (req, res) => {
    const lang = String(req.params.lang);
    if (!Object.prototype.hasOwnProperty.call(LOCALES, lang)) throw new DomainError('not_found', 'no strings for this language');
    res.setHeader('cache-control', 'public, max-age=3600');
    res.json(LOCALES[lang]);
  });
  r.get(
    '/counts',
    wrap(async (req, res) => {
      const { articleIds } = parse(CountsQuery, req.query);
      res.json({ counts: await discussion.counts(articleIds) });
    }),
  );
  r.post(
    '/session/guest',
    wrap(async (req, res) => {
      if (!deps.allowGuests) throw new DomainError('forbidden', 'guest sign-in is turned off');
      const { name } = parse(schemas.guestSession, req.body ?? {});
      // Before the limit, like any invalid input: a refused name starts no session.
      if (await deps.reservedName(name)) throw new DomainError('invalid_input', 'this name is reserved');
      await deps.guestLimit(req);
      res.status(201).json(await tokens.guest(name));
    }),
  );
  r.get(
    '/moderation/log',
    wrap(async (req, res) => {
      res.json({ entries: await discussion.auditLog(req.viewer ?? null) });
    }),
  );
  r.get(
    '/moderation/queue',
    wrap(async (req, res) => {
      res.json({ queue: await discussion.queue(req.viewer ?? null) });
    }),
  );
  for (const add of deps.extraRoutes ?? []) add(r);
  r.use((_req: Request, _res: Response, next: NextFunction) => next(new DomainError('not_found', 'no such route')));
  r.use(errorHandler(deps.logger, deps.onUnexpectedError));
  return r;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Sends `{ error }` with the status of its code. Express's own 4xx errors (a body that is not JSON
 * or too large, a URL that does not decode) become `invalid_input` saying which.
 */
export function errorHandler(logger: Logger, onUnexpected: () => void = () => undefined) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let body: ErrorBody;
    const { status, type } = (err ?? {}) as { status?: number; type?: string };
    if (status && status >= 400 && status < 500 && !(err instanceof DomainError)) {
      body = { code: 'invalid_input', message: expressRefusal(status, type) };
    } else {
      if (!(err instanceof DomainError)) onUnexpected();
      body = errorBody(err, logger, { method: req.method, url: redactUrl(req.originalUrl), req: req.id });
    }
    if (body.code === 'rate_limited' && body.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(body.retryAfterMs / 1000))));
    }
    res.status(STATUS[body.code]).json({ error: body });
  };
}

function expressRefusal(status: number, type: string | undefined): string {
  if (status === 413) return 'the request body is too large';
  if (type === 'entity.parse.failed') return 'the request body is not valid JSON';
  if (type?.startsWith('entity.') || type?.startsWith('charset.') || type?.startsWith('encoding.'))
    return 'the request body cannot be read';
  return 'bad request: the URL or its parameters are not valid';
}
