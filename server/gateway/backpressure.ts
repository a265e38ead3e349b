/**
 * Slow readers: a socket that stops reading makes the server queue every event for it. Once its
 * queue passes a cap it is disconnected (its client reconnects and catches up from the log), so
 * memory stays bounded and the broadcast loop never waits on it.
 */
import type { Logger } from 'pino';
import type { AppServer, AppSocket } from './handlers.js';

export interface BackpressureLimits {
  /** Packets waiting in engine.io's write buffer. */
  maxQueuedPackets: number;
  /** Bytes waiting in the WebSocket's own buffer. */
  maxBufferedBytes: number;
  intervalMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureLimits = { maxQueuedPackets: 1000, maxBufferedBytes: 4 * 1024 * 1024, intervalMs: 1000 };

interface EngineInternals {
  writeBuffer?: { data?: string | ArrayBufferLike | ArrayBufferView }[];
  transport?: { socket?: { bufferedAmount?: number } };
  close(discard?: boolean): void;
}

/** Packets of engine.io's write buffer counted by `unreadBytes` (the sweep drops a socket at 1,000). */
const COUNTED_PACKETS = 1000;

/**
 * Bytes sent to a socket that its client has not taken yet: the WebSocket's buffer (ws counts
 * the TCP socket's buffer in `bufferedAmount`) and the packets engine.io still holds.
 */
export function unreadBytes(socket: AppSocket): number {
  const conn = socket.conn as unknown as EngineInternals;
  let n = conn.transport?.socket?.bufferedAmount ?? 0;
  const queued = conn.writeBuffer ?? [];
  for (let i = 0; i < queued.length && i < COUNTED_PACKETS; i++) {
    const d = queued[i]?.data;
    n += typeof d === 'string' ? d.length : (d?.byteLength ?? 0);
  }
  return n;
}

/** Starts the sweep; returns a stop function. `onDrop` is told of each socket dropped. */
export function watchBackpressure(io: AppServer, logger: Logger, limits: BackpressureLimits, onDrop: () => void): () => void {
  const timer = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      const conn = socket.conn as unknown as EngineInternals;
      const queued = conn.writeBuffer?.length ?? 0;
      const buffered = conn.transport?.socket?.bufferedAmount ?? 0;
      if (queued > limits.maxQueuedPackets || buffered > limits.maxBufferedBytes) {
        logger.warn({ socket: socket.id, queued, buffered }, 'disconnecting a socket that does not read');
        onDrop();
        // Discard what is queued: it would only be written to a peer that does not read.
        conn.close(true);
      }
    }
  }, limits.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
