/**
 * Hostile handshakes against a running server (child process) with a control client and
 * bystanders connected: thousands of headers, huge and ReDoS-shaped Sec-WebSocket-Protocol
 * values, malformed upgrades, and cross-site WebSocket hijacking (a foreign Origin is refused on
 * both transports; no Origin, the server's own origin and ALLOWED_ORIGINS are accepted).
 */
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.js';
import { EIO_PATH, httpRequest, rawHttp, RawWebSocket } from './wire.js';

const ALLOWED = 'https://news.example';
let t: Target;
beforeAll(async () => {
  t = await startTarget({ env: { ALLOWED_ORIGINS: ALLOWED } });
}, 60_000);
afterAll(() => t?.stop());
afterEach(async () => {
  await t.assertHealthy();
});

const headerLines = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));
function pollingRequest(port: number, headers: string[]): string {
  return [`GET ${EIO_PATH}&transport=polling HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...headers, 'Connection: close', '', ''].join('\r\n');
}

describe('headers', () => {
  it('3,000 headers (60 KB) on a polling handshake: 431, at once', async () => {
    const r = await rawHttp(
      t.port,
      pollingRequest(
        t.port,
        headerLines(3000, (i) => `X-Hostile-${i}: ${'v'.repeat(10)}`),
      ),
    );
    expect(r.status).toBe(431);
    expect(r.ms).toBeLessThan(2000);
  });

  it('2,500 tiny headers (over the count limit, under the size limit) on a polling handshake: answered', async () => {
    const r = await rawHttp(
      t.port,
      pollingRequest(
        t.port,
        headerLines(2500, (i) => `x${i}:1`),
      ),
    );
    expect(r.status).toBe(200);
  });

  it('one 20 KB header: 431', async () => {
    const r = await rawHttp(t.port, pollingRequest(t.port, [`X-Big: ${'b'.repeat(20_000)}`]));
    expect(r.status).toBe(431);
  });

  it('3,000 headers on a WebSocket upgrade: refused', async () => {
    const ws = await RawWebSocket.connect(t.port, { headers: headerLines(3000, (i) => `X-Hostile-${i}: ${'v'.repeat(10)}`) });
    expect(ws.status === 431 || (ws.status === 0 && ws.isClosed)).toBe(true);
    ws.destroy();
  });

  it('2,500 tiny headers on a WebSocket upgrade: answered', async () => {
    const ws = await RawWebSocket.connect(t.port, { headers: headerLines(2500, (i) => `x${i}:1`) });
    expect(ws.status).toBe(101);
    ws.destroy();
  });
});

describe('Sec-WebSocket-Protocol', () => {
  const values: { name: string; value: string }[] = [
    { name: '2,500 subprotocols (12 KB)', value: headerLines(2500, (i) => `p${i}`).join(',') },
    { name: 'ReDoS-shaped: 15,000 spaces between two tokens', value: `a${' '.repeat(15_000)}b` },
    { name: 'ReDoS-shaped: 15,000 commas', value: ','.repeat(15_000) },
    { name: 'ReDoS-shaped: tabs and spaces after a comma', value: `a,${' \t'.repeat(7000)}` },
    { name: 'the same subprotocol 3,000 times', value: headerLines(3000, () => 'dup').join(', ') },
  ];
  it.each(values)('$name: answered within a second, the process unharmed', async ({ value }) => {
    const started = Date.now();
    const ws = await RawWebSocket.connect(t.port, { headers: [`Sec-WebSocket-Protocol: ${value}`] });
    expect(Date.now() - started).toBeLessThan(1000);
    expect([101, 400]).toContain(ws.status);
    ws.destroy();
  });

  it('a 20 KB Sec-WebSocket-Protocol: 431', async () => {
    const ws = await RawWebSocket.connect(t.port, { headers: [`Sec-WebSocket-Protocol: ${'p,'.repeat(10_000)}`] });
    expect(ws.status === 431 || (ws.status === 0 && ws.isClosed)).toBe(true);
    ws.destroy();
  });
});

describe('malformed upgrades', () => {
  const upgrade = (lines: string[]) =>
    [
      `GET ${EIO_PATH}&transport=websocket HTTP/1.1`,
      `Host: 127.0.0.1:${t.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      ...lines,
      '',
      '',
    ].join('\r\n');
  it.each([
    { name: 'no Sec-WebSocket-Key', lines: ['Sec-WebSocket-Version: 13'] },
    { name: 'a key that is not 16 bytes of base64', lines: ['Sec-WebSocket-Key: short', 'Sec-WebSocket-Version: 13'] },
    { name: 'version 8', lines: ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 8'] },
    {
      name: 'two keys',
      lines: ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'],
    },
    {
      name: 'a malformed permessage-deflate offer',
      lines: [
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=abc;;;',
      ],
    },
  ])('$name: refused or ignored, never a crash', async ({ lines }) => {
    const r = await rawHttp(t.port, upgrade(lines));
    expect([0, 101, 400]).toContain(r.status);
  });

  it('an upgrade naming the polling transport is closed at once; one with an unknown sid is refused', async () => {
    const wrong = await RawWebSocket.connect(t.port, { path: `${EIO_PATH}&transport=polling` });
    await wrong.until(() => wrong.status !== 101 || wrong.serverClosed, 5000);
    wrong.destroy();
    const unknown = await RawWebSocket.connect(t.port, { path: `${EIO_PATH}&transport=websocket&sid=${'A'.repeat(20)}` });
    expect(unknown.status).toBe(400);
    unknown.destroy();
  });
});

describe('cross-site WebSocket hijacking', () => {
  const foreign = () => [
    'http://evil.example',
    'null',
    `http://127.0.0.1:${t.port}.evil.example`,
    `https://127.0.0.1:${t.port}`,
    `http://localhost:${t.port}`,
    `http://127.0.0.1:${t.port + 1}`,
    'https://news.example.evil',
    'http://news.example',
    'HTTPS://NEWS.EXAMPLE',
  ];

  it('a foreign Origin is refused on the polling handshake (403) and on the WebSocket upgrade', async () => {
    for (const origin of foreign()) {
      const polling = await httpRequest(t.port, { path: `${EIO_PATH}&transport=polling`, headers: { origin } });
      expect(polling.status, origin).toBe(403);
      expect(polling.body).not.toContain('"sid"');
      const ws = await RawWebSocket.connect(t.port, { headers: [`Origin: ${origin}`] });
      expect(ws.status, origin).not.toBe(101);
      ws.destroy();
    }
  });

  it("no Origin, the server's own origin and an allowed origin are accepted on both transports", async () => {
    for (const origin of [undefined, `http://127.0.0.1:${t.port}`, ALLOWED]) {
      const headers = origin ? { origin } : undefined;
      const polling = await httpRequest(t.port, { path: `${EIO_PATH}&transport=polling`, headers });
      expect(polling.status, origin).toBe(200);
      expect(polling.body.startsWith('0{')).toBe(true);
      const ws = await RawWebSocket.connect(t.port, { headers: origin ? [`Origin: ${origin}`] : [] });
      expect(ws.status, origin).toBe(101);
      ws.destroy();
    }
  });

  it.each(['websocket', 'polling'] as const)(
    'a socket.io client with a foreign Origin cannot connect over %s; with an allowed one it can',
    async (transport) => {
      const attempt = (origin: string) =>
        new Promise<boolean>((resolve) => {
          const s = io(t.url, { transports: [transport], reconnection: false, extraHeaders: { origin } });
          s.once('connect', () => (s.close(), resolve(true)));
          s.once('connect_error', () => (s.close(), resolve(false)));
        });
      expect(await attempt('http://evil.example')).toBe(false);
      expect(await attempt(ALLOWED)).toBe(true);
    },
  );
});
