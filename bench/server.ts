/**
 * Server child: one of the three targets on 127.0.0.1, port 0.
 *
 *   ws       bare `ws` server: readers send {"join": id}; a publisher's frames are relayed
 *            verbatim to the article's readers (one Buffer, `send` per reader)
 *   sio      plain Socket.IO, default settings: `join` → socket.join(room); `post` →
 *            io.to(room).emit('thread:event', payload); no application logic
 *   service  livethread through createApp, composed as server/main.ts does (embedded memory
 *            store; the SQLite store in `dataDir`; or Redis store + Redis adapter with `redisUrl`)
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { Server, type ServerOptions } from 'socket.io';
import { WebSocketServer, type WebSocket } from 'ws';
import { composeApp } from '../server/compose.js';
import { parseConfig } from '../server/config.js';
import { childConfig, serve, settleMemory } from './lib/child.js';

export interface ServerConfig {
  kind: 'ws' | 'sio' | 'service';
  redisUrl?: string;
  /** The SQLite store in this directory (without Redis); absent: the memory store. */
  dataDir?: string;
  secret: string;
}

const cfg = childConfig<ServerConfig>();
let close: () => Promise<void> = async () => undefined;
let countSockets: () => number = () => 0;

function listen(server: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

async function startWs(): Promise<number> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws) => {
    let room: Set<WebSocket> | null = null;
    let publisher = false;
    ws.on('message', (data: Buffer, isBinary) => {
      if (room && publisher) {
        for (const peer of room) peer.send(data, { binary: isBinary });
        return;
      }
      if (room) return;
      const m = JSON.parse(data.toString()) as { join: string; publisher?: boolean };
      room = rooms.get(m.join) ?? new Set();
      rooms.set(m.join, room);
      publisher = m.publisher === true;
      if (!publisher) room.add(ws);
      ws.send('{"ok":true}');
    });
    ws.on('close', () => room?.delete(ws));
  });
  countSockets = () => wss.clients.size;
  close = () =>
    new Promise((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => http.close(() => resolve()));
      http.closeAllConnections();
    });
  return listen(http);
}

async function startSio(): Promise<number> {
  const http = createServer();
  const opts: Partial<ServerOptions> = { serveClient: false };
  const io = new Server(http, opts);
  io.on('connection', (socket) => {
    socket.on('join', (p: { articleId: string }, ack: (r: object) => void) => {
      void socket.join(`a:${p.articleId}`);
      ack({ ok: true });
    });
    socket.on('post', (p: { articleId: string }) => {
      io.to(`a:${p.articleId}`).emit('thread:event', p);
    });
  });
  countSockets = () => io.of('/').sockets.size;
  close = () =>
    new Promise((resolve) => {
      void io.close(() => resolve());
      http.closeAllConnections();
    });
  return listen(http);
}

async function startService(): Promise<number> {
  const config = parseConfig({
    AUTH_SECRET: cfg.secret,
    POST_RATE: 'off',
    EDIT_RATE: 'off',
    VOTE_RATE: 'off',
    SPAM_BURST: 'off',
    SPAM_SAME_TEXT: '0',
    SPAM_MAX_LINKS: '0',
    READ_RATE: 'off',
    SOCKET_RATE: 'off',
    CONNECTIONS_PER_IP: '0',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    ...(cfg.redisUrl ? { REDIS_URL: cfg.redisUrl } : cfg.dataDir ? { STORE: 'sqlite', DATA_DIR: cfg.dataDir } : { STORE: 'memory' }),
  });
  const logger = pino({ level: config.LOG_LEVEL });
  const {
    app,
    redis,
    close: closeService,
  } = composeApp(config, logger, {
    name: 'bench',
    onRedisError: (_role, e) => process.stderr.write(`bench server redis: ${e.message}\n`),
  });
  if (redis)
    await Promise.all(
      [redis.store, redis.pub, redis.sub].map((c) => (c.status === 'ready' ? Promise.resolve() : new Promise((r) => c.once('ready', r)))),
    );
  countSockets = () => app.io.of('/').sockets.size;
  close = closeService;
  return app.listen(0, '127.0.0.1');
}

const port = cfg.kind === 'ws' ? await startWs() : cfg.kind === 'sio' ? await startSio() : await startService();

serve(
  {
    mem: async () => {
      const m = await settleMemory();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, sockets: countSockets() };
    },
    sockets: () => countSockets(),
    /** A heap snapshot to look into memory per connection (diagnostics; not used by run.ts). */
    heapSnapshot: (msg) => {
      (globalThis as { gc?: () => void }).gc?.();
      return writeHeapSnapshot(String(msg.file));
    },
    stop: async () => {
      await Promise.race([close(), new Promise((r) => setTimeout(r, 3000))]);
      // A normal exit, so that --cpu-prof writes its profile.
      setTimeout(() => process.exit(0), 20);
      return {};
    },
  },
  { port },
);
