/**
 * Engine tuning: every use of socket.io, engine.io and ws internals (not part of their public API)
 * lives in this module, the way engine.io keeps its own reach into ws behind feature checks.
 *
 * The tricks, each enabled only for the versions it was tested with (TESTED, and `~` pins in
 * package.json), and only with ENGINE_TUNING on (the default):
 * - `fastBroadcast`: an idle WebSocket gets a broadcast's pre-framed bytes in one direct write.
 * - `releaseRequest`: the upgrade request and its stand-in response are released once the
 *   engine.io middlewares have run.
 * - `releaseHandshake`: a connected socket's copy of the handshake is dropped.
 * Otherwise the node runs socket.io's stock paths (one warning at start-up says why).
 *
 * The reads of the outgoing buffers (`unreadBytes`, used to drop slow readers and to refuse reads
 * to a socket that does not read) are always on: they only read, and each read is feature-checked,
 * so a changed internal reads as "nothing queued" rather than failing.
 *
 * Client events reach one shared dispatch table through `socket.onAny` (public API, see
 * handlers.ts). Note that `socket.use()` middleware does NOT guard it: socket.io calls `onAny`
 * listeners before it runs the socket's middlewares (`Socket#onevent` then `dispatch`), so
 * everything a handler must rely on is checked in the dispatch itself: the socket still connected,
 * the token not expired, the payload parsed by its schema, the request admitted (admission.ts).
 *
 * The broadcast fast path. Socket.IO already encodes a broadcast once and frames it once as a
 * WebSocket frame (`wsPreEncodedFrame`, a header and a payload Buffer). Each receiving socket then
 * still goes through engine.io's generic write path: a packet object, `packetCreate` and `flush`
 * events, the write buffer, a `writable` round trip with a completion callback, and a two-buffer
 * corked `writev` per socket. That is most of the per-socket cost besides the system call.
 *
 * Here a WebSocket connection that is open, idle (nothing queued in engine.io, no write of
 * engine.io's outstanding) gets the frame written directly: one `write` of one Buffer, the same
 * Buffer for every socket of the broadcast. Anything else (polling, an upgrade in progress, a
 * queue, a closing socket, an ack or a single emit) takes engine.io's own path, so the order of
 * frames on a connection is kept: a direct write is only made when engine.io has nothing before it.
 * A reader that does not read builds up `bufferedAmount`, which the slow-reader sweep
 * (backpressure.ts) watches.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AppServer, AppSocket } from './handlers.js';

export type Trick = 'fastBroadcast' | 'releaseRequest' | 'releaseHandshake';
export const TRICKS: readonly Trick[] = ['fastBroadcast', 'releaseRequest', 'releaseHandshake'];

/** The major.minor of each package the tricks were tested with (package.json pins them with `~`). */
export const TESTED = { 'socket.io': '4.8', 'engine.io': '6.6', ws: '8.21' } as const;
export type EnginePackage = keyof typeof TESTED;

/** Broadcast writes by path since the process started (a metric; see metrics.ts). */
export const broadcastWrites = { direct: 0, engine: 0 };

/** The installed versions: socket.io's own engine.io and ws, as it resolves them. */
export function installedVersions(): Record<EnginePackage, string> {
  const fromApp = createRequire(import.meta.url);
  const socketIo = fromApp.resolve('socket.io');
  const fromSocketIo = createRequire(socketIo);
  // engine.io exports no package.json: read it beside its entry point.
  const version = (entry: string) => {
    let dir = path.dirname(entry);
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name && pkg.version) return pkg.version;
      } catch {
        // not here: one level up
      }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  };
  const engineIo = fromSocketIo.resolve('engine.io');
  return { 'socket.io': version(socketIo), 'engine.io': version(engineIo), ws: version(createRequire(engineIo).resolve('ws')) };
}

