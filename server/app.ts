/**
 * createApp(deps): the whole service on one HTTP server, without listening. A composition of
 * named parts: the core (Discussion), the socket server, the Redis fan-out, the web app, and the
 * lifecycle (listen, drain, close). Used by main.ts, the tests and the benchmarks.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { payloadSchemas } from '../shared/schemas.js';
import { Tokens } from './auth.js';
import type { Config } from './config.js';
import { Discussion } from './core/discussion.js';
import type { HeldWords } from './core/moderation.js';
import { fanOut } from './core/fan-out.js';
import type { Clock, CommentStore, CommitSubscriber, Ids, User } from './core/ports.js';
import { isReservedName } from './core/reserved-names.js';
import { ModeratorDesk } from './core/moderator-desk.js';
import { People, type PersonalDataSource } from './core/people.js';
import { StaffNames } from './core/staff-names.js';
import { externalChecks } from './moderation/external-checks.js';
import type { AdmissionLimits } from './gateway/admission.js';
import type { BackpressureLimits } from './gateway/backpressure.js';
import { addressKey, clientAddress, requestContexts, trustFor } from './gateway/connections.js';
import type { EnginePackage } from './gateway/engine-tuning.js';
import { attachFanout, type PubSub } from './gateway/fanout.js';
import type { AppServer } from './gateway/handlers.js';
import { InFlight } from './gateway/in-flight.js';
import { articleOfRoom, articleRoom } from './gateway/rooms.js';
import { createSocketServer } from './gateway/socket-server.js';
import { createReadGate } from './http/read-gate.js';
import { adminRouter } from './http/admin.js';
import { createWebApp } from './http/web-app.js';
import { createLimiter, EXPORT_RATE, REPORT_RATE } from './limits.js';
import { Metrics } from './metrics.js';

export interface AppDeps {
  config: Config;
  store: CommentStore;
  logger: Logger;
  /** Redis Pub/Sub connections for the fan-out; absent in embedded mode. */
  pubsub?: PubSub;
  /** Redis for state shared by the nodes outside the store (rate limits, presence); absent: this process only. */
  sharedRedis?: Redis | Cluster;
  /** Words and phrases that hold a comment for review. */
  heldWords?: HeldWords;
  /** Process-wide metrics (CPU, memory, event loop): once per process, so main.ts only. */
  defaultMetrics?: boolean;
  backpressure?: BackpressureLimits;
  admission?: AdmissionLimits;
  /** Replaces the installed socket.io, engine.io and ws versions for the engine tuning's guard (tests). */
  engineVersions?: Record<EnginePackage, string>;
  /** Who hears of committed events, in order (compose.ts wires them: the socket fan-out first). */
  subscribers: (parts: AppParts) => CommitSubscriber[];
  /** Told of each valid token carrying a verified e-mail address (the e-mail service remembers it). */
  verifiedEmail?: (user: User, email: string) => void;
  /** Services started with the app and closed with it (webhooks, e-mail); their subscribers come after `subscribers`. */
  services?: (parts: AppParts) => AppService[];
  /** Other places that keep personal data (subscriptions): part of a user's export and erasure. */
  personalData?: PersonalDataSource[];
  clock?: Clock;
  ids?: Ids;
}

/** The parts a subscriber may need, built by createApp. */
export interface AppParts {
  io: AppServer;
  metrics: Metrics;
  logger: Logger;
}

/** A part that lives as long as the app: hears of committed events, may serve API routes. */
export interface AppService {
  subscriber?: CommitSubscriber;
  /** Adds routes under /api (after authentication: `req.viewer` is set). */
  routes?: (router: Router) => void;
  start?(): void;
  /** What it keeps about a person: part of their export and erasure. */
  personalData?: PersonalDataSource;
  /** Stops its work; the store is still open. */
  close(): Promise<void>;
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
  // A token issued before its user was erased signs no one in.
  const tokens = new Tokens(config.AUTH_SECRET, { erasedAt: (userId) => store.erasedAt(userId), verifiedEmail: deps.verifiedEmail });
  const trust = trustFor(config.TRUST_PROXY);
  const inFlight = new InFlight();
  let draining = false;
  let io: AppServer | null = null;

  const metrics = new Metrics(
    {
      sockets: () => io?.of('/').sockets.size ?? 0,
      rooms: () => (io ? [...io.of('/').adapter.rooms.keys()].filter((r) => articleOfRoom(r) !== null).length : 0),
    },
    deps.defaultMetrics ?? false,
  );
  for (const [name, client] of Object.entries({ ...deps.pubsub, shared: deps.sharedRedis })) {
    client?.on('reconnecting', () => metrics.redisReconnects.inc({ connection: name }));
  }
  const onRefused = (bucket: string) => metrics.rateLimited.inc({ bucket });
  const limiter = createLimiter(
    {
      post: config.POST_RATE,
      edit: config.EDIT_RATE,
      vote: config.VOTE_RATE,
      guest: config.GUEST_RATE,
      report: REPORT_RATE,
      burst: config.SPAM_BURST,
      export: EXPORT_RATE,
    },
    deps.sharedRedis,
    onRefused,
  );
  // Reads are answered by this node from its own store connection: limited per node.
  const reads = createLimiter({ read: config.READ_RATE }, undefined, onRefused);
  const readLimit = (address: string) => reads.consume('read', address);
  const staffNames = new StaffNames(store, config.STAFF_NAMES);
  const contexts = requestContexts(config.AUTH_SECRET);
  const checks = externalChecks(config, logger);

