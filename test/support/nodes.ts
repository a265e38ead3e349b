/**
 * Server nodes in this process, each with its own store and Pub/Sub connections, on port 0.
 */
import { io as ioClient } from 'socket.io-client';
import type { App } from '../../server/app.js';
import { composeApp } from '../../server/compose.js';
import { createLogger } from '../../server/logger.js';
import { parseConfig, type Config } from '../../server/config.js';
import { HeldWords } from '../../server/core/moderation.js';
import type { Clock, CommentStore } from '../../server/core/ports.js';
import type { RedisConnections } from '../../server/redis.js';
import type { EnginePackage } from '../../server/gateway/engine-tuning.js';
import type { ClientSocket } from '../../client/discussion-client.js';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { ThreadEvent } from '../../shared/schemas.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface TestNode {
  name: string;
  app: App;
  url: string;
  port: number;
  config: Config;
  redis?: RedisConnections;
  store: CommentStore;
  stop(): Promise<void>;
}

let counter = 0;

export async function startNode(
  opts: {
    redisUrl?: string;
    clusterNodes?: string;
    env?: Record<string, string>;
    port?: number;
    clock?: Clock;
    name?: string;
    heldWords?: string[];
    /** Pretend other socket.io, engine.io and ws versions (the engine tuning's guard). */
    engineVersions?: Record<EnginePackage, string>;
    /** Every log line the node writes is appended here (set LOG_LEVEL in `env`). */
    logs?: string[];
  } = {},
): Promise<TestNode> {
  const name = opts.name ?? `node${++counter}`;
  const config = parseConfig({
    AUTH_SECRET: TEST_SECRET,
    POST_RATE: 'off',
    EDIT_RATE: 'off',
    // Every test client posts from 127.0.0.1: a burst from one address would hold their comments.
    SPAM_BURST: 'off',
    SPAM_SAME_TEXT: '0',
    LOG_LEVEL: 'silent',
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...(opts.clusterNodes ? { REDIS_CLUSTER_NODES: opts.clusterNodes } : {}),
    // Without Redis, the in-memory store unless a test asks for SQLite (STORE, DATA_DIR in `env`).
    ...(opts.redisUrl || opts.clusterNodes ? {} : { STORE: 'memory' }),
    ...opts.env,
  });
  const logs = opts.logs;
  const logger = createLogger(config.LOG_LEVEL, logs && { write: (line: string) => void logs.push(line) });
  const { app, store, redis, close } = composeApp(config, logger, {
    name: `lt-${name}`,
    clock: opts.clock,
    heldWords: opts.heldWords && new HeldWords(opts.heldWords),
    engineVersions: opts.engineVersions,
  });
  const port = await app.listen(opts.port ?? 0, '127.0.0.1');
  return {
    name,
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    redis,
    store,
    stop: close,
  };
}

/** Signs a token the way a host site would. */
export function token(node: TestNode, sub: string, role: 'commenter' | 'moderator' = 'commenter', name = sub): Promise<string> {
  return node.app.tokens.sign({ sub, name, role });
}

const opened: { close(): void }[] = [];

/** A raw socket.io client (WebSocket only unless told); closed by closeClients(). */
export function rawSocket(url: string, tokenValue?: string, transports: ('polling' | 'websocket')[] = ['websocket']): ClientSocket {
  const s = ioClient(url, {
    transports,
    auth: tokenValue ? { token: tokenValue } : {},
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
  }) as ClientSocket;
  opened.push({ close: () => s.disconnect() });
  return s;
}

/** An SDK client; closed by closeClients(). */
export function sdkClient(url: string, tokenValue?: string): DiscussionClient {
  const c = new DiscussionClient({
    url,
    token: tokenValue,
    socketOptions: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500 },
    resyncJitterMs: 50,
  });
  opened.push(c);
  return c;
}

export function closeClients(): void {
  for (const c of opened.splice(0)) c.close();
}

export function connected(s: ClientSocket): Promise<void> {
  if (s.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e) => reject(e));
  });
}

/** Collects the `thread:event`s a socket receives. */
export function recordEvents(s: ClientSocket): ThreadEvent[] {
  const events: ThreadEvent[] = [];
  s.on('thread:event', (e) => events.push(e));
  return events;
}
