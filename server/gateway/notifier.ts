import type { Server } from 'socket.io';
import type { ModEvent, Notifier, StoredEvent } from '../core/ports.js';
import { eventView, modView } from '../core/thread.js';
import type { Metrics } from '../metrics.js';
import { corkRooms } from './fast-write.js';
import { articleRoom, MODERATORS_ROOM, modRoom } from './rooms.js';

/** A visible comment (or none) looks the same to readers and moderators: most events. */
const sameForEveryone = (e: StoredEvent): boolean => !e.comment || e.comment.status === 'visible';

/** The rooms of the articles that have more than one event in the batch. */
function repeatedRooms(events: StoredEvent[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.articleId, (counts.get(e.articleId) ?? 0) + 1);
  const rooms: string[] = [];
  for (const [id, n] of counts) if (n > 1) rooms.push(articleRoom(id), modRoom(id));
  return rooms;
}

/**
 * Emits committed events to the article's room on every node (through the adapter).
 * Readers get tombstones, moderators the full comment; each payload is encoded once per broadcast.
 */
export class SocketNotifier implements Notifier {
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
   * Everything committed in one turn of the event loop goes out together, in order. Under load
   * that is several events per article: the sockets of its rooms are corked for the batch, so each
   * gets them in one write instead of one write per event (the system call is most of the cost of
   * a broadcast). A single event is written straight away.
   */
  private readonly flush = (): void => {
    const events = this.queue;
    this.queue = [];
    const corked = events.length > 1 ? corkRooms(this.io, repeatedRooms(events)) : undefined;
    try {
      for (const event of events) this.emit(event);
    } finally {
      corked?.uncork();
    }
  };

  private emit(event: StoredEvent): void {
    const room = articleRoom(event.articleId);
    const mods = modRoom(event.articleId);
    if (sameForEveryone(event)) {
      // One broadcast (one encode, one PUBLISH) reaches both rooms; a socket in both gets it once.
      this.io.to([room, mods]).emit('thread:event', eventView(event, false));
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
    });
    this.metrics?.eventsOut.inc({ type: `mod:${e.type}` });
  }
}