  // Socket.IO takes its own paths and passes every other request to the listener given here, which
  // is the web app once it is built (below: it needs the core, which needs the socket server).
  let web: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const httpServer = createServer((req, res) => web?.(req, res));
  const sockets = createSocketServer(httpServer, {
    config,
    schemas,
    tokens,
    store,
    staffNames,
    logger,
    metrics,
    trust,
    inFlight,
    draining: () => draining,
    readLimit,
    contexts,
    keepUserAgent: checks.length > 0,
    sharedRedis: deps.sharedRedis,
    backpressure: deps.backpressure,
    admission: deps.admission,
    engineVersions: deps.engineVersions,
  });
  io = sockets.io;
  const services = deps.services?.({ io, metrics, logger }) ?? [];
  const subscribers = [...deps.subscribers({ io, metrics, logger }), ...services.flatMap((s) => (s.subscriber ? [s.subscriber] : []))];
  const notifier = fanOut(subscribers, (subscriber, err) => {
    metrics.subscriberErrors.inc({ subscriber });
    logger.error({ err, subscriber }, 'a subscriber to committed events failed');
  });
  const clock = deps.clock ?? systemClock;
  const ids = deps.ids ?? randomIds;
  const discussion = new Discussion({
    store,
    notifier,
    clock,
    ids,
    limiter,
    hash: (text) => createHash('sha256').update(text).digest('base64url').slice(0, 22),
    checks,
    config: {
      editWindowMs: config.EDIT_WINDOW_SECONDS * 1000,
      premoderation: config.PREMODERATION,
      heldWords: deps.heldWords,
      // The same body twice from one user within 10 minutes is refused (off with POST_RATE=off).
      duplicateBodySeconds: config.POST_RATE ? 600 : 0,
      reportHoldThreshold: config.REPORT_HOLD_THRESHOLD,
      spam: {
        maxLinks: config.SPAM_MAX_LINKS,
        firstCommentLink: config.SPAM_FIRST_LINK,
        maxArticles: config.SPAM_SAME_TEXT,
        articlesWindowSeconds: 3600,
      },
    },
  });
  const desk = new ModeratorDesk({ store, readersOf: sockets.readersOf, now: () => clock.now().toISOString() });
  const people = new People({
    store,
    notifier,
    clock,
    ids,
    limiter,
    sources: [...(deps.personalData ?? []), ...services.flatMap((s) => (s.personalData ? [s.personalData] : []))],
    endSessions: sockets.endSessions,
    toModerators: (e) => discussion.toModerators(e),
  });
  const core = { discussion, desk, people };
  sockets.serve(core);
  if (deps.pubsub) attachFanout(io, deps.pubsub, metrics, logger);

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
  web = createWebApp({
    config,
    trust,
    logger,
    metrics,
    ready,
    admin: adminRouter({
      tokens,
      logger,
      exportStore: store,
      maxImportBytes: config.IMPORT_MAX_BYTES,
      mapRoots: [process.cwd(), config.DATA_DIR],
      importer: {
        store,
        clock,
        newEpoch: () => ids.epoch(),
        commentMaxLength: config.COMMENT_MAX_LENGTH,
        authorKey: config.AUTH_SECRET,
      },
      // Open pages reload the imported threads (presence would tell them too, within seconds).
      onImported: (articleIds) => {
        for (const articleId of articleIds) sockets.io.to(articleRoom(articleId)).emit('thread:resync', { articleId });
      },
    }),
    api: {
      discussion,
      core,
      contexts: (req) => contexts(addressKey(clientAddress(req, trust)), req.headers['user-agent'] ?? null, req.headers.referer ?? null),
      schemas,
      tokens,
      allowGuests: config.ALLOW_GUESTS,
      guestLimit: (req) => limiter.consume('guest', addressKey(clientAddress(req, trust))),
      readGate: createReadGate(readLimit),
      reservedName: async (name) => isReservedName(name, await staffNames.list()),
      onUnexpectedError: () => metrics.storeErrors.inc(),
      extraRoutes: services.flatMap((s) => (s.routes ? [s.routes] : [])),
    },
  });
  for (const s of services) s.start?.();

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
        sockets.stop();
        const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        // Writes sent just before the signal may still be arriving: wait for a short quiet spell
        // with nothing in flight (at most 5 s in all) before dropping the transports.
        const deadline = Date.now() + 5000;
        do {
          await inFlight.idle(Math.max(0, deadline - Date.now()));
          await new Promise((resolve) => setTimeout(resolve, 100));
        } while (inFlight.size > 0 && Date.now() < deadline);
        for (const socket of sockets.io.of('/').sockets.values()) socket.conn.close();
        await new Promise<void>((resolve) => sockets.io.close(() => resolve()));
        httpServer.closeAllConnections();
        await closed;
        await Promise.allSettled(services.map((s) => s.close()));
      })();
      return closing;
    },
  };
}
