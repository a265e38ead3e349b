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

export type AuditAction = 'remove' | 'restore' | 'approve' | 'ban' | 'unban' | 'hold' | 'unhold' | 'note' | 'close' | 'reopen' | 'erase';

export const BAN_DURATIONS = ['1h', '1d', '7d', 'permanent'] as const;
export type BanDuration = (typeof BAN_DURATIONS)[number];

/** A ban in force, as moderators see it (`GET /api/moderation/bans`). */
export interface BanView {
  userId: string;
  /** When it ends (ISO); null: for good. */
  until: string | null;
  reason: string | null;
  by: { id: string; name: string };
  at: string;
  /** It also covers the address the guest wrote from (never shown). */
  address: boolean;
}

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
  | 'user.held'
  | 'user.unheld'
  | 'user.noted'
  | 'user.erased'
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
  /** user.banned: the ban. */
  ban?: BanView;
  /** Its place in the activity log (`mod:watch { since }` continues after it). */
  seq?: number;
}

/** One entry of the activity feed (`mod:watch`), with its comment as moderators see it. */
export interface ActivityView {
  seq: number;
  at: string;
  type: ModEventType;
  articleId: string | null;
  userId: string | null;
  comment: Comment | null;
}

/** A user as moderators look them up (`mod:user`). */
export interface UserCard {
  userId: string;
  /** The name on their newest comment. */
  name: string | null;
  /** All their comments, any status. */
  total: number;
  /** The newest 100, across articles. */
  comments: Comment[];
  /** Reports against those comments. */
  reports: { articleId: string; commentId: string; reports: Report[] }[];
  ban: BanView | null;
  hold: { by: { id: string; name: string }; at: string; reason: string | null } | null;
  notes: { id: string; by: { id: string; name: string }; at: string; text: string }[];
}

/** One article in the moderators' list (`mod:articles`): the most recently active first. */
export interface ArticleSummaryView {
  articleId: string;
  lastAt: string;
  visible: number;
  held: number;
  reported: number;
  closed: boolean;
  /** Readers now, across nodes (null when unknown). */
  readers: number | null;
}

/** How an endpoint of WEBHOOK_URLS is written to: Standard Webhooks, or a chat's message. */
export type WebhookFormat = 'standard' | 'slack' | 'discord';

/** One webhook endpoint as moderators see it (`GET /api/moderation/webhooks`). */
export interface WebhookEndpointStatus {
  key: string;
  /** Scheme, host and format, never the path (Slack's URLs are secrets). */
  label: string;
  format: WebhookFormat;
  failing: boolean;
  failures: number;
  failingSince: string | null;
  retryAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
}

/** One attempt to deliver (or a test send), for the console. */
export interface WebhookDelivery {
  at: string;
  /** The endpoint's label: scheme, host and format, never its path (Slack's URLs are secrets). */
  endpoint: string;
  webhookId: string;
  type: string;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  ok: boolean;
  latencyMs: number;
  error: string | null;
}
