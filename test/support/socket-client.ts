/**
 * A socket.io-client connection for tests that look at what one client receives: connects (or
 * rejects with the `connect_error` message), records every event by name, and sends requests with
 * an ack and a timeout.
 */
import { io, type Socket } from 'socket.io-client';

export interface TestSocket {
  socket: Socket;
  /** Every payload received, by event name, in order. */
  received: Map<string, unknown[]>;
  /** The payloads of `event` received so far. */
  of<T = unknown>(event: string): T[];
  /** Emits `event` with `payload` and resolves with the ack. */
  request<T = { ok: boolean; error?: { code: string; message: string } }>(event: string, payload: unknown, timeoutMs?: number): Promise<T>;
  close(): void;
}

export function connectSocket(
  url: string,
  o: { token?: string; transports?: ('websocket' | 'polling')[]; extraHeaders?: Record<string, string> } = {},
): Promise<TestSocket> {
  const socket = io(url, {
    transports: o.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(o.token ? { auth: { token: o.token } } : {}),
    ...(o.extraHeaders ? { extraHeaders: o.extraHeaders } : {}),
  });
  const received = new Map<string, unknown[]>();
  socket.onAny((event: string, payload: unknown) => {
    const list = received.get(event) ?? [];
    list.push(payload);
    received.set(event, list);
  });
  const client: TestSocket = {
    socket,
    received,
    of: <T>(event: string) => (received.get(event) ?? []) as T[],
    request: <T>(event: string, payload: unknown, timeoutMs = 10_000) =>
      socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>,
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}
