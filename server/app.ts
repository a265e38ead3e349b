/**
 * createApp(deps): the whole service on one HTTP server, without listening.
 * Used by main.ts, the tests and the benchmarks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, ServerResponse, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import cors from 'cors';
import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { MAX_PACKET_BYTES, payloadSchemas } from '../shared/schemas.js';
import { Tokens } from './auth.js';
import type { Config } from './config.js';
import { Discussion } from './core/discussion.js';
import type { Clock, CommentStore, Ids } from './core/ports.js';
import { createDispatch, type AppServer, type AppSocket } from './gateway/handlers.js';
import { SocketNotifier } from './gateway/notifier.js';
import { originAllowed } from './gateway/origin.js';
import { InFlight } from './gateway/in-flight.js';
import { DEFAULT_BACKPRESSURE, watchBackpressure, type BackpressureLimits } from './gateway/backpressure.js';
import { enableFastBroadcast } from './gateway/fast-write.js';
import { Metrics } from './metrics.js';
import { MemoryPresenceTable, Presence, RedisPresenceTable } from './gateway/presence.js';
import { articleOfRoom } from './gateway/rooms.js';
import { apiRouter } from './http/routes.js';
import { assetsRouter } from './http/assets.js';
import { originCheck } from './http/origin-check.js';
import type { HeldWords } from './core/moderation.js';
import { clientAddress, ConnectionCounter } from './gateway/connections.js';
import { createLimiter, REPORT_RATE } from './limits.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppDeps {
  config: Config;
  store: CommentStore;
  logger: Logger;
  /** Redis Pub/Sub connections for the fan-out; absent in embedded mode. */
  pubsub?: { pub: Redis | Cluster; sub: Redis | Cluster };
  /** Redis for state shared by the nodes outside the store (rate limits, presence); absent: this process only. */
  sharedRedis?: Redis | Cluster;
  /** Words and phrases that hold a comment for review. */
  heldWords?: HeldWords;
  /** Process-wide metrics (CPU, memory, event loop): once per process, so main.ts only. */
  defaultMetrics?: boolean;
  backpressure?: BackpressureLimits;
  clock?: Clock;
  ids?: Ids;
}

export interface App {
  httpServer: HttpServer;
  io: AppServer;
  discussion: Discussion;
  tokens: Tokens;
  /** Listens and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Stops taking connections, closes every socket and the HTTP server. Connections passed in stay open. */
  close(): Promise<void>;
}

const systemClock: Clock = { now: () => new Date() };
const randomIds: Ids = { commentId: () => randomUUID(), epoch: () => randomUUID().slice(0, 8) };

