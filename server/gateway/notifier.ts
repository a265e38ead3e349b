import type { Server } from 'socket.io';
import type { ModEvent, Notifier, StoredEvent } from '../core/ports.js';
import { eventView, modView } from '../core/thread.js';
import type { Metrics } from '../metrics.js';
import { articleRoom, MODERATORS_ROOM, modRoom } from './rooms.js';

/**
 * Emits committed events to the article's room on every node (through the adapter).
 * Readers get tombstones, moderators the full comment; each payload is encoded once per broadcast.
 */
export class SocketNotifier implements Notifier {
  constructor(
    private readonly io: Server,
    private readonly metrics?: Metrics,
  ) {}

  publish(event: StoredEvent): void {
    // After the current handler has acked: the author learns the id of its comment before the
    // event that carries it, so an optimistic copy is replaced rather than doubled. Order is
    // kept (setImmediate is first in, first out).
    setImmediate(() => {
      const room = articleRoom(event.articleId);
      const mods = modRoom(event.articleId);
      this.io.to(room).except(mods).emit('thread:event', eventView(event, false));
      this.io.to(mods).emit('thread:event', eventView(event, true));
      this.metrics?.eventsOut.inc({ type: event.type });
    });
  }

  moderators(e: ModEvent): void {
    this.io.to(MODERATORS_ROOM).emit('mod:event', {
      type: e.type,
      articleId: e.articleId,
      comment: e.comment ? modView(e.comment) : null,
      ...(e.report ? { report: e.report } : {}),
      ...(e.audit ? { audit: e.audit } : {}),
    });
    this.metrics?.eventsOut.inc({ type: `mod:${e.type}` });
  }
}
