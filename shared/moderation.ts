/**
 * The moderation wire types, declared once for the server, the SDK and the console. Types only:
 * browser bundles import them without pulling in zod.
 */
import type { Comment } from './schemas.js';

/** One report of a comment. */
export interface Report {
  userId: string;
  reason: string | null;
  at: string;
}

/** A held or reported comment waiting for a moderator (`mod:watch`, `GET /api/moderation/queue`). */
export interface QueueItem {
  articleId: string;
  reason: 'held' | 'reported';
  at: string;
  comment: Comment;
  reports: Report[];
}

export type AuditAction = 'remove' | 'restore' | 'approve' | 'ban' | 'unban' | 'close' | 'reopen';

/** One moderator action in the audit log (`GET /api/moderation/log`, `mod:event.audit`). */
export interface AuditEntry {
  id: string;
  at: string;
  moderator: { id: string; name: string };
  action: AuditAction;
  articleId: string | null;
  commentId: string | null;
  userId: string | null;
  reason: string | null;
}

/** What moderators hear of (`mod:event.type`): the public event types and the moderation ones. */
export type ModEventType =
  | 'comment.created'
  | 'comment.held'
  | 'comment.reported'
  | 'comment.removed'
  | 'comment.restored'
  | 'comment.approved'
  | 'comment.edited'
  | 'comment.deleted'
  | 'user.banned'
  | 'user.unbanned'
  | 'thread.closed'
  | 'thread.reopened';

/** `mod:event`, to moderators watching. */
export interface ModEventPayload {
  type: ModEventType;
  articleId: string | null;
  comment: Comment | null;
  report?: { userId: string; reason: string | null };
  /** Present when a moderator did it: the audit log entry. */
  audit?: AuditEntry;
}
