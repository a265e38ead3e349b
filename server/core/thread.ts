/**
 * Pure rules of what each viewer sees of a comment (PROTOCOL.md "What readers see").
 */
import type { Comment } from '../../shared/schemas.js';
import type { StoredComment, StoredEvent, Viewer } from './ports.js';
import type { ThreadEvent } from '../../shared/schemas.js';

/** The full public shape (what moderators and authors see). */
export function fullView(c: StoredComment): Comment {
  return {
    id: c.id,
    articleId: c.articleId,
    parentId: c.parentId,
    author: { id: c.author.id, name: c.author.name },
    body: c.body,
    status: c.status,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    replyCount: c.replyCount,
  };
}

/** The full shape plus why it is held or removed: the moderators' queue and feed. */
export function modView(c: StoredComment): Comment {
  return { ...fullView(c), moderation: { heldReason: c.heldReason ?? null, removedReason: c.removedReason ?? null } };
}

/** What a reader sees: removed and deleted comments as tombstones, pending ones not at all. */
export function readerView(c: StoredComment): Comment | null {
  if (c.status === 'pending') return null;
  if (c.status === 'removed' || c.status === 'deleted') return { ...fullView(c), author: null, body: null };
  return fullView(c);
}

export function viewFor(c: StoredComment, viewer: Viewer): Comment | null {
  if (viewer?.role === 'moderator') return fullView(c);
  if (c.status === 'pending' && viewer && viewer.id === c.author.id) return fullView(c);
  return readerView(c);
}

export function eventView(e: StoredEvent, moderator: boolean): ThreadEvent {
  const comment = e.comment ? (moderator ? fullView(e.comment) : readerView(e.comment)) : null;
  return { articleId: e.articleId, epoch: e.epoch, seq: e.seq, type: e.type, comment, at: e.at };
}

export function viewAll(comments: StoredComment[], viewer: Viewer): Comment[] {
  const out: Comment[] = [];
  for (const c of comments) {
    const v = viewFor(c, viewer);
    if (v) out.push(v);
  }
  return out;
}
