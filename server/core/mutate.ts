/**
 * Read, decide, write if unchanged: how every use case changes an existing comment.
 */
import { DomainError } from './errors.js';
import type { Clock, CommentPatch, CommentStore, Ids, Notifier, StoredComment, StoredEvent } from './ports.js';

/** What a decision changes, and what must not have changed since the read. */
export interface Change {
  /**
   * `version`: the whole comment (edits, whose text depends on it); `status`: only its status
   * (moderation and deletion, which an author's edits in the meantime must not hold up).
   */
  guard: 'version' | 'status';
  patch: CommentPatch;
  eventType: StoredEvent['type'] | null;
  visibleDelta: number;
  parentReplyDelta?: number;
  rejectIfClosed?: boolean;
}

export interface MutateDeps {
  store: CommentStore;
  clock: Clock;
  ids: Ids;
  notifier: Notifier;
}

const MAX_CAS_ATTEMPTS = 5;

/**
 * Reads the comment, asks `decide` (pure) what to change, and writes it if the comment still
 * matches the guard; retried when another write got there first. `decide` returns null for
 * "nothing to change" and throws a DomainError to refuse. The event, if any, is published.
 */
export async function mutateComment(
  deps: MutateDeps,
  articleId: string,
  commentId: string,
  decide: (c: StoredComment, now: Date) => Change | null,
): Promise<{ comment: StoredComment; changed: boolean }> {
  const { store, clock, ids } = deps;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const current = await store.get(articleId, commentId);
    if (!current) throw new DomainError('not_found', 'no such comment');
    const now = clock.now();
    const change = decide(current, now);
    if (!change) return { comment: current, changed: false };
    const r = await store.update({
      articleId,
      commentId,
      expect: change.guard === 'version' ? { version: current.version } : { status: current.status },
      patch: change.patch,
      eventType: change.eventType,
      visibleDelta: change.visibleDelta,
      parentReplyDelta: change.parentReplyDelta ?? 0,
      rejectIfClosed: change.rejectIfClosed ?? false,
      epochCandidate: ids.epoch(),
      at: now.toISOString(),
    });
    if (r.kind === 'not_found') throw new DomainError('not_found', 'no such comment');
    if (r.kind === 'closed') throw new DomainError('thread_closed', 'this discussion is closed');
    if (r.kind === 'updated') {
      if (r.event) deps.notifier.publish(r.event);
      return { comment: r.comment, changed: true };
    }
  }
  throw new DomainError('unavailable', 'the comment is changing too fast; try again');
}
