/**
 * Which transport the SDK opens with, and how it falls back when WebSocket cannot be opened.
 *
 * A connection starts WebSocket first (no sticky sessions needed) with socket.io's
 * `tryAllTransports`: a refused upgrade (a proxy that answers 403, or resets it) falls back to HTTP
 * long-polling at once, in the same attempt. A WebSocket that neither opens nor fails (a
 * black-holed port) is given `websocketOpenMs`; the next attempt then starts with polling. Once
 * connected over polling, later attempts start with polling and probe WebSocket (socket.io's
 * upgrade), so the connection upgrades as soon as WebSocket works again, and then goes back to
 * WebSocket first. What worked is kept in sessionStorage, so the next page view of the session
 * starts with it instead of trying WebSocket again.
 */
import type { Socket } from 'socket.io-client';

export type TransportName = 'websocket' | 'polling';

/** The sessionStorage key of the transport that last worked on this page's origin. */
export const TRANSPORT_KEY = 'livethread:transport';

/** Where the transport that worked is kept between page views (sessionStorage in browsers). */
export type TransportMemory = Pick<Storage, 'getItem' | 'setItem'>;

/** socket.io's default for how long an attempt may take to open (polling attempts keep it). */
const OPEN_TIMEOUT_MS = 20_000;

export function sessionMemory(): TransportMemory | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    // Storage off (privacy modes, sandboxed frames): nothing is remembered.
    return null;
  }
}

export function rememberedTransport(memory: TransportMemory | null): TransportName | null {
  try {
    const v = memory?.getItem(TRANSPORT_KEY);
    return v === 'polling' || v === 'websocket' ? v : null;
  } catch {
    return null;
  }
}

/** The transports in the order an attempt tries them, starting with `first`. */
export function transportsStartingWith(first: TransportName): TransportName[] {
  return first === 'polling' ? ['polling', 'websocket'] : ['websocket', 'polling'];
}

/**
 * Keeps the socket's Manager starting with the transport that works, remembering it in `memory`.
 * Returns the function that stops it (the listeners are the Manager's own).
 */
export function chooseTransports(socket: Socket, opts: { memory: TransportMemory | null; websocketOpenMs: number }): () => void {
  const manager = socket.io;
  const remember = (name: TransportName) => {
    try {
      opts.memory?.setItem(TRANSPORT_KEY, name);
    } catch {
      // full or off: the next page view tries WebSocket first again
    }
  };
  const startWith = (first: TransportName) => {
    manager.opts.transports = transportsStartingWith(first);
    manager.timeout(first === 'websocket' ? opts.websocketOpenMs : OPEN_TIMEOUT_MS);
  };
  startWith(manager.opts.transports?.[0] === 'polling' ? 'polling' : 'websocket');

  const onOpen = () => {
    const engine = manager.engine;
    const name = engine.transport.name as TransportName;
    remember(name);
    startWith(name);
    if (name === 'polling') {
      engine.once('upgrade', () => {
        remember('websocket');
        startWith('websocket');
      });
    }
  };
  // An attempt that started with WebSocket and ran out of time: WebSocket hangs here. (One that
  // failed outright fell back to polling by itself; one where polling failed too is a server or
  // network that is away, which says nothing about WebSocket.)
  const onError = (err: Error) => {
    if (err.message === 'timeout' && manager.opts.transports?.[0] === 'websocket') startWith('polling');
  };
  manager.on('open', onOpen);
  manager.on('error', onError);
  return () => {
    manager.off('open', onOpen);
    manager.off('error', onError);
  };
}
