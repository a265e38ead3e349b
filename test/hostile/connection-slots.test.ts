/**
 * CONNECTIONS_PER_IP counts every connection an address holds, from the engine.io handshake to
 * the transport's close, and gives each place back however the connection ends: a handshake
 * refused for a bad or expired token, a connection that never opens the namespace, one closed
 * half-way. A widget with an expired token, reconnecting forever, must not lock its address out.
 */
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/ports.js';
import { startTarget, type Target } from './target.js';
import { EIO_PATH, httpRequest, RawWebSocket } from './wire.js';

const LIMIT = 5;
let t: Target;
beforeAll(async () => {
  t = await startTarget({ embedded: true, env: { CONNECTIONS_PER_IP: String(LIMIT) } });
}, 60_000);
afterAll(() => t?.stop());
afterEach(async () => {
  await t.assertHealthy();
});

/** Opens the namespace from `address`; resolves with the socket or the refusal's message. */
async function attempt(address: string, auth?: object): Promise<RawWebSocket | string> {
  try {
    return await RawWebSocket.socketio(t.port, { localAddress: address, ...(auth ? { auth } : {}) });
  } catch (e) {
    return String(e);
  }
}

it('100 handshakes with a bad or expired token are each refused "unauthorized", and the address can still connect', async () => {
  const expired = await t.tokens.sign({ sub: 'late', name: 'Late', role: 'commenter' }, '1s');
  await new Promise((r) => setTimeout(r, 1500));
  for (let i = 0; i < 100; i++) {
    const r = await attempt('127.0.0.21', { token: i % 2 ? 'not-a-token' : expired });
    expect(typeof r === 'string' && r).toContain('unauthorized');
  }
  // The same address, as the widget with a fresh token: all five places are free.
  await eventually(
    async () => {
      const sockets = await Promise.all(Array.from({ length: LIMIT }, () => attempt('127.0.0.21')));
      const admitted = sockets.filter((s): s is RawWebSocket => typeof s !== 'string');
      for (const s of admitted) s.destroy();
      return admitted.length === LIMIT;
    },
    10_000,
    200,
  );
}, 60_000);

it('connections that never open the namespace take places too, and give them back when closed', async () => {
  const address = '127.0.0.22';
  // Engine.io handshakes only (no socket.io CONNECT): five polling sessions and a WebSocket.
  const polling = await Promise.all(
    Array.from({ length: LIMIT - 1 }, () => httpRequest(t.port, { path: `${EIO_PATH}&transport=polling`, localAddress: address })),
  );
  expect(polling.every((r) => r.status === 200)).toBe(true);
  const bare = await RawWebSocket.connect(t.port, { localAddress: address });
  expect(bare.status).toBe(101);
  // The address is at its limit: the next one is refused, and says why.
  const refused = await attempt(address);
  expect(typeof refused === 'string' && refused).toMatch(/rate_limited|403|400/);
  // Closing the WebSocket frees a place at once.
  bare.destroy();
  await eventually(
    async () => {
      const s = await attempt(address);
      if (typeof s === 'string') return false;
      s.destroy();
      return true;
    },
    10_000,
    100,
  );
}, 60_000);

it('a socket.io client past the limit is told rate_limited, and one that closes half-way frees its place', async () => {
  const address = '127.0.0.23';
  const held = await Promise.all(Array.from({ length: LIMIT }, () => attempt(address)));
  expect(held.every((s) => typeof s !== 'string')).toBe(true);
  const client = io(t.url, { transports: ['websocket'], reconnection: false, localAddress: address } as Parameters<typeof io>[1]);
  const message = await new Promise<string>((resolve) => client.once('connect_error', (e) => resolve(e.message)));
  client.close();
  expect(message).toBe('rate_limited');
  for (const s of held) (s as RawWebSocket).destroy();
  // Half-way: the upgrade sent, then the connection dropped before anything else.
  for (let i = 0; i < 20; i++) {
    const ws = await RawWebSocket.connect(t.port, { localAddress: address });
    ws.destroy();
  }
  await eventually(
    async () => {
      const all = await Promise.all(Array.from({ length: LIMIT }, () => attempt(address)));
      const admitted = all.filter((s): s is RawWebSocket => typeof s !== 'string');
      for (const s of admitted) s.destroy();
      return admitted.length === LIMIT;
    },
    10_000,
    200,
  );
}, 60_000);