export interface EngineTuning {
  /** Which tricks run in this process. */
  readonly on: Readonly<Record<Trick, boolean>>;
  readonly versions: Readonly<Record<EnginePackage, string>>;
  /** Installs what runs before connections exist (engine.io middleware). */
  attach(io: AppServer): void;
  /** Applies the per-connection tricks to a socket that has just connected. */
  connected(socket: AppSocket): void;
}

/**
 * Decides which tricks run and says so once. `versions` replaces the installed versions (tests
 * use it to pretend an untested upgrade).
 */
export function engineTuning(opts: { enabled: boolean; logger: Logger; versions?: Record<EnginePackage, string> }): EngineTuning {
  const versions = opts.versions ?? installedVersions();
  const untested = (Object.keys(TESTED) as EnginePackage[]).filter((p) => !versions[p].startsWith(`${TESTED[p]}.`));
  const enabled = opts.enabled && untested.length === 0;
  const on = Object.fromEntries(TRICKS.map((t) => [t, enabled])) as Record<Trick, boolean>;
  const list = (Object.keys(versions) as EnginePackage[]).map((p) => `${p} ${versions[p]}`).join(', ');
  if (!opts.enabled) opts.logger.info({ versions }, 'engine tuning off (ENGINE_TUNING=off): socket.io stock paths');
  else if (!enabled) {
    opts.logger.warn(
      { versions, tested: TESTED },
      `engine tuning off: ${untested.join(', ')} differ from the versions it was tested with (${list}); running socket.io's stock paths`,
    );
  } else opts.logger.info({ versions, tricks: TRICKS }, `engine tuning on: ${TRICKS.join(', ')} (${list})`);
  return {
    on,
    versions,
    attach(io) {
      // Registered after the CORS middleware (engine.io adds it first), so nothing runs after it.
      if (on.releaseRequest) io.engine.use(releaseUpgradeRequest);
    },
    connected(socket) {
      if (on.fastBroadcast) enableFastBroadcast(socket.client);
      if (on.releaseHandshake) releaseHandshake(socket);
    },
  };
}

/** What this reads of engine.io, ws and Socket.IO (not part of their typings). */
interface PacketOptions {
  wsPreEncodedFrame?: Buffer[];
  [JOINED]?: Buffer;
}

interface TcpSocket {
  writableCorked: number;
  cork(): void;
  uncork(): void;
}

interface WsSocket {
  readyState: number;
  _socket?: TcpSocket;
  _sender?: { sendFrame?: (list: Buffer[], cb?: (err?: Error) => void) => void };
}

interface EngineConn {
  readyState: string;
  writeBuffer: unknown[];
  transport: { name: string; writable: boolean; perMessageDeflate?: unknown; socket?: WsSocket };
}

interface ClientInternals {
  [FAST]?: boolean;
  conn: EngineConn;
  writeToEngine(encodedPackets: unknown, opts: PacketOptions): void;
}

/** The frame as one Buffer, built once per broadcast and kept on the broadcast's shared options. */
const JOINED = Symbol('livethread.joinedFrame');
const WS_OPEN = 1;
const patched = new WeakSet<object>();
/** Set on each Client of a server with the fast path on (the patch is on the shared prototype). */
const FAST = Symbol('livethread.fastBroadcast');

/**
 * Installs the fast path on Socket.IO's Client class (found from a connected socket's client, as
 * socket.io does not export it) and marks this client for it. The patch is shared by every Client
 * of the process, but only marked clients take the direct path (another server in the same
 * process may run with the tuning off); whatever it does not handle goes to the original method.
 */
function enableFastBroadcast(client: unknown): void {
  const proto = Object.getPrototypeOf(client) as ClientInternals | null;
  if (!proto || typeof proto.writeToEngine !== 'function') return;
  (client as ClientInternals)[FAST] = true;
  if (patched.has(proto)) return;
  patched.add(proto);
  const original = proto.writeToEngine;
  proto.writeToEngine = function writeToEngine(this: ClientInternals, encodedPackets: unknown, opts: PacketOptions): void {
    // Only a broadcast carries a pre-encoded frame (socket.io-adapter adds it).
    if (opts.wsPreEncodedFrame !== undefined && this[FAST] === true) {
      if (writeDirect(this.conn, opts)) {
        broadcastWrites.direct++;
        return;
      }
      broadcastWrites.engine++;
    }
    original.call(this, encodedPackets, opts);
  };
}

