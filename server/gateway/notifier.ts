import type { Server } from 'socket.io';
import type { Notifier, StoredEvent } from '../core/ports.js';
import { eventView } from '../core/thread.js';
import { articleRoom, modRoom } from './rooms.js';

/**
 * Emits committed events to the article's room on every node (through the adapter).
 * Readers get tombstones, moderators the full comment; each payload is encoded once per broadcast.
 */
export class SocketNotifier implements Notifier {
  constructor(private readonly io: Server) {}

  publish(event: StoredEvent): void {
    const room = articleRoom(event.articleId);
    const mods = modRoom(event.articleId);
    this.io.to(room).except(mods).emit('thread:event', eventView(event, false));
    this.io.to(mods).emit('thread:event', eventView(event, true));
  }
}
