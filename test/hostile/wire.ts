/**
 * Clients that speak the wire protocols by hand, so that a test can send what no well-behaved
 * library would: a WebSocket over a bare TCP socket (any frame, any header, RSV bits, a reader
 * that stops reading) and engine.io's HTTP long-polling over bare HTTP requests.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

export const EIO_PATH = '/socket.io/?EIO=4';

export interface Frame {
  fin: boolean;
  opcode: number;
  data: Buffer;
}

export interface FrameOptions {
  opcode?: number;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Clients must mask; false sends an unmasked frame (a protocol error). */
  mask?: boolean;
}

/** Encodes one WebSocket frame (RFC 6455 §5.2). */
export function encodeFrame(payload: Buffer | string, o: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = o.mask ?? true;
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | (o.rsv2 ? 0x20 : 0) | (o.rsv3 ? 0x10 : 0) | (o.opcode ?? 0x1);
  let head: Buffer;
  if (data.length < 126) {
    head = Buffer.from([b0, (mask ? 0x80 : 0) | data.length]);
  } else if (data.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i]! ^ key[i % 4]!;
  return Buffer.concat([head, key, masked]);
}

export interface UpgradeOptions {
  path?: string;
  /** Extra header lines, sent as they are ("Name: value"). */
  headers?: string[];
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * A WebSocket client on a bare TCP socket. It answers engine.io pings unless `paused`,
 * and records every text frame it receives.
 */
export class RawWebSocket {
  /** HTTP status of the upgrade response (101 when upgraded), 0 when the server hung up. */
  status = 0;
  responseHead = '';
  readonly messages: string[] = [];
  readonly frames: Frame[] = [];
  closeCode: number | null = null;
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  private closed_ = false;
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed_ = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => this.onData(d));
  }

  get isClosed(): boolean {
    return this.closed_;
  }

  /** The server closed the WebSocket (close frame) or the TCP connection. */
  get serverClosed(): boolean {
    return this.closed_ || this.closeCode !== null;
  }

  /** Opens a TCP connection and sends an upgrade request; resolves once the server answered or hung up. */
  static async connect(port: number, o: UpgradeOptions = {}): Promise<RawWebSocket> {
    const socket = net.connect({ port, host: '127.0.0.1', ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    const ws = new RawWebSocket(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const lines = [
      `GET ${o.path ?? `${EIO_PATH}&transport=websocket`} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...(o.headers ?? []),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    await ws.until(() => ws.status !== 0 || ws.closed_, o.timeoutMs ?? 10_000);
    return ws;
  }

  /** Connects, reads engine.io's open packet and connects to the default namespace. */
  static async socketio(port: number, o: UpgradeOptions & { auth?: object } = {}): Promise<RawWebSocket> {
    const ws = await RawWebSocket.connect(port, o);
    try {
      if (ws.status !== 101) throw new Error(`upgrade refused: ${ws.responseHead.split('\r\n')[0]}`);
      await ws.next((m) => m.startsWith('0{'));
      ws.sendText(o.auth ? `40${JSON.stringify(o.auth)}` : '40');
      const r = await ws.next((m) => m.startsWith('40') || m.startsWith('44'));
      if (r.startsWith('44')) throw new Error(`namespace connect refused: ${r}`);
      return ws;
    } catch (e) {
      ws.destroy();
      throw e;
    }
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.responseHead = this.buffer.subarray(0, end).toString();
      this.status = Number(/^HTTP\/1\.1 (\d+)/.exec(this.responseHead)?.[1] ?? 0);
      this.buffer = this.buffer.subarray(end + 4);
      this.upgraded = this.status === 101;
      if (!this.upgraded) {
        this.wake();
        return;
      }
    }
    for (;;) {
      const f = this.parseFrame();
      if (!f) break;
      this.frames.push(f);
      if (f.opcode === 0x1) {
        const text = f.data.toString();
        this.messages.push(text);
        if (text === '2') this.sendText('3');
      } else if (f.opcode === 0x8) {
        this.closeCode = f.data.length >= 2 ? f.data.readUInt16BE(0) : 1005;
        // Answer the closing handshake as a browser would, then hang up.
        if (!this.socket.destroyed) this.socket.end(encodeFrame(f.data.subarray(0, 2), { opcode: 0x8 }));
      }
    }
    this.wake();
  }

  private parseFrame(): Frame | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    let len = b[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    if (b.length < off + len) return null;
    const frame = { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, data: Buffer.from(b.subarray(off, off + len)) };
    this.buffer = b.subarray(off + len);
    return frame;
  }

  private wake(): void {
    for (const w of this.waiters) w();
  }

  /** Resolves when `cond()` holds; rejects after the timeout. */
  until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`condition not met within ${timeoutMs} ms; last messages: ${this.messages.slice(-3).join(' | ').slice(0, 300)}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** The first message from now on (or already received after `from`) that matches. */
  async next(match: (m: string) => boolean, timeoutMs = 10_000, from = 0): Promise<string> {
    let found: string | undefined;
    await this.until(() => (found = this.messages.slice(from).find(match)) !== undefined, timeoutMs);
    return found!;
  }

  write(raw: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(raw);
  }

  sendText(text: string, o: FrameOptions = {}): void {
    this.write(encodeFrame(text, { ...o, opcode: o.opcode ?? 0x1 }));
  }

  sendBinary(data: Buffer, o: FrameOptions = {}): void {
    this.write(encodeFrame(data, { ...o, opcode: 0x2 }));
  }

  private ackId = 100;
  /** Emits a socket.io event with an ack and resolves with the ack's first argument. */
  async request(event: string, payload: unknown, timeoutMs = 10_000): Promise<unknown> {
    const id = this.ackId++;
    const from = this.messages.length;
    this.sendText(`42${id}${JSON.stringify([event, payload])}`);
    const m = await this.next((x) => x.startsWith(`43${id}[`), timeoutMs, from);
    return (JSON.parse(m.slice(`43${id}`.length)) as unknown[])[0];
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface HttpResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP request with no agent (its own connection), optionally from another loopback address. */
export function httpRequest(
  port: number,
  o: {
    method?: string;
    path: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string | Buffer;
    localAddress?: string;
    timeoutMs?: number;
  },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: o.method ?? 'GET',
        path: o.path,
        headers: o.headers,
        agent: false,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** engine.io packets in a polling payload (separated by the record separator). */
export function pollingPackets(body: string): string[] {
  return body === '' ? [] : body.split('\x1e');
}

/** An engine.io session over HTTP long-polling, driven by hand. */
export class PollingSession {
  readonly received: string[] = [];

  private constructor(
    readonly port: number,
    readonly sid: string,
    private readonly o: { headers?: http.OutgoingHttpHeaders; localAddress?: string },
  ) {}

  static async open(port: number, o: { headers?: http.OutgoingHttpHeaders; localAddress?: string } = {}): Promise<PollingSession> {
    const r = await httpRequest(port, { path: `${EIO_PATH}&transport=polling`, ...o });
    if (r.status !== 200 || !r.body.startsWith('0{')) throw new Error(`polling handshake refused: ${r.status} ${r.body}`);
    const { sid } = JSON.parse(r.body.slice(1)) as { sid: string };
    return new PollingSession(port, sid, o);
  }

  /** Opens a session and connects to the default namespace. */
  static async socketio(
    port: number,
    o: { headers?: http.OutgoingHttpHeaders; localAddress?: string; auth?: object } = {},
  ): Promise<PollingSession> {
    const s = await PollingSession.open(port, o);
    const sent = await s.send(o.auth ? `40${JSON.stringify(o.auth)}` : '40');
    if (sent.status !== 200) throw new Error(`namespace connect refused: ${sent.status}`);
    const r = await s.next((p) => p.startsWith('40') || p.startsWith('44'));
    if (r.startsWith('44')) throw new Error(`namespace connect refused: ${r}`);
    return s;
  }

  get path(): string {
    return `${EIO_PATH}&transport=polling&sid=${encodeURIComponent(this.sid)}`;
  }

  /** POSTs a payload (packets joined by the record separator, or raw bytes). */
  send(body: string | Buffer, headers: http.OutgoingHttpHeaders = {}): Promise<HttpResult> {
    return httpRequest(this.port, {
      method: 'POST',
      path: this.path,
      body,
      headers: { 'content-type': 'text/plain;charset=UTF-8', ...this.o.headers, ...headers },
      localAddress: this.o.localAddress,
    });
  }

  /** One GET: the packets the server had for us (answers pings on the way). */
  async poll(timeoutMs = 35_000): Promise<HttpResult & { packets: string[] }> {
    const r = await httpRequest(this.port, { path: this.path, headers: this.o.headers, localAddress: this.o.localAddress, timeoutMs });
    const packets = r.status === 200 ? pollingPackets(r.body) : [];
    this.received.push(...packets);
    if (packets.includes('2')) await this.send('3');
    return { ...r, packets };
  }

  /** Polls until a packet matches. */
  async next(match: (p: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching packet within ${timeoutMs} ms: ${this.received.slice(-3).join(' | ')}`);
      const r = await this.poll(Math.max(1000, deadline - Date.now()));
      if (r.status !== 200) throw new Error(`poll answered ${r.status}: ${r.body}`);
      if (r.packets.includes('1')) throw new Error('the server closed the session');
    }
  }

  private ackId = 100;
  async request(event: string, payload: unknown, timeoutMs = 10_000): Promise<unknown> {
    const id = this.ackId++;
    const sent = await this.send(`42${id}${JSON.stringify([event, payload])}`);
    if (sent.status !== 200) throw new Error(`POST answered ${sent.status}`);
    const m = await this.next((p) => p.startsWith(`43${id}[`), timeoutMs);
    return (JSON.parse(m.slice(`43${id}`.length)) as unknown[])[0];
  }

  /** Whether the server still knows the session (a poll that does not answer 400). */
  async alive(): Promise<boolean> {
    // A ping from us is not part of the protocol; a noop-free check: POST nothing harmful.
    const r = await this.send('6');
    return r.status === 200;
  }
}

/**
 * Sends a request written by hand and resolves with the status line's code (0 when the server
 * hung up without answering) and how long the answer took.
 */
export function rawHttp(
  port: number,
  request: string | Buffer,
  o: { localAddress?: string; timeoutMs?: number } = {},
): Promise<{ status: number; head: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1', ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    let data = '';
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0),
        head: data.split('\r\n\r\n')[0] ?? '',
        ms: Date.now() - started,
      });
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      socket.destroy();
      reject(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`));
    }, o.timeoutMs ?? 10_000);
    socket.on('error', () => finish());
    socket.on('close', finish);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('\r\n\r\n')) finish();
    });
    socket.on('connect', () => socket.write(request));
  });
}
