/**
 * The Socket.IO server: who may connect (origin, connections per address, token), one shared
 * dispatch table for client events, and the sweeps that keep each connection within its bounds
 * (slow readers, expired tokens, presence).
 */
import type { Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { MAX_PACKET_BYTES, type PayloadSchemas } from '../../shared/schemas.js';
import type { Tokens } from '../auth.js';
import type { Config } from '../config.js';
import type { CommentStore } from '../core/ports.js';
import type { Metrics } from '../metrics.js';
import { Admission, DEFAULT_ADMISSION, type AdmissionLimits } from './admission.js';
import { DEFAULT_BACKPRESSURE, watchBackpressure, type BackpressureLimits } from './backpressure.js';
import { addressKey, clientAddress, ConnectionCounter, type requestContexts, type Trust } from './connections.js';
import { engineTuning, type EnginePackage } from './engine-tuning.js';
import { createDispatch, type AppServer } from './handlers.js';
import type { InFlight } from './in-flight.js';
import { originAllowed, RefusedOrigins } from './origin.js';
import { MemoryPresenceTable, Presence, RedisPresenceTable } from './presence.js';
import type { Core } from '../operations.js';
import { ScoresPusher } from './scores.js';
import { expireSession, watchExpiry } from './session-expiry.js';
import { userRoom } from './rooms.js';
import type { StaffNames } from '../core/staff-names.js';

export interface SocketServerDeps {
  config: Config;
  schemas: PayloadSchemas;
  tokens: Tokens;
  store: Pick<CommentStore, 'heads' | 'scoresSince'>;
  staffNames: Pick<StaffNames, 'note'>;
  /** The request context of a socket's writes (address hash for bans; user agent for outside checks). */
  contexts: ReturnType<typeof requestContexts>;
  /** Keep signed-in sockets' user agents (an outside check such as Akismet wants them). */
  keepUserAgent?: boolean;
  /** Reads per client address on this node (shared with the HTTP reads); throws rate_limited. */
  readLimit: (address: string) => Promise<void>;
  logger: Logger;
  metrics: Metrics;
  trust: Trust;
  inFlight: InFlight;
  /** True once the node is shutting down: new connections are refused. */
  draining: () => boolean;
  sharedRedis?: Redis | Cluster;
  backpressure?: BackpressureLimits;
  admission?: AdmissionLimits;
  /** Replaces the installed socket.io, engine.io and ws versions for the engine tuning's guard (tests). */
  engineVersions?: Record<EnginePackage, string>;
}

export interface SocketServer {
  io: AppServer;
  connections: ConnectionCounter;
  /** Starts answering client events with `discussion` (which itself emits through `io`). */
  serve(core: Core): void;
  /** Readers on each article now, across nodes. */
  readersOf(articleIds: string[]): Promise<Record<string, number>>;
  /** Ends every session of a user on every node (erasure). */
  endSessions(userId: string): void;
  /** Stops the sweeps (the sockets themselves are closed by the caller). */
  stop(): void;
}

/** The default admission limits with the configured request rate per socket (`SOCKET_RATE`). */
function admissionFor(config: Config): AdmissionLimits {
  const rate = config.SOCKET_RATE;
  if (!rate) return { ...DEFAULT_ADMISSION, perSecond: Infinity, burst: Infinity };
  const perSecond = rate.points / rate.seconds;
  // A burst of three times the rate: a widget re-joining its threads after a reconnect fits in it.
  return { ...DEFAULT_ADMISSION, perSecond, burst: Math.max(rate.points, perSecond * 3) };
}

export function createSocketServer(httpServer: HttpServer, deps: SocketServerDeps): SocketServer {
  const { config, logger, metrics, trust } = deps;
  const connections = new ConnectionCounter(config.CONNECTIONS_PER_IP);
  const refusedOrigins = new RefusedOrigins();
  const keyOf = (req: Parameters<typeof clientAddress>[0]) => addressKey(clientAddress(req, trust));

  const io: AppServer = new Server(httpServer, {
    maxHttpBufferSize: MAX_PACKET_BYTES,
    // Runs for every new engine.io connection, before anything is allocated for it, on both
    // transports (the WebSocket upgrade included).
    allowRequest: (req, cb) => {
      if (deps.draining()) return cb('draining', false);
      if (!originAllowed(req, config.ALLOWED_ORIGINS, trust)) {
        const origin = String(req.headers.origin);
        if (refusedOrigins.firstTime(origin)) {
          logger.warn({ origin }, `refused connections from origin ${origin}: it is not in ALLOWED_ORIGINS (logged once per origin)`);
        }
        return cb('origin not allowed', false);
      }
      if (!connections.hasRoom(keyOf(req))) return cb('rate_limited', false);
      cb(null, true);
    },
    serveClient: false,
    // A connection that has not opened the namespace within 10 s is closed (default 45 s): it
    // holds one of its address's places meanwhile.
    connectTimeout: 10_000,
    cors: { origin: config.ALLOWED_ORIGINS.length ? [...config.ALLOWED_ORIGINS] : false },
  });
  const tuning = engineTuning({ enabled: config.ENGINE_TUNING, logger, versions: deps.engineVersions });
  tuning.attach(io);

  // Connections are counted from the engine.io handshake to the transport's close: a handshake
  // refused by a later check (a bad or expired token), one that never opens the namespace, and
  // one closed half-way all give their place back.
  const overLimit = new WeakSet<object>();
  io.engine.on(
    'connection',
    (conn: {
      request: Parameters<typeof clientAddress>[0];
      transport: { name: string };
      close(): void;
      once(e: 'close', f: () => void): void;
      once(e: 'upgrade', f: (to: { name: string }) => void): void;
    }) => {
      // By transport, for /metrics: how many readers are on long-polling, and how many upgrade.
      const from = conn.transport.name;
      let current = from;
      metrics.connectionsOpened.inc({ transport: from });
      metrics.connections.inc({ transport: from });
      conn.once('upgrade', (to) => {
        metrics.transportUpgrades.inc({ from, to: to.name });
        metrics.connections.dec({ transport: current });
        current = to.name;
        metrics.connections.inc({ transport: current });
      });
      conn.once('close', () => metrics.connections.dec({ transport: current }));
      const key = keyOf(conn.request);
      const place = connections.open(key);
      if (place === 'full') {
        conn.close();
        return;
      }
      if (place === 'over') overLimit.add(conn);
      conn.once('close', () => connections.close(key));
    },
  );

  // A client may open the namespace again on the same transport (CONNECT, DISCONNECT, CONNECT).
  // Ours never do, and the request was released after the first connect (releaseHandshake):
  // refuse it rather than run the middlewares without it.
  io.use((socket, next) => (socket.request ? next() : next(new Error('invalid_input'))));
  io.use((socket, next) => {
    if (!overLimit.has(socket.conn)) return next();
    next(new Error('rate_limited'));
    // The refusal is queued on the transport; engine.io flushes it before it closes.
    setImmediate(() => socket.conn.close());
  });
  io.use((socket, next) => {
    socket.data.address = keyOf(socket.request);
    const token: unknown = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (token === undefined || token === null || token === '') {
      socket.data.viewer = null;
      next();
      return;
    }
    if (typeof token !== 'string') return next(new Error('unauthorized'));
    deps.tokens.verify(token).then(
      (user) => {
        if (!user) return next(new Error('unauthorized'));
        socket.data.viewer = user;
        if (deps.keepUserAgent) socket.data.userAgent = String(socket.request.headers['user-agent'] ?? '').slice(0, 512);
        if (user.role === 'moderator') deps.staffNames.note(user.name);
        next();
        // The store could not say whether the user was erased: try again later, the token is not bad.
      },
      () => next(new Error('unavailable')),
    );
  });

  const presence = new Presence(
    io,
    deps.sharedRedis ? new RedisPresenceTable(deps.sharedRedis) : new MemoryPresenceTable(),
    randomUUID(),
    logger,
    (ids) => deps.store.heads(ids),
  );
  const scores = new ScoresPusher(io, deps.store, logger);
  const serve = (core: Core) => {
    const dispatch = createDispatch({
      discussion: core.discussion,
      core,
      context: (s) => (s.data.viewer ? deps.contexts(s.data.address, s.data.userAgent ?? null, null) : null),
      schemas: deps.schemas,
      logger,
      presence,
      scores,
      inFlight: deps.inFlight,
      metrics,
      admission: new Admission(deps.admission ?? admissionFor(config)),
      readLimit: deps.readLimit,
      expire: expireSession,
    });
    io.on('connection', (socket) => {
      tuning.connected(socket);
      if (socket.data.viewer) void socket.join(userRoom(socket.data.viewer.id));
      socket.onAny(dispatch);
    });
    presence.start();
    scores.start();
  };
  const stopBackpressure = watchBackpressure(io, logger, deps.backpressure ?? DEFAULT_BACKPRESSURE, () => metrics.slowReadersDropped.inc());
  const stopExpiry = watchExpiry(io);

  return {
    io,
    connections,
    serve,
    readersOf: (ids) => presence.readers(ids),
    endSessions: (userId) => {
      // On every node: told why, then closed; a reconnect with the old token is refused.
      io.in(userRoom(userId)).emit('session:expired', { reason: 'erased' });
      io.in(userRoom(userId)).disconnectSockets(true);
    },
    stop: () => {
      presence.stop();
      scores.stop();
      stopBackpressure();
      stopExpiry();
    },
  };
}
