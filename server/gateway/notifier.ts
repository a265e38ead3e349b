import type { Server } from 'socket.io';
import type { CommitSubscriber, ModEvent, StoredEvent } from '../core/ports.js';
import { eventView, modView } from '../core/thread.js';
import type { Metrics } from '../metrics.js';
import { articleRoom, MODERATORS_ROOM, modRoom } from './rooms.js';

/** A visible comment (or none) looks the same to readers and moderators: most events. */
const sameForEveryone = (e: StoredEvent): boolean => !e.comment || e.comment.status === 'visible';

/**
 * The socket fan-out, the first subscriber to committed events: emits them to the article's room
 * on every node (through the adapter). Readers get tombstones, moderators the full comment; each
 * payload is encoded once per broadcast.
 */
export class SocketNotifier implements CommitSubscriber {
  readonly name = 'sockets';

  constructor(
    private readonly io: Server,
    private readonly metrics?: Metrics,
  ) {}

  /** Events committed since the last flush, in commit order. */
  private queue: StoredEvent[] = [];

  publish(event: StoredEvent): void {
    // After the current handler has acked: the author learns the id of its comment before the
    // event that carries it, so an optimistic copy is replaced rather than doubled.
    this.queue.push(event);
    if (this.queue.length === 1) setImmediate(this.flush);
  }

  /**
   * Everything committed in one turn of the event loop goes out together, in order, in one run of
   * code: under load that is several events per article, and the fast path (fast-write.ts) then
   * writes them to each connection in one system call instead of one per event.
   */
  private readonly flush = (): void => {
    const events = this.queue;
    this.queue = [];
    for (const event of events) this.emit(event);
  };

  private emit(event: StoredEvent): void {
    const room = articleRoom(event.articleId);
    const mods = modRoom(event.articleId);
    if (sameForEveryone(event)) {
      // Moderators reading the article are in its room too: one broadcast (one encode, one
      // PUBLISH on the room's channel) reaches everyone.
      this.io.to(room).emit('thread:event', eventView(event, false));
    } else {
      this.io.to(room).except(mods).emit('thread:event', eventView(event, false));
      this.io.to(mods).emit('thread:event', eventView(event, true));
    }
    this.metrics?.eventsOut.inc({ type: event.type });
  }

  moderators(e: ModEvent): void {
    this.io.to(MODERATORS_ROOM).emit('mod:event', {
      type: e.type,
      articleId: e.articleId,
      comment: e.comment ? modView(e.comment) : null,
      ...(e.report ? { report: e.report } : {}),
      ...(e.audit ? { audit: e.audit } : {}),
      ...(e.ban ? { ban: e.ban } : {}),
      // Its place in the activity log: a console that reconnects asks for what came after it.
      ...(e.seq !== undefined ? { seq: e.seq } : {}),
    });
    this.metrics?.eventsOut.inc({ type: `mod:${e.type}` });
  }
}
