/**
 * Pure rules of what each viewer sees of a comment (PROTOCOL.md "What readers see").
 */
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { renderMarkdown } from './markdown.js';
import type { StoredComment, StoredEvent, Viewer } from './ports.js';

/** The public shape with everything readers may see of a visible comment. */
export function fullView(c: StoredComment): Comment {
  return {
    id: c.id,
    articleId: c.articleId,
    parentId: c.parentId,
    rootId: c.rootId,
    author: c.author.staff ? { id: c.author.id, name: c.author.name, staff: true } : { id: c.author.id, name: c.author.name },
    body: c.body,
    doc: c.doc ?? renderMarkdown(c.body),
    status: c.status,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    replyCount: c.replyCount,
    // Votes come with reads (snapshots, pages, replies), not with live events.
    ...(c.up !== undefined ? { up: c.up, down: c.down ?? 0 } : {}),
  };
}

/** The full shape plus what moderators decide on: the queue, the feed and their sockets. */
export function modView(c: StoredComment): Comment {
  return {
    ...fullView(c),
    moderation: {
      heldReason: c.heldReason ?? null,
      removedReason: c.removedReason ?? null,
      version: c.version,
      pendingEdit: c.pendingEdit ?? null,
    },
  };
}

/** What its author sees: their own edit waiting for review, in place of the public body. */
export function authorView(c: StoredComment): Comment {
  if (c.pendingEdit && c.status === 'visible')
    return { ...fullView(c), body: c.pendingEdit.body, doc: renderMarkdown(c.pendingEdit.body), editPending: true };
  return fullView(c);
}

/** What a reader sees: removed and deleted comments as tombstones, pending ones not at all. */
export function readerView(c: StoredComment): Comment | null {
  if (c.status === 'pending') return null;
  if (c.status === 'removed' || c.status === 'deleted') return { ...fullView(c), author: null, body: null, doc: null };
  return fullView(c);
}

export function viewFor(c: StoredComment, viewer: Viewer): Comment | null {
  if (viewer?.role === 'moderator') return modView(c);
  if (viewer && viewer.id === c.author.id && (c.status === 'pending' || c.status === 'visible')) return authorView(c);
  return readerView(c);
}

/**
 * An event as a reader or a moderator receives it. Live events and catch-up use the same rule:
 * readers never get more than the thread shows them now.
 */
export function eventView(e: StoredEvent, moderator: boolean): ThreadEvent {
  const comment = e.comment ? (moderator ? modView(e.comment) : readerView(e.comment)) : null;
  // An event without its comment (a later one carries it, or readers may not see it: a comment
  // held after it was public) still says which comment it is about.
  const id = e.comment?.id ?? e.commentId ?? null;
  const about = comment === null && id ? { commentId: id } : {};
  // Live events say how many comments the article shows now (the header count stays right).
  const count = e.count !== undefined ? { count: e.count } : {};
  return { articleId: e.articleId, epoch: e.epoch, seq: e.seq, type: e.type, comment, ...about, ...count, at: e.at };
}

export function viewAll(comments: StoredComment[], viewer: Viewer): Comment[] {
  const out: Comment[] = [];
  for (const c of comments) {
    const v = viewFor(c, viewer);
    if (v) out.push(v);
  }
  return out;
}