function writeDirect(conn: EngineConn, opts: PacketOptions): boolean {
  const transport = conn.transport;
  if (conn.readyState !== 'open' || !transport.writable || conn.writeBuffer.length !== 0) return false;
  if (transport.name !== 'websocket' || transport.perMessageDeflate) return false;
  const ws = transport.socket;
  const sendFrame = ws?._sender?.sendFrame;
  if (!ws || ws.readyState !== WS_OPEN || typeof sendFrame !== 'function') return false;
  let joined = opts[JOINED];
  if (joined === undefined) {
    const frame = opts.wsPreEncodedFrame!;
    joined = frame.length === 1 ? frame[0]! : Buffer.concat(frame);
    opts[JOINED] = joined;
  }
  const tcp = ws._socket;
  if (tcp && tcp.writableCorked === 0) {
    tcp.cork();
    corked.push(tcp);
    if (corked.length === 1) process.nextTick(uncorkAll);
  }
  sendFrame.call(ws._sender, [joined]);
  return true;
}

/**
 * Sockets written to in the current run of synchronous code, corked until it ends: the events of
 * one notifier batch, or of one chunk of Redis Pub/Sub messages, reach each connection in one
 * system call. With one event per run this costs a cork and an uncork per socket and adds no wait
 * (the uncork runs before the event loop goes on to I/O).
 */
let corked: TcpSocket[] = [];

function uncorkAll(): void {
  const list = corked;
  corked = [];
  for (const tcp of list) tcp.uncork();
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
    const stand = res as { req?: unknown; socket?: NetSocket; listenerCount?(event: string): number };
    stand.req = undefined;
    // Its constructor adds `socket.once('close', () => this.emit('close'))` so that engine.io
    // middlewares (request loggers) hear the connection close. That listener also keeps the
    // response alive for the life of the connection. This middleware runs last, so every
    // middleware that wants the event has subscribed by now: the forwarding is dropped only when
    // none did, and kept (with the response) when one did.
    const tcp = stand.socket;
    const last = tcp?.listeners('close').at(-1);
    const listened = (stand.listenerCount?.('close') ?? 0) > 0;
    if (tcp && !listened && typeof last === 'function' && String(last).includes('emit("close")'))
      tcp.removeListener('close', last as () => void);
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

// ── reads of the outgoing buffers (always on; feature-checked) ─────────────────────────────

interface EngineBuffers {
  writeBuffer?: { data?: string | ArrayBufferLike | ArrayBufferView }[];
  transport?: { socket?: { bufferedAmount?: number } };
}

/** Packets of engine.io's write buffer counted by `unreadBytes` (the sweep drops a socket at 1,000). */
const COUNTED_PACKETS = 1000;

/** Packets engine.io holds for a socket, and bytes its WebSocket holds (ws counts the TCP buffer). */
export function outgoing(socket: AppSocket): { queued: number; buffered: number } {
  const conn = socket.conn as unknown as EngineBuffers;
  const queued = Array.isArray(conn.writeBuffer) ? conn.writeBuffer.length : 0;
  const buffered = conn.transport?.socket?.bufferedAmount;
  return { queued, buffered: typeof buffered === 'number' ? buffered : 0 };
}

/** Bytes sent to a socket that its client has not taken yet. */
export function unreadBytes(socket: AppSocket): number {
  const conn = socket.conn as unknown as EngineBuffers;
  let n = outgoing(socket).buffered;
  const queued = Array.isArray(conn.writeBuffer) ? conn.writeBuffer : [];
  for (let i = 0; i < queued.length && i < COUNTED_PACKETS; i++) {
    const d = queued[i]?.data;
    n += typeof d === 'string' ? d.length : (d?.byteLength ?? 0);
  }
  return n;
}
