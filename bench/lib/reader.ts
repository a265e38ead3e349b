/**
 * A lean reader for the load generator: one TCP connection doing the WebSocket handshake itself
 * and speaking just enough of Engine.IO 4 / Socket.IO 5 (open, connect with auth, an event with an
 * ack, pings) or of the bare-ws baseline's protocol. Every event frame is scanned for the latency
 * marker; nothing is parsed or allocated per frame.
 *
 * Why not socket.io-client (or even the `ws` client): the load generator gets one core, like the
 * server, and must not be what saturates first. socket.io-client parses every event (JSON.parse
 * of ~700 bytes per reader per event) and runs its emitter machinery; `ws` allocates a Buffer per
 * read and per message. Reading into one shared buffer (`net` `onread`) and looking only at the
 * first bytes of each frame costs a fraction of that. The server cannot tell the difference: it
 * sees the same handshake and the same masked frames a socket.io-client WebSocket sends.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export type Protocol = 'sio' | 'ws';

export interface ReaderSpec {
  /** http://host:port of the server. */
  url: string;
  protocol: Protocol;
  /** Socket.IO event that joins the article room (`thread:join` for the service). */
  joinEvent: string;
  articleId: string;
  token?: string;
}

export interface AckInfo {
  /** Size of the whole ack frame's payload. */
  bytes: number;
  /** When its last byte arrived. */
  at: number;
  ok: boolean;
}

