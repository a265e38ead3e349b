/**
 * The Express app: request logging, security headers, health and metrics, the REST API and the
 * pages and bundles.
 */
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import { redactUrl, requestSerializer } from '../logger.js';
import type { Trust } from '../gateway/connections.js';
import { assetsRouter } from './assets.js';
import { originCheck } from './origin-check.js';
import { DIST } from '../paths.js';
import { apiRouter, type ApiDeps } from './routes.js';

export interface WebAppDeps {
  config: Config;
  trust: Trust;
  logger: Logger;
  metrics: Metrics;
  api: Omit<ApiDeps, 'logger'>;
  /** `/api/admin` (admin.ts): the command-line tools' routes. */
  admin?: express.Router;
  /** Whether this node should get traffic (store and fan-out connected, not draining). */
  ready: () => Promise<boolean>;
}

export function createWebApp(deps: WebAppDeps): express.Express {
  const { config, logger, metrics, trust } = deps;
  const web = express();
  web.disable('x-powered-by');
  // The same rule as the Socket.IO side (connections.ts): believe only the configured proxies.
  web.set('trust proxy', config.TRUST_PROXY === false ? false : config.TRUST_PROXY);
  web.use(
    pinoHttp({
      logger,
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: { req: requestSerializer, res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }) },
      // Successful requests at debug: the API is chatty; failures stand out at warn and error.
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
    }),
  );
  // A path that does not decode is a bad request wherever it points (static files would call it 404).
  web.use((req, res, next) => {
    try {
      decodeURIComponent(req.path);
      next();
    } catch {
      const message = 'bad request: the URL is not valid';
      if (req.path.startsWith('/api/')) res.status(400).json({ error: { code: 'invalid_input', message } });
      else res.status(400).type('text/plain').send(message);
    }
  });
  web.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Plain-http deployments exist (behind a TLS-terminating balancer, or on a LAN).
          'upgrade-insecure-requests': null,
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'connect-src': ["'self'", 'ws:', 'wss:'],
        },
      },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  web.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  web.get('/readyz', (_req, res) => {
    void deps.ready().then((ok) => res.status(ok ? 200 : 503).json({ ok }));
  });
  web.get('/metrics', (_req, res) => {
    void metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text));
  });
  // Not for browsers: no CORS, and admin tokens only (admin.ts).
  if (deps.admin) web.use('/api/admin', deps.admin);
  // Before the API's CORS: any page may ask whether its origin is allowed (the widget says so).
  web.get('/api/origin-check', originCheck(config.ALLOWED_ORIGINS, trust));
  // Host pages listed in ALLOWED_ORIGINS call the API from the browser (guest sign-in, counts).
  web.use(
    '/api',
    cors({
      origin: config.ALLOWED_ORIGINS.length ? [...config.ALLOWED_ORIGINS] : false,
      allowedHeaders: ['content-type', 'authorization'],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      maxAge: 600,
    }),
  );
  web.use('/api', apiRouter({ ...deps.api, logger }));
  web.use(assetsRouter({ dist: DIST, serveSourceMaps: config.SERVE_SOURCE_MAPS, logger }));
  web.use((_req, res) => {
    res.status(404).type('text/plain').send('not found');
  });
  web.use(finalErrors(logger));
  return web;
}

/**
 * What reaches the end outside the API (a malformed URL for a page or a bundle, say): a short
 * answer with its status, never an HTML page with a stack trace.
 */
function finalErrors(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = (err as { status?: number } | null)?.status;
    if (status && status >= 400 && status < 500) {
      res
        .status(status)
        .type('text/plain')
        .send(status === 404 ? 'not found' : 'bad request');
      return;
    }
    logger.error({ err, method: req.method, url: redactUrl(req.originalUrl) }, 'request failed');
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error');
  };
}
