/**
 * The ports the core depends on. Each states what it guarantees, not how.
 */
import type { CommentStatus, EventType, Role } from '../../shared/schemas.js';

/** A signed-in user (token or guest); `null` where the viewer is anonymous. */
export interface User {
  id: string;
  name: string;
  role: Role;
  guest?: boolean;
}
export type Viewer = User | null;

/** A comment as the store keeps it: the public shape plus what only the server needs. */
export interface StoredComment {
  id: string;
  articleId: string;
  parentId: string | null;
  /** The root of its thread (itself for a root comment). */
  rootId: string;
  author: { id: string; name: string };
  body: string;
  status: CommentStatus;
  createdAt: string;
  editedAt: string | null;
  /** Direct replies that are public (not pending). */
  replyCount: number;
  /** Per-article creation order; orders root threads and pages. */
  order: number;
  /** Bumped by every change; optimistic concurrency for updates. */
  version: number;
  /** Why it is held, when pending. */
  heldReason?: string | null;
  /** Moderator's reason, when removed. */
  removedReason?: string | null;
  /** The status it had when a moderator removed it (a restore goes back to it). */
  removedFrom?: 'visible' | 'pending' | null;
}

export interface StoredEvent {
  articleId: string;
  epoch: string;
  seq: number;
  type: EventType;
  comment: StoredComment | null;
  at: string;
}

export interface NewComment {
  id: string;
  articleId: string;
  parentId: string | null;
  rootId: string;
  author: { id: string; name: string };
  body: string;
  status: 'visible' | 'pending';
  createdAt: string;
}

export type CreateResult =
  | { kind: 'created'; comment: StoredComment; event: StoredEvent | null }
  | { kind: 'duplicate'; comment: StoredComment }
  | { kind: 'closed' };

export type UpdateResult =
  | { kind: 'updated'; comment: StoredComment; event: StoredEvent | null }
  | { kind: 'conflict' }
  | { kind: 'not_found' };

export interface SnapshotPage {
  epoch: string;
  head: number;
  closed: boolean;
  /** Root threads newest first, each root followed by its replies in creation order. */
  comments: StoredComment[];
  cursor: string | null;
}

export type EventsSince =
  | { kind: 'events'; epoch: string; head: number; events: StoredEvent[] }
  | { kind: 'gone'; epoch: string | null; head: number };

/**
 * Where comments and the per-article event log live.
 *
 * Guarantees, per article:
 * - Every write that produces a public event takes the next `seq` (1, 2, 3, … with no gap) and
 *   appends the event to the log in the same atomic step as the comment change: a reader can never
 *   see a comment change without its event, or an event without its change.
 * - `epoch` is created with the article's first write and changes only when its history is lost.
 * - The log keeps at least the last `logSize` events; `eventsSince` answers `gone` past that.
 * - `create` with a `clientKey` already used by the same author stores nothing and returns the
 *   existing comment.
 * - An acknowledged write (resolved promise) is in the store; a rejected one may or may not be.
 */
export interface CommentStore {
  create(input: {
    comment: NewComment;
    clientKey: string | null;
    /** Produce a public `comment.created` event (false for a held comment). */
    publish: boolean;
    rejectIfClosed: boolean;
    epochCandidate: string;
    at: string;
  }): Promise<CreateResult>;

  get(articleId: string, commentId: string): Promise<StoredComment | null>;

  /** Replaces a comment if its version is still `expectedVersion`. */
  update(input: {
    articleId: string;
    expectedVersion: number;
    next: StoredComment;
    eventType: EventType | null;
    /** Change to the article's visible-comment count. */
    visibleDelta: number;
    /** Change to the parent's `replyCount` (an approved reply). */
    parentReplyDelta: number;
    epochCandidate: string;
    at: string;
  }): Promise<UpdateResult>;

  /** Opens or closes a thread; emits `thread.closed`/`thread.reopened` only on a change. */
  setClosed(input: { articleId: string; closed: boolean; epochCandidate: string; at: string }): Promise<StoredEvent | null>;

  snapshot(articleId: string, cursor: string | null, limit: number): Promise<SnapshotPage>;
  eventsSince(articleId: string, since: number): Promise<EventsSince>;
  /** Visible comments per article. */
  counts(articleIds: string[]): Promise<Record<string, number>>;
  /** The epoch and last `seq` of each article (cheap: no comment is read). */
  heads(articleIds: string[]): Promise<Record<string, { epoch: string; head: number }>>;
  ping(): Promise<void>;
  close(): Promise<void>;

  /** The comment an idempotency key already stored, if any. */
  findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null>;

  // ── moderation ──
  /** Adds one report; false when this user already reported this comment. Queues the comment. */
  addReport(articleId: string, commentId: string, report: Report): Promise<boolean>;
  reports(articleId: string, commentId: string): Promise<Report[]>;
  /** Held and reported comments waiting for a moderator, oldest first. */
  queue(limit: number): Promise<QueueEntry[]>;
  /** Takes a comment off the queue (approved, removed or dismissed). */
  dequeue(articleId: string, commentId: string): Promise<void>;
  /** Bans or unbans; resolves true when that changed something. */
  setBan(userId: string, banned: boolean): Promise<boolean>;
  isBanned(userId: string): Promise<boolean>;
  /** Every comment a user wrote (any status), by article. */
  userComments(userId: string): Promise<{ articleId: string; commentId: string }[]>;
  /** Appends to the audit log, which keeps every moderator action in order. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` audit entries, oldest first. */
  auditLog(limit: number): Promise<AuditEntry[]>;
  /**
   * Claims a body for a user for `ttlSeconds`; false when the same user posted the same body
   * (by hash) within that time under another clientId.
   */
  claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean>;
}

export interface Report {
  userId: string;
  reason: string | null;
  at: string;
}

export interface QueueEntry {
  articleId: string;
  commentId: string;
  reason: 'held' | 'reported';
  at: string;
}

export type AuditAction = 'remove' | 'restore' | 'approve' | 'ban' | 'unban' | 'close' | 'reopen';

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

export interface ModEvent {
  type: ModEventType;
  articleId: string | null;
  comment: StoredComment | null;
  report?: { userId: string; reason: string | null };
  audit?: AuditEntry;
}

/** Pushes to sockets on every node. At-most-once: readers recover through `seq` and the log. */
export interface Notifier {
  /** A committed public event, to every reader of its article. */
  publish(event: StoredEvent): void;
  /** To every moderator watching the queue (`mod:watch`). */
  moderators(event: ModEvent): void;
}

/** Per-user and per-address limits, shared by every node. */
export interface RateLimiter {
  /** Takes one point from `key`'s bucket; throws DomainError('rate_limited') with retryAfterMs when empty. */
  consume(bucket: RateBucket, key: string): Promise<void>;
}
export type RateBucket = 'post' | 'guest' | 'report';

export interface Clock {
  now(): Date;
}

export interface Ids {
  commentId(): string;
  epoch(): string;
}