/** What a reader keeps of each frame: its first bytes, enough for the type, ack id and marker. */
const HEAD_BYTES = 512;
/** One read buffer for every reader of the process: `onread` callbacks run one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

const C = (s: string) => s.charCodeAt(0);
const ENGINE_OPEN = C('0');
const ENGINE_PING = C('2');
const ENGINE_MESSAGE = C('4');
const SIO_CONNECT = C('0');
const SIO_DISCONNECT = C('1');
const SIO_EVENT = C('2');
const SIO_ACK = C('3');
const SIO_CONNECT_ERROR = C('4');
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;

/** A masked client text frame (RFC 6455 §5.3: a client masks every frame it sends). */
function clientFrame(text: string, opcode = 0x1): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const headerLen = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, headerLen);
  for (let i = 0; i < n; i++) frame[headerLen + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

export class LeanReader {
  /** Resolves once connected and joined to the article. */
  readonly joined: Promise<void>;
  /** Closed by the server after joining (for example dropped as a slow reader). */
  dropped = false;
  private readonly socket: Socket;
  private nextAck = 1;
  private readonly acks = new Map<number, (info: AckInfo) => void>();
  private closedByUs = false;
  private isJoined = false;
  private resolveJoined!: () => void;
  private rejectJoined!: (e: Error) => void;

  // Parser state, kept across reads.
  private upgraded = false;
  private httpHead = '';
  private readonly header = Buffer.allocUnsafe(14);
  private headerHave = 0;
  private headerNeed = 2;
  private opcode = 0;
  private remaining = 0;
  private payloadLen = 0;
  private readonly head = Buffer.allocUnsafe(HEAD_BYTES);
  private headLen = 0;

  constructor(
    private readonly spec: ReaderSpec,
    private readonly onFrame: (head: Buffer, headLen: number) => void,
    private readonly now: () => number,
  ) {
    const u = new URL(spec.url);
    const path = spec.protocol === 'sio' ? '/socket.io/?EIO=4&transport=websocket' : '/';
    this.joined = new Promise<void>((resolve, reject) => {
      this.resolveJoined = resolve;
      this.rejectJoined = reject;
    });
    this.joined.catch(() => undefined);
    this.socket = connect({
      host: u.hostname,
      port: Number(u.port),
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          this.onData(buf as Buffer, n);
          return true;
        },
      },
    });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => {
      if (this.isJoined && !this.closedByUs) this.dropped = true;
      this.fail(new Error('closed before joining'));
      for (const cb of this.acks.values()) cb({ bytes: 0, at: this.now(), ok: false });
      this.acks.clear();
    });
  }

  private fail(e: Error): void {
    if (!this.isJoined) this.rejectJoined(e);
  }

  private joinedNow(): void {
    this.isJoined = true;
    this.resolveJoined();
  }

  private send(text: string, opcode = 0x1): void {
    this.socket.write(clientFrame(text, opcode));
  }

  /** Emits a Socket.IO event with an ack; resolves when the ack frame has fully arrived. */
  emit(event: string, payload: object): Promise<AckInfo> {
    const id = this.nextAck++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.closedByUs = true;
    this.socket.destroy();
  }

  private onData(buf: Buffer, n: number): void {
    let p = 0;
    if (!this.upgraded) {
      // The HTTP response is short and read once per connection: a string is fine here.
      const text = buf.toString('latin1', 0, n);
      const end = (this.httpHead + text).indexOf('\r\n\r\n');
      if (end < 0) {
        this.httpHead += text;
        return;
      }
      const full = this.httpHead + text;
      if (!full.startsWith('HTTP/1.1 101')) {
        this.fail(new Error(`upgrade refused: ${full.split('\r\n')[0]}`));
        this.socket.destroy();
        return;
      }
      this.upgraded = true;
      p = end + 4 - this.httpHead.length;
      this.httpHead = '';
      if (this.spec.protocol === 'ws') this.send(JSON.stringify({ join: this.spec.articleId }));
    }
    while (p < n) {
      if (this.remaining === 0 && this.headerHave < this.headerNeed) {
        // Frame header: 2 bytes, then 2 or 8 more for the length (servers do not mask).
        while (this.headerHave < this.headerNeed && p < n) {
          this.header[this.headerHave++] = buf[p++]!;
          if (this.headerHave === 2) {
            const len7 = this.header[1]! & 0x7f;
            this.headerNeed = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
          }
        }
        if (this.headerHave < this.headerNeed) return;
        this.opcode = this.header[0]! & 0x0f;
        const len7 = this.header[1]! & 0x7f;
        this.payloadLen = len7 === 126 ? this.header.readUInt16BE(2) : len7 === 127 ? Number(this.header.readBigUInt64BE(2)) : len7;
        this.remaining = this.payloadLen;
        this.headLen = 0;
        if (this.remaining === 0) this.frameDone();
        continue;
      }
      const take = Math.min(this.remaining, n - p);
      const keep = Math.min(take, HEAD_BYTES - this.headLen);
      if (keep > 0) {
        buf.copy(this.head, this.headLen, p, p + keep);
        this.headLen += keep;
      }
      p += take;
      this.remaining -= take;
      if (this.remaining === 0) this.frameDone();
    }
  }

  private frameDone(): void {
    this.headerHave = 0;
    this.headerNeed = 2;
    const h = this.head;
    const len = this.headLen;
    if (this.opcode === OPCODE_CLOSE) {
      this.socket.destroy();
      return;
    }
    if (this.opcode === OPCODE_PING) {
      this.send(h.toString('latin1', 0, len), 0xa);
      return;
    }
    if (this.spec.protocol === 'ws') {
      if (this.isJoined) this.onFrame(h, len);
      else this.joinedNow();
      return;
    }
    const t = h[0];
    if (t === ENGINE_MESSAGE) {
      const s = h[1];
      if (s === SIO_EVENT) this.onFrame(h, len);
      else if (s === SIO_ACK) this.onAck(h, len);
      else if (s === SIO_CONNECT) {
        void this.emit(this.spec.joinEvent, { articleId: this.spec.articleId }).then((a) => {
          if (a.ok) this.joinedNow();
          else this.fail(new Error('join refused'));
        });
      } else if (s === SIO_CONNECT_ERROR) this.fail(new Error(`connect_error: ${h.toString('utf8', 0, len)}`));
      else if (s === SIO_DISCONNECT) this.socket.destroy();
    } else if (t === ENGINE_PING) this.send('3');
    else if (t === ENGINE_OPEN) this.send(this.spec.token ? `40${JSON.stringify({ token: this.spec.token })}` : '40');
  }

  private onAck(h: Buffer, len: number): void {
    let id = 0;
    let p = 2;
    for (; p < len && h[p]! >= 0x30 && h[p]! <= 0x39; p++) id = id * 10 + (h[p]! - 0x30);
    const cb = this.acks.get(id);
    if (!cb) return;
    this.acks.delete(id);
    // `43N[{"ok":true…`: the result's first field tells success without parsing the rest.
    cb({ bytes: this.payloadLen, at: this.now(), ok: h.toString('latin1', p + 2, p + 11) === '"ok":true' });
  }
}
