/**
 * Slow readers: a socket that stops reading makes the server queue every event for it. Once its
 * queue passes a cap it is disconnected (its client reconnects and catches up from the log), so
 * memory stays bounded and the broadcast loop never waits on it.
 */
import type { Logger } from 'pino';
import { outgoing } from './engine-tuning.js';
import type { AppServer } from './handlers.js';

export interface BackpressureLimits {
  /** Packets waiting in engine.io's write buffer. */
  maxQueuedPackets: number;
  /** Bytes waiting in the WebSocket's own buffer. */
  maxBufferedBytes: number;
  intervalMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureLimits = { maxQueuedPackets: 1000, maxBufferedBytes: 4 * 1024 * 1024, intervalMs: 1000 };

/** Starts the sweep; returns a stop function. `onDrop` is told of each socket dropped. */
export function watchBackpressure(io: AppServer, logger: Logger, limits: BackpressureLimits, onDrop: () => void): () => void {
  const timer = setInterval(() => {
    for (const socket of io.of('/').sockets.values()) {
      const { queued, buffered } = outgoing(socket);
      if (queued > limits.maxQueuedPackets || buffered > limits.maxBufferedBytes) {
        logger.warn({ socket: socket.id, queued, buffered }, 'disconnecting a socket that does not read');
        onDrop();
        // Discard what is queued: it would only be written to a peer that does not read.
        socket.conn.close(true);
      }
    }
  }, limits.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
