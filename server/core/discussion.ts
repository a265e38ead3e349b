/**
 * The use cases of a discussion: join, page, post, edit, delete.
 * No socket, request or Redis here: adapters call these with a parsed payload and the viewer.
 */
import type { CatchUp, Comment, Payload, Snapshot } from '../../shared/schemas.js';
import { EMPTY_EPOCH, PAGE_ROOTS } from '../../shared/schemas.js';
import { DomainError } from './errors.js';
import type { Clock, CommentStore, Ids, Notifier, StoredComment, StoredEvent, User, Viewer } from './ports.js';
import { eventView, fullView, viewAll, viewFor } from './thread.js';

export interface DiscussionConfig {
  editWindowMs: number;
  /** Which new comments are held for approval. */
  premoderation: 'off' | 'guests' | 'all';
}

export interface DiscussionDeps {
  store: CommentStore;
  notifier: Notifier;
  clock: Clock;
  ids: Ids;
  config: DiscussionConfig;
}

const MAX_CAS_ATTEMPTS = 5;

export function requireUser(viewer: Viewer): User {
  if (!viewer) throw new DomainError('unauthorized', 'sign in to do this');
  return viewer;
}

export class Discussion {
  constructor(private readonly deps: DiscussionDeps) {}

  async join(viewer: Viewer, p: Payload<'thread:join'>): Promise<Snapshot | CatchUp> {
    if (p.since !== undefined) {
      const r = await this.deps.store.eventsSince(p.articleId, p.since);
      // A client that saw the article empty may take its whole history as events.
      const sameHistory = r.kind === 'events' && (r.epoch === p.epoch || (p.epoch === EMPTY_EPOCH && p.since === 0));
      if (r.kind === 'events' && sameHistory) {
        const moderator = viewer?.role === 'moderator';
        return { articleId: p.articleId, epoch: r.epoch, head: r.head, events: r.events.map((e) => eventView(e, moderator)) };
      }
      return { ...(await this.snapshot(viewer, p.articleId)), reset: true };
    }
    return this.snapshot(viewer, p.articleId);
  }

  async snapshot(viewer: Viewer, articleId: string): Promise<Snapshot> {
    const s = await this.deps.store.snapshot(articleId, null, PAGE_ROOTS);
    return {
      articleId,
      epoch: s.epoch,
      head: s.head,
      comments: viewAll(s.comments, viewer),
      cursor: s.cursor,
      closed: s.closed,
    };
  }

  async page(viewer: Viewer, p: Payload<'thread:page'>): Promise<{ comments: Comment[]; cursor: string | null }> {
    const s = await this.deps.store.snapshot(p.articleId, p.cursor, PAGE_ROOTS);
    return { comments: viewAll(s.comments, viewer), cursor: s.cursor };
  }

  async post(viewer: Viewer, p: Payload<'comment:post'>): Promise<Comment> {
    const user = requireUser(viewer);
    const { store, clock, ids, config } = this.deps;
    let rootId: string | null = null;
    const parentId = p.parentId ?? null;
    if (parentId) {
      const parent = await store.get(p.articleId, parentId);
      if (!parent || parent.status === 'pending') throw new DomainError('not_found', 'the comment you reply to does not exist');
      if (parent.status !== 'visible') throw new DomainError('not_found', 'the comment you reply to was removed');
      rootId = parent.rootId;
    }
    const held = shouldHold(config.premoderation, user);
    const now = clock.now().toISOString();
    const id = ids.commentId();
    const r = await store.create({
      comment: {
        id,
        articleId: p.articleId,
        parentId,
        rootId: rootId ?? id,
        author: { id: user.id, name: user.name },
        body: p.body,
        status: held ? 'pending' : 'visible',
        createdAt: now,
      },
      clientKey: p.clientId ? `${user.id}:${p.clientId}` : null,
      publish: !held,
      rejectIfClosed: user.role !== 'moderator',
      epochCandidate: ids.epoch(),
      at: now,
    });
    if (r.kind === 'closed') throw new DomainError('thread_closed', 'this discussion is closed');
    if (r.kind === 'created' && r.event) this.deps.notifier.publish(r.event);
    return viewFor(r.comment, user) ?? fullView(r.comment);
  }

  async edit(viewer: Viewer, p: Payload<'comment:edit'>): Promise<Comment> {
    const user = requireUser(viewer);
    const updated = await this.mutate(p.articleId, p.commentId, (c, now) => {
      if (c.author.id !== user.id) throw new DomainError('forbidden', 'you can edit only your own comments');
      if (c.status === 'removed' || c.status === 'deleted') throw new DomainError('not_found', 'this comment was removed');
      if (now.getTime() - Date.parse(c.createdAt) > this.deps.config.editWindowMs) {
        throw new DomainError('edit_window_closed', 'the time to edit this comment has passed');
      }
      if (c.body === p.body) return null;
      return {
        next: { ...c, body: p.body, editedAt: now.toISOString() },
        eventType: c.status === 'visible' ? 'comment.edited' : null,
        visibleDelta: 0,
      };
    });
    return viewFor(updated, user) ?? fullView(updated);
  }

  async delete(viewer: Viewer, p: Payload<'comment:delete'>): Promise<void> {
    const user = requireUser(viewer);
    await this.mutate(p.articleId, p.commentId, (c) => {
      if (c.author.id !== user.id) throw new DomainError('forbidden', 'you can delete only your own comments');
      if (c.status === 'deleted') return null;
      if (c.status === 'removed') throw new DomainError('not_found', 'this comment was removed');
      return {
        next: { ...c, status: 'deleted' },
        // A held comment was never public: deleting it is not a public event either.
        eventType: c.status === 'visible' ? 'comment.deleted' : null,
        visibleDelta: c.status === 'visible' ? -1 : 0,
      };
    });
  }

  /**
   * Read, decide (pure), write if unchanged; retried when another write got there first.
   * `decide` returns null for "nothing to change" and throws a DomainError to refuse.
   */
  protected async mutate(
    articleId: string,
    commentId: string,
    decide: (
      c: StoredComment,
      now: Date,
    ) => { next: StoredComment; eventType: StoredEvent['type'] | null; visibleDelta: number; parentReplyDelta?: number } | null,
  ): Promise<StoredComment> {
    const { store, clock, ids } = this.deps;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await store.get(articleId, commentId);
      if (!current) throw new DomainError('not_found', 'no such comment');
      const now = clock.now();
      const change = decide(current, now);
      if (!change) return current;
      const r = await store.update({
        articleId,
        expectedVersion: current.version,
        next: change.next,
        eventType: change.eventType,
        visibleDelta: change.visibleDelta,
        parentReplyDelta: change.parentReplyDelta ?? 0,
        epochCandidate: ids.epoch(),
        at: now.toISOString(),
      });
      if (r.kind === 'not_found') throw new DomainError('not_found', 'no such comment');
      if (r.kind === 'updated') {
        if (r.event) this.deps.notifier.publish(r.event);
        return r.comment;
      }
    }
    throw new DomainError('unavailable', 'the comment is changing too fast; try again');
  }

  counts(articleIds: string[]): Promise<Record<string, number>> {
    return this.deps.store.counts(articleIds);
  }
}

function shouldHold(mode: DiscussionConfig['premoderation'], user: User): boolean {
  if (user.role === 'moderator') return false;
  if (mode === 'all') return true;
  return mode === 'guests' && user.guest === true;
}
