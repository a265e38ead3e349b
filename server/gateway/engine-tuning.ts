/**
 * Engine tuning: every use of socket.io, engine.io and ws internals (not part of their public
 * API) lives in this module.
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

import { ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { AppSocket } from './handlers.js';

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
  conn: EngineConn;
  writeToEngine(encodedPackets: unknown, opts: PacketOptions): void;
}

/** The frame as one Buffer, built once per broadcast and kept on the broadcast's shared options. */
const JOINED = Symbol('livethread.joinedFrame');
const WS_OPEN = 1;
const patched = new WeakSet<object>();

/**
 * Installs the fast path on Socket.IO's Client class (found from a connected socket's client, as
 * socket.io does not export it). Idempotent; every Client of the process shares it, and whatever
 * it does not handle goes to the original method.
 */
export function enableFastBroadcast(client: unknown): void {
  const proto = Object.getPrototypeOf(client) as ClientInternals | null;
  if (!proto || patched.has(proto) || typeof proto.writeToEngine !== 'function') return;
  patched.add(proto);
  const original = proto.writeToEngine;
  proto.writeToEngine = function writeToEngine(this: ClientInternals, encodedPackets: unknown, opts: PacketOptions): void {
    if (opts.wsPreEncodedFrame !== undefined && writeDirect(this.conn, opts)) return;
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
export function releaseUpgradeRequest(_req: unknown, res: unknown, next: (err?: Error) => void): void {
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

export function releaseHandshake(socket: AppSocket): void {
  const conn = socket.conn as unknown as { request: unknown };
  conn.request = null;
  (socket as unknown as { handshake: unknown }).handshake = RELEASED_HANDSHAKE;
}