export function createApp(deps: AppDeps): App {
  const { config, store, logger } = deps;
  const schemas = payloadSchemas(config.COMMENT_MAX_LENGTH);
  const tokens = new Tokens(config.AUTH_SECRET);
  const web = express();
  const httpServer = createServer(web);
  const io: AppServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    allowRequest: (req, cb) => cb(null, !draining && originAllowed(req, config.ALLOWED_ORIGINS, config.TRUST_PROXY)),
    serveClient: false,
    cors: { origin: config.ALLOWED_ORIGINS.length ? config.ALLOWED_ORIGINS : false },
  });
  // Registered after the CORS middleware (engine.io adds it first), so nothing runs after it.
  io.engine.use(releaseUpgradeRequest);

  const metrics = new Metrics(
    {
      sockets: () => io.of('/').sockets.size,
      rooms: () => [...io.of('/').adapter.rooms.keys()].filter((r) => articleOfRoom(r) !== null).length,
    },
    deps.defaultMetrics ?? false,
  );
  if (deps.pubsub) {
    const { sub } = deps.pubsub;
    const pub = guardPublish(deps.pubsub.pub, (err) => {
      metrics.publishErrors.inc();
      logger.warn({ err: err.message }, 'fan-out publish failed; readers on other nodes will catch up from the log');
    });
    // On a Cluster, sharded Pub/Sub with a channel per room: a node only receives the rooms it serves.
    io.adapter(pub instanceof Cluster ? createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }) : createAdapter(pub, sub));
  }
  for (const [name, client] of Object.entries({ ...deps.pubsub, shared: deps.sharedRedis })) {
    client?.on('reconnecting', () => metrics.redisReconnects.inc({ connection: name }));
  }
  const limiter = createLimiter({ post: config.POST_RATE, guest: config.GUEST_RATE, report: REPORT_RATE }, deps.sharedRedis, (bucket) =>
    metrics.rateLimited.inc({ bucket }),
  );
  const discussion = new Discussion({
    store,
    notifier: new SocketNotifier(io, metrics),
    clock: deps.clock ?? systemClock,
    ids: deps.ids ?? randomIds,
    limiter,
    hash: (text) => createHash('sha256').update(text).digest('base64url').slice(0, 22),
    config: {
      editWindowMs: config.EDIT_WINDOW_SECONDS * 1000,
      premoderation: config.PREMODERATION,
      heldWords: deps.heldWords,
      // The same body twice from one user within 10 minutes is refused (off with POST_RATE=off).
      duplicateBodySeconds: config.POST_RATE ? 600 : 0,
    },
  });
  const connections = new ConnectionCounter(config.CONNECTIONS_PER_IP);

  // A client may open the namespace again on the same transport (CONNECT, DISCONNECT, CONNECT).
  // Ours never do, and the request was released after the first connect (releaseHandshake):
  // refuse it rather than run the middlewares without it.
  io.use((socket, next) => (socket.request ? next() : next(new Error('invalid_input'))));
  if (config.CONNECTIONS_PER_IP > 0) {
    io.use((socket, next) => {
      const address = clientAddress(socket.request, config.TRUST_PROXY);
      if (!connections.open(address)) return next(new Error('rate_limited'));
      socket.once('disconnect', () => connections.close(address));
      next();
    });
  }
  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (token === undefined || token === null || token === '') {
      socket.data.viewer = null;
      next();
      return;
    }
    if (typeof token !== 'string') return next(new Error('unauthorized'));
    tokens.verify(token).then((user) => {
      if (!user) return next(new Error('unauthorized'));
      socket.data.viewer = user;
      next();
    }, next);
  });
  const presence = new Presence(
    io,
    deps.sharedRedis ? new RedisPresenceTable(deps.sharedRedis) : new MemoryPresenceTable(),
    randomUUID(),
    logger,
    (ids) => store.heads(ids),
  );
  presence.start();
  const inFlight = new InFlight();
  let draining = false;
  const dispatch = createDispatch({ discussion, schemas, logger, presence, inFlight, metrics });
  io.on('connection', (socket) => {
    enableFastBroadcast(socket.client);
    releaseHandshake(socket);
    socket.onAny(dispatch);
  });
  const stopBackpressure = watchBackpressure(io, logger, deps.backpressure ?? DEFAULT_BACKPRESSURE, () => metrics.slowReadersDropped.inc());

  const ready = async (): Promise<boolean> => {
    if (draining) return false;
    if (deps.pubsub && (deps.pubsub.pub.status !== 'ready' || deps.pubsub.sub.status !== 'ready')) return false;
    try {
      await Promise.race([store.ping(), new Promise((_, reject) => setTimeout(reject, 1000).unref())]);
      return true;
    } catch {
      return false;
    }
  };

  if (deps.pubsub) watchSubscriber(deps.pubsub.sub, io, logger);

  web.disable('x-powered-by');
  web.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Successful requests at debug: the API is chatty; failures stand out at warn and error.
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
    }),
  );
  if (config.TRUST_PROXY) web.set('trust proxy', true);
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
    void ready().then((ok) => res.status(ok ? 200 : 503).json({ ok }));
  });
  web.get('/metrics', (_req, res) => {
    void metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text));
  });
  web.get('/api/origin-check', originCheck(config.ALLOWED_ORIGINS, config.TRUST_PROXY));
  // Host pages listed in ALLOWED_ORIGINS call the API from the browser (guest sign-in, counts).
  web.use(
    '/api',
    cors({
      origin: config.ALLOWED_ORIGINS.length ? config.ALLOWED_ORIGINS : false,
      allowedHeaders: ['content-type', 'authorization'],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      maxAge: 600,
    }),
  );
  web.use(
    '/api',
    apiRouter({
      discussion,
      schemas,
      tokens,
      logger,
      allowGuests: config.ALLOW_GUESTS,
      guestLimit: (req) => limiter.consume('guest', clientAddress(req, config.TRUST_PROXY)),
      onUnexpectedError: () => metrics.storeErrors.inc(),
    }),
  );
  web.use(assetsRouter({ dist: path.join(ROOT, 'dist'), serveSourceMaps: config.SERVE_SOURCE_MAPS, logger }));

  let closing: Promise<void> | null = null;
  return {
    httpServer,
    io,
    discussion,
    tokens,
    listen: (port = config.PORT, host = config.HOST) =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      }),
    close: () => {
      closing ??= (async () => {
        // Stop taking connections, let the writes being handled finish (their acks go out),
        // then drop each transport so that clients reconnect (to another node) and catch up.
        draining = true;
        presence.stop();
        stopBackpressure();
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        // Writes sent just before the signal may still be arriving: wait for a short quiet spell
        // with nothing in flight (at most 5 s in all) before dropping the transports.
        const deadline = Date.now() + 5000;
        do {
          await inFlight.idle(Math.max(0, deadline - Date.now()));
          await new Promise((resolve) => setTimeout(resolve, 100));
        } while (inFlight.size > 0 && Date.now() < deadline);
        for (const socket of io.of('/').sockets.values()) socket.conn.close();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        httpServer.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/**
 * Memory per idle connection: once the middlewares have run, nothing needs the upgrade request
 * (an IncomingMessage with its headers, query and stream state) any more, yet engine.io keeps it
 * reachable from every connection: as `conn.request`, through the handshake's copies, and from
 * the stand-in response it builds for an upgrade (a `close` listener on the TCP socket holds that
 * response, and the response holds the request). Dropping all three saves over a kilobyte per
 * reader, more with a browser's headers.
 */
function releaseUpgradeRequest(_req: unknown, res: unknown, next: (err?: Error) => void): void {
  // The WebSocket upgrade's stand-in response; a polling request's is a real ServerResponse.
  if (!(res instanceof ServerResponse)) {
    const stand = res as { req?: unknown; socket?: NetSocket };
    stand.req = undefined;
    // Its constructor has just added `socket.once('close', () => this.emit('close'))`, which keeps
    // the response itself alive for the life of the connection; nothing listens to that event.
    const tcp = stand.socket;
    const last = tcp?.listeners('close').at(-1);
    if (tcp && typeof last === 'function' && String(last).includes('emit("close")')) tcp.removeListener('close', last as () => void);
  }
  next();
}

/** What is left of a handshake once the connection is up: nothing reads it after the middlewares. */
const RELEASED_HANDSHAKE = Object.freeze({
  headers: Object.freeze({}),
  time: '',
  address: '',
  xdomain: false,
  secure: false,
  issued: 0,
  url: '',
  query: Object.freeze({}),
  auth: Object.freeze({}),
});

function releaseHandshake(socket: AppSocket): void {
  const conn = socket.conn as unknown as { request: unknown };
  conn.request = null;
  (socket as unknown as { handshake: unknown }).handshake = RELEASED_HANDSHAKE;
}

/**
 * The adapter publishes without handling a rejected PUBLISH (Redis gone between a write and its
 * fan-out), and an unhandled rejection ends the process. Every publish gets a handler here; the
 * event itself is in the log, so readers catch up.
 */
function guardPublish<C extends Redis | Cluster>(client: C, onError: (err: Error) => void): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if ((prop === 'publish' || prop === 'spublish') && typeof value === 'function') {
        return (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) result.catch(onError);
          return result;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Redis Pub/Sub is at-most-once: while the subscriber was away, events were lost for this node.
 * Once it is back and subscribed again, tell every local reader to catch up from its `head`.
 */
function watchSubscriber(sub: Redis | Cluster, io: AppServer, logger: Logger): void {
  const resync = () => {
    for (const room of io.of('/').adapter.rooms.keys()) {
      const articleId = articleOfRoom(room);
      if (articleId !== null) io.local.to(room).emit('thread:resync', { articleId });
    }
  };
  if (sub instanceof Cluster) {
    // Sharded subscribers: ioredis replaces a lost shard subscriber and subscribes its channels
    // again after refreshing the slots; resync once that has had time to happen.
    let pending: ReturnType<typeof setTimeout> | null = null;
    sub.on('-node', () => {
      logger.warn('redis shard subscriber lost; asking local readers to resync');
      pending ??= setTimeout(() => {
        pending = null;
        resync();
      }, 1500);
    });
    return;
  }
  let connectedBefore = sub.status === 'ready';
  sub.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    logger.warn('redis subscriber reconnected; asking local readers to resync');
    // ioredis re-sends SUBSCRIBE on 'ready'; a PING answered after it means the subscriptions are live.
    sub.ping().catch(() => undefined).then(resync);
  });
}
