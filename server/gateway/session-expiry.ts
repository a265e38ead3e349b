/**
 * A token's `exp` holds on open sockets too, not only at the handshake. At `exp` the socket
 * becomes anonymous: it leaves the moderators' rooms (no more held comments or moderator events),
 * and the client is told (`session:expired`) so that it can sign in again with a fresh token
 * (`setToken`, which reconnects). Every handler checks `exp` before it runs (handlers.ts); this
 * sweep takes away what the socket *receives* within a few seconds of `exp`.
 */
import type { AppServer, AppSocket } from './handlers.js';
import { MODERATORS_ROOM, modRoom, articleOfRoom } from './rooms.js';

const SWEEP_MS = 2000;

export function expireSession(socket: AppSocket): void {
  const viewer = socket.data.viewer;
  if (!viewer) return;
  socket.data.viewer = null;
  if (viewer.role === 'moderator') {
    for (const room of [...socket.rooms]) {
      const articleId = articleOfRoom(room);
      if (articleId !== null) void socket.leave(modRoom(articleId));
    }
    void socket.leave(MODERATORS_ROOM);
  }
  socket.emit('session:expired', { reason: 'expired' });
}

/** Starts the sweep; returns a stop function. */
export function watchExpiry(io: AppServer): () => void {
  const timer = setInterval(() => {
    const now = Date.now();
    for (const socket of io.of('/').sockets.values()) {
      const expiresAt = socket.data.viewer?.expiresAt;
      if (expiresAt !== undefined && now >= expiresAt) expireSession(socket);
    }
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
