/**
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

/** What this reads of engine.io, ws and Socket.IO (not part of their typings). */
interface PacketOptions {
  wsPreEncodedFrame?: Buffer[];
  [JOINED]?: Buffer;
}

interface WsSocket {
  readyState: number;
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
  sendFrame.call(ws._sender, [joined]);
  return true;
}

interface CorkableSocket {
  conn: EngineConn & { transport: { socket?: WsSocket & { _socket?: { cork(): void; uncork(): void } } } };
}

interface Corkable {
  sockets: Map<string, unknown>;
  adapter: { rooms: Map<string, Set<string>> };
}

/**
 * Corks the TCP sockets of this node's WebSocket connections in `rooms` until `uncork()`: writes
 * made in between reach each connection in one system call. Call `uncork()` in the same turn of
 * the event loop (a corked socket sends nothing).
 */
export function corkRooms(io: { of(nsp: string): unknown }, rooms: string[]): { uncork(): void } {
  const nsp = io.of('/') as Corkable;
  const corked: { uncork(): void }[] = [];
  for (const room of rooms) {
    // A socket in two of the rooms is corked twice and uncorked twice: cork() counts.
    for (const sid of nsp.adapter.rooms.get(room) ?? []) {
      const tcp = (nsp.sockets.get(sid) as CorkableSocket | undefined)?.conn.transport.socket?._socket;
      if (tcp) {
        tcp.cork();
        corked.push(tcp);
      }
    }
  }
  return { uncork: () => corked.forEach((tcp) => tcp.uncork()) };
}
