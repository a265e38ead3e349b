/**
 * The ports the core depends on. Each states what it guarantees, not how.
 */
import type { Doc } from '../../shared/markdown.js';
import type { AuditEntry, BanView, ModEventType, Report, WebhookDelivery } from '../../shared/moderation.js';
import type { CommentStatus, EventType, Role } from '../../shared/schemas.js';

export type { AuditAction, AuditEntry, ModEventType, Report, WebhookDelivery } from '../../shared/moderation.js';

/** A signed-in user (token or guest); `null` where the viewer is anonymous. */
export interface User {
  id: string;
  name: string;
  role: Role;
  guest?: boolean;
  /** When the token stops granting anything (ms since the epoch); absent: never. */
  expiresAt?: number;
}
export type Viewer = User | null;

/** An edit held for review: readers keep the comment's current body until a moderator approves it. */
export interface PendingEdit {
  body: string;
  at: string;
  reason: string;
}

/** A comment as the store keeps it: the public shape plus what only the server needs. */
export interface StoredComment {
  id: string;
  articleId: string;
  parentId: string | null;
  /** The root of its thread (itself for a root comment). */
  rootId: string;
  /** `staff`: written by a moderator. `email`: an imported author's, server-side only (never in a view). */
  author: { id: string; name: string; staff?: boolean; email?: string };
  body: string;
  /** Where an imported comment came from (its source and id there): a re-run finds it. */
  source?: { name: string; id: string } | null;
  /** The body rendered (core/markdown.ts), kept with it; absent for comments from before. */
  doc?: Doc;
  status: CommentStatus;
  createdAt: string;
  editedAt: string | null;
  /** Direct replies that are public (not pending). */
  replyCount: number;
  /** Per-article creation order; orders root threads and pages. */
  order: number;
  /** Bumped by every change of the comment (not by votes); optimistic concurrency for updates. */
  version: number;
  /** Why it is held, when pending. */
  heldReason?: string | null;
  /** Moderator's reason, when removed. */
  removedReason?: string | null;
  /** The status it had when a moderator removed it (a restore goes back to it). */
  removedFrom?: 'visible' | 'pending' | null;
  /** An edit of a visible comment waiting for a moderator. */
  pendingEdit?: PendingEdit | null;
  /**
   * What the outside checks said of it and the request they were asked about (Akismet's
   * corrections need it). Server-only: never in a view.
   */
  review?: { ip: string | null; userAgent: string | null; referrer: string | null; verdicts: Record<string, string> } | null;
  /** Held after it was public (reports): approving brings it back as `comment.restored`. */
  heldFrom?: 'visible' | null;
  /** Votes, when read with the comment (snapshots, pages, replies); not part of its stored record. */
  up?: number;
  down?: number;
}

/** The fields an update may change; everything else of a comment is fixed at creation. */
export type CommentPatch = Partial<
  Pick<
    StoredComment,
    | 'body'
    | 'doc'
    | 'editedAt'
    | 'status'
    | 'heldReason'
    | 'heldFrom'
    | 'removedReason'
    | 'removedFrom'
    | 'pendingEdit'
    | 'review'
    // Only erasure (core/people.ts) changes who wrote it.
    | 'author'
  >
>;

/**
 * A public event. In the log it is only a reference (seq, type, comment id, time); whoever reads
 * it back gets the comment as it is *now*, so that no route can hand out text a moderator removed,
 * an author deleted or edited away.
 */
export interface StoredEvent {
  articleId: string;
  epoch: string;
  seq: number;
  type: EventType;
  /**
   * Live: the comment as this event left it. From the log: the comment as it is now, or null when
   * a later event of the same answer carries it (the reader applies that one).
   */
  comment: StoredComment | null;
  /** The comment the event is about, when `comment` is null (catch-up; null for thread events). */
  commentId?: string | null;
  at: string;
  /** Live events: the article's visible comments after it. */
  count?: number;
}

export interface NewComment {
  id: string;
  articleId: string;
  parentId: string | null;
  rootId: string;
  author: { id: string; name: string; staff?: boolean };
  body: string;
  /** The body rendered; readers render it when absent (comments from elsewhere). */
  doc?: Doc;
  /** `removed`: taken out before it was ever public (a moderation service said so). */
  status: 'visible' | 'pending' | 'removed';
  createdAt: string;
  heldReason?: string | null;
  removedReason?: string | null;
  removedFrom?: 'visible' | 'pending' | null;
  review?: StoredComment['review'];
}

export type CreateResult =
  | { kind: 'created'; comment: StoredComment; event: StoredEvent | null }
  | { kind: 'duplicate'; comment: StoredComment }
  | { kind: 'closed' };

export type UpdateResult =
  | { kind: 'updated'; comment: StoredComment; event: StoredEvent | null }
  | { kind: 'conflict' }
  | { kind: 'closed' }
  | { kind: 'not_found' };

/** How much one read may return: a count and a size in bytes (of the stored JSON). */
export interface ReadBounds {
  limit: number;
  maxBytes: number;
}

/** The orders a thread's root comments can be read in. */
export type Sort = 'newest' | 'oldest' | 'top';

/** Which root threads a page holds. */
export interface PageQuery extends ReadBounds {
  sort: Sort;
  /**
   * newest and oldest: the roots after this one in the sort's direction (exclusive); null from
   * the start. Creation order never changes, so a cursor never skips or repeats a thread.
   */
  cursor: string | null;
  /** newest and oldest: the roots before `cursor` instead, nearest first (a permalink's other side). */
  backward?: boolean;
  /**
   * top: these roots, in this order (the client holds the ranking its first page gave it, so that
   * votes between pages cannot skip or repeat a thread).
   */
  roots?: string[];
  /** top, first page: also rank up to this many roots after the page (`SnapshotPage.rank`). */
  rankAfter?: number;
  /** Replies per root thread: the newest ones. */
  replies: number;
}

export interface SnapshotPage {
  epoch: string;
  head: number;
  closed: boolean;
  /** Visible comments of the article. */
  count: number;
  /** The article's scores version (see `scoresSince`). */
  scoresVersion: number;
  /**
   * Root threads newest first, each root followed by the newest `replies` comments of its thread
   * (any depth) in creation order; fewer once `maxBytes` is reached (after one), the rest in
   * `replyCursors`.
   */
  comments: StoredComment[];
  /** Older root threads; null when none. */
  cursor: string | null;
  /** rootId → cursor of the thread's earlier replies, for roots with more than were returned. */
  replyCursors: Record<string, string>;
  /** top, first page: the ids of the roots ranked after this page, best first. */
  rank?: string[];
}

export interface RepliesPage {
  /** Earlier replies of one thread, in creation order. */
  comments: StoredComment[];
  /** Still earlier ones; null when none. */
  cursor: string | null;
}

export type EventsSince =
  | {
      kind: 'events';
      epoch: string;
      head: number;
      /** Visible comments of the article now. */
      count: number;
      events: StoredEvent[];
      /** The answer stopped at a bound. */
      more: boolean;
    }
  | { kind: 'gone'; epoch: string | null; head: number };

/**
 * Comments and the per-article event log.
 *
 * Guarantees, per article:
 * - What takes a `seq`: only what a reader must replay to see the thread as it is (a comment
 *   created, edited, deleted, removed, restored; a thread closed or reopened). Counters, votes,
 *   reports, presence and moderation decisions that readers do not see take none, so they never
 *   push comment events out of the log.
 * - Every write that takes a `seq` takes the next one (1, 2, 3, … with no gap) and appends the
 *   event to the log in the same atomic step as the comment change: a reader can never see a
 *   comment change without its event, or an event without its change.
 * - `epoch` is created with the article's first write and changes only when its history is lost.
 * - The log keeps at least the last `logSize` events; `eventsSince` answers `gone` past that.
 *   Log entries are references (at most about 120 bytes each), so the log is bounded in bytes too.
 * - Reads are bounded: `snapshot`, `replies` and `eventsSince` stop at their count and byte bounds
 *   (after at least one item, so that a reader always advances) and say where to continue.
 * - `create` with a `clientKey` already used stores nothing and returns the existing comment. Keys
 *   live for 24 hours.
 * - An acknowledged write (resolved promise) is in the store; a rejected one may or may not be.
 */
export interface ThreadStore {
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

  /**
   * Applies `patch` if the stored comment still matches `expect` (each given field equal), in one
   * atomic step with its event.
   */
  update(input: {
    articleId: string;
    commentId: string;
    expect: { version?: number; status?: CommentStatus };
    patch: CommentPatch;
    eventType: EventType | null;
    /** Change to the article's visible-comment count. */
    visibleDelta: number;
    /** Change to the parent's `replyCount` (an approved reply). */
    parentReplyDelta: number;
    /** Answer `closed` instead of writing when the thread is closed. */
    rejectIfClosed?: boolean;
    epochCandidate: string;
    at: string;
  }): Promise<UpdateResult>;

  /** Opens or closes a thread; emits `thread.closed`/`thread.reopened` only on a change. */
  setClosed(input: { articleId: string; closed: boolean; epochCandidate: string; at: string }): Promise<StoredEvent | null>;

  /**
   * `limit` root threads (fewer when `maxBytes` is reached), each with its newest `replies` replies
   * (fewer when `maxBytes` is reached: a thread of long replies does not make a join megabytes).
   */
  snapshot(articleId: string, query: PageQuery): Promise<SnapshotPage>;
  /**
   * The replies of one thread created before `cursor` (the newest `limit` of them), or with `later`
   * after it (the oldest `limit`); in creation order either way.
   */
  replies(articleId: string, rootId: string, page: { cursor: string; later?: boolean }, bounds: ReadBounds): Promise<RepliesPage>;
  /** Events after `since`, oldest first, each with the comment as it is now (see StoredEvent). */
  eventsSince(articleId: string, since: number, bounds: ReadBounds): Promise<EventsSince>;
  /** Visible comments per article. */
  counts(articleIds: string[]): Promise<Record<string, number>>;
  /** The epoch, last `seq` and scores version of each article (cheap: no comment is read). */
  heads(articleIds: string[]): Promise<Record<string, Head>>;
  /** The comment an idempotency key already stored, if any. */
  findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null>;
}

export interface Head {
  epoch: string;
  head: number;
  /** Bumped by every vote that changed a count; never a `seq`. */
  scores: number;
}

/**
 * Votes: one per user and comment, counted per comment. A vote takes no `seq` and never enters
 * the event log (it would push comment events out); it bumps the article's scores version
 * instead, and `scoresSince` tells what changed, so readers converge without an event per vote.
 */
export interface VoteStore {
  /** Sets `userId`'s vote on a comment (0 takes it back), atomically with its counts. */
  vote(input: {
    articleId: string;
    commentId: string;
    userId: string;
    value: -1 | 0 | 1;
    /** The comment's creation order when it is a root (Top ranks roots), else null. */
    rootOrder: number | null;
  }): Promise<VoteResult>;
  /** The votes `userId` gave among `commentIds` (absent: none). */
  myVotes(articleId: string, userId: string, commentIds: string[]): Promise<Record<string, 1 | -1>>;
  /** Counts changed after scores version `since`, at most `limit` comments; `more` when cut. */
  scoresSince(articleId: string, since: number, limit: number): Promise<ScoreChanges>;
}

export interface VoteResult {
  up: number;
  down: number;
  myVote: -1 | 0 | 1;
  /** False when the vote was already so (nothing written, no version bumped). */
  changed: boolean;
  /** The article's scores version after it. */
  version: number;
}

export interface ScoreChanges {
  version: number;
  /** commentId → [up, down]. */
  scores: Record<string, [number, number]>;
  more: boolean;
}

/** The moderation queue, reports, bans and what moderators look up about users. */
export interface ModerationStore {
  /** Adds one report; false when this user already reported this comment. Queues the comment. */
  addReport(articleId: string, commentId: string, report: Report): Promise<boolean>;
  reports(articleId: string, commentId: string): Promise<Report[]>;
  /** Puts a comment (back) on the queue as held, e.g. an edit waiting for review. */
  enqueueHeld(articleId: string, commentId: string, at: string): Promise<void>;
  /** Held and reported comments waiting for a moderator, oldest first. */
  queue(limit: number): Promise<QueueEntry[]>;
  /** Takes a comment off the queue (approved, removed or dismissed): both reasons, or one. */
  dequeue(articleId: string, commentId: string, reason?: QueueEntry['reason']): Promise<void>;
  /**
   * Bans a user (and, with `addressHash`, the address a guest used) until `until` (null: for good),
   * replacing a ban they had. Resolves false when an equal ban was already there.
   */
  ban(ban: Ban): Promise<boolean>;
  /** Lifts a user's ban and the address ban that came with it; resolves the ban lifted, or null. */
  unban(userId: string): Promise<Ban | null>;
  /** The ban in force at `now` for this user or (a guest's) address hash, if any; expired bans count as none. */
  activeBan(userId: string, addressHash: string | null, now: string): Promise<Ban | null>;
  /** The bans in force at `now`, newest first, at most `limit`. */
  bans(now: string, limit: number): Promise<Ban[]>;
  /** "Hold all their comments for review" (the soft alternative to a ban); null lifts it. False when nothing changed. */
  setHold(userId: string, hold: UserHold | null): Promise<boolean>;
  hold(userId: string): Promise<UserHold | null>;
  /** The address hash a user last wrote from (kept so that a ban can cover it). */
  noteAddress(userId: string, addressHash: string): Promise<void>;
  lastAddress(userId: string): Promise<string | null>;
  /** Moderators' notes about a user, oldest first. */
  addNote(userId: string, note: UserNote): Promise<void>;
  notes(userId: string, limit: number): Promise<UserNote[]>;
  /** Comments a user wrote (any status), oldest first, at most `limit` after the first `offset`. */
  userComments(userId: string, limit: number, offset?: number): Promise<{ articleId: string; commentId: string }[]>;
  /**
   * What moderators see happen, across articles, numbered (1, 2, 3, …): the console starts from
   * the recent past and catches up after a reconnect. Keeps the newest 10,000.
   */
  appendActivity(entry: Omit<ActivityEntry, 'seq'>): Promise<number>;
  /**
   * Entries after `since`, oldest first, at most `limit`; with `since` null, the newest `limit`
   * (before `before` when given: paging back), still oldest first.
   */
  activity(since: number | null, limit: number, before?: number): Promise<ActivityEntry[]>;
  /** Articles by their last comment, newest first, with their queue: the console's articles list. */
  touchArticle(articleId: string, at: string): Promise<void>;
  recentArticles(limit: number): Promise<ArticleSummary[]>;
  /** Remembers a moderator's display name, so that guests cannot take it (at most 1,000 kept). */
  addStaffName(name: string): Promise<void>;
  staffNames(): Promise<string[]>;
}

/** The audit log: every moderator action, in order. Keeps the newest 100,000. */
export interface AuditStore {
  appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` audit entries, oldest first. */
  auditLog(limit: number): Promise<AuditEntry[]>;
}

/** Short-lived facts for abuse checks. */
export interface AbuseStore {
  /**
   * Claims a body for a user for `ttlSeconds`; false when the same user posted the same body
   * (by hash) within that time under another clientId.
   */
  claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Notes that a body (by hash, any author) was posted on an article; resolves how many distinct
   * articles it was posted on within `ttlSeconds` (the same text posted across articles).
   */
  noteBody(bodyHash: string, articleId: string, ttlSeconds: number): Promise<number>;
}

export interface Ban {
  userId: string;
  /** When it ends (ISO); null: for good. */
  until: string | null;
  reason: string | null;
  by: { id: string; name: string };
  at: string;
  /** A guest's address (salted hash, IPv6 by /64): the ban covers it too. */
  addressHash: string | null;
}

export interface UserHold {
  by: { id: string; name: string };
  at: string;
  reason: string | null;
}

export interface UserNote {
  id: string;
  by: { id: string; name: string };
  at: string;
  text: string;
}

/** One thing moderators saw happen (a comment written, held, reported; an action). */
export interface ActivityEntry {
  seq: number;
  at: string;
  type: ModEventType;
  articleId: string | null;
  commentId: string | null;
  userId: string | null;
  /** The audit entry, for a moderator's action. */
  auditId: string | null;
}

export interface ArticleSummary {
  articleId: string;
  lastAt: string;
  visible: number;
  held: number;
  reported: number;
  closed: boolean;
}

/**
 * What is kept about a person beyond their comments, for their data rights (core/people.ts):
 * what they gave (votes, reports) and forgetting them.
 */
export interface PeopleStore {
  /** The votes a user gives now, at most `limit`. */
  userVotes(userId: string, limit: number): Promise<{ articleId: string; commentId: string; value: 1 | -1 }[]>;
  /** The reports a user made, oldest first, at most `limit`. */
  userReports(userId: string, limit: number): Promise<{ articleId: string; commentId: string; reason: string | null; at: string }[]>;
  /** Remembers that a user was erased at `at` (see `erasedAt`); done first, so nothing new arrives. */
  markErased(userId: string, at: string): Promise<void>;
  /**
   * Forgets a user once their comments are scrubbed (through `update`): the index of their
   * comments, votes and reports, their notes, hold and last address. Their votes stay counted but
   * no longer say whose they are.
   */
  forgetUser(userId: string): Promise<void>;
  /** When the user was erased, if ever: tokens issued before then no longer sign anyone in. */
  erasedAt(userId: string): Promise<string | null>;
}

/** A comment as an import writes it: as it was where it came from, votes included. */
export type ImportRecord = Omit<StoredComment, 'articleId' | 'order' | 'version' | 'replyCount'>;

/**
 * Importing and exporting a whole site (server/import, server/export).
 *
 * An import writes a thread's history as it was: no `seq`, no event, no live push per comment.
 * Once an article's comments are written, `rewriteHistory` gives it a new epoch and moves its
 * head past an emptied log: every reader's `since` then answers `gone`, and readers reload the
 * thread once (presence carries the new epoch and head to every open page within seconds).
 */
export interface ImportStore {
  /**
   * Writes the comments an article does not have yet (by id), in the order given (parents before
   * replies), with their status, times, votes and source; held ones join the moderation queue.
   * Counts (visible, replies) follow. Resolves the ids written; at most 500 records per call.
   */
  importComments(articleId: string, records: ImportRecord[], epochCandidate: string): Promise<string[]>;
  /** A new epoch, the head one past an empty log: readers' positions in the old history are gone. */
  rewriteHistory(articleId: string, epoch: string): Promise<void>;
  /** Every article id, in pages (any order; Redis may repeat one while it grows: callers dedupe); `cursor` null when done. */
  articleIds(cursor: string | null, limit: number): Promise<{ ids: string[]; cursor: string | null }>;
  /** Every comment of an article, any status, in creation order, with their votes (`up`, `down`). */
  articleComments(articleId: string): Promise<StoredComment[]>;
  /** Whether an article is closed (false for an unknown one). */
  isClosed(articleId: string): Promise<boolean>;
}

/**
 * What webhook delivery keeps between attempts, shared by every node (server/notify/webhooks.ts).
 * Deliveries are driven from the event log and the activity log, not from Pub/Sub: this port only
 * says which articles changed, how far each endpoint got, and who is delivering.
 *
 * An endpoint is named by a short key derived from its URL (never the URL itself).
 *
 * Guarantees:
 * - **Change feed.** `markChanged(articleId)` gives the article the next mark of one counter
 *   shared by every node (1, 2, 3, …, strictly increasing, never reused, atomic with the write of
 *   the mark) and keeps only the article's newest mark. `changedSince(after, limit)` answers the
 *   articles whose mark is greater than `after`, lowest mark first, at most `limit`. So an
 *   endpoint that remembers the highest mark it finished never misses an article marked after it
 *   read the feed (that article comes back with a higher mark). The feed keeps the newest
 *   100,000 articles; `head` is the last mark given (0 before the first).
 * - **Cursors.** One per endpoint and article: the epoch and the last `seq` delivered; absent
 *   until set. `setCursor` overwrites.
 * - **State.** One JSON-able record per endpoint (`WebhookEndpointState`), read and overwritten
 *   whole; absent until first written.
 * - **Lease.** `claimLease(endpoint, holder, ttlMs)` succeeds when no one holds the lease, or
 *   `holder` does (then it is renewed), and then the lease is `holder`'s for `ttlMs` from this
 *   call; it fails while another holder's lease runs. One atomic step. `releaseLease` ends it
 *   only if `holder` holds it. A holder renews before each delivery, so two nodes never deliver
 *   for one endpoint at once (as long as a delivery is shorter than the lease).
 * - **Delivery log.** `appendDelivery` keeps the newest 200 entries (all endpoints);
 *   `deliveries(limit)` answers the newest `limit`, newest first.
 */
export interface WebhookStore {
  markChanged(articleId: string): Promise<number>;
  changedSince(after: number, limit: number): Promise<{ head: number; articles: { articleId: string; mark: number }[] }>;
  cursor(endpoint: string, articleId: string): Promise<WebhookCursor | null>;
  setCursor(endpoint: string, articleId: string, cursor: WebhookCursor): Promise<void>;
  endpointState(endpoint: string): Promise<WebhookEndpointState | null>;
  setEndpointState(endpoint: string, state: WebhookEndpointState): Promise<void>;
  claimLease(endpoint: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLease(endpoint: string, holder: string): Promise<void>;
  appendDelivery(entry: WebhookDelivery): Promise<void>;
  deliveries(limit: number): Promise<WebhookDelivery[]>;
}

/** How far an endpoint got in one article's event log. */
export interface WebhookCursor {
  epoch: string;
  seq: number;
}

/** An endpoint's progress and health (server/notify/webhooks.ts reads and writes it whole). */
export interface WebhookEndpointState {
  /** Events before this (ISO) are not delivered: when the endpoint was first seen. */
  since: string;
  /** The highest change-feed mark finished. */
  mark: number;
  /** The last activity-log entry handled (moderation events). */
  activity: number;
  /** Failed attempts in a row; 0 when the last one succeeded. */
  failures: number;
  /** When the current run of failures began (ISO), or null. */
  failingSince: string | null;
  /** No attempt before this (ISO), or null. */
  retryAt: string | null;
  /** Still failing after the retry period (WEBHOOK_FAIL_AFTER_MS). */
  failing: boolean;
  lastSuccessAt: string | null;
  lastError: string | null;
  /** A replay asked for (ISO), done by the node that holds the lease. */
  replaySince: string | null;
}

/**
 * Who wants e-mail, and the outbox (server/notify/mail.ts). Only the node holding the mail lease
 * (WebhookStore.claimLease with the endpoint `~mail`) writes batches, so none of these needs to be
 * atomic with another; each call on its own is.
 *
 * - `person`/`savePerson`: one record per user id, read and overwritten whole.
 * - `setFollower`/`followers`: who follows a thread (an article's root comment); at most 1,000
 *   per thread (later ones are refused: `setFollower` resolves false).
 * - `noteWatching`/`isWatching`: a user has the article open in a widget on some node; each note
 *   lasts `ttlMs` (nodes renew theirs every few seconds).
 * - `queueMail`: adds a comment to the batch `key` (one per recipient and thread), creating it
 *   with `sendAt` and `id` when there is none; an existing batch keeps its `sendAt` and `id`.
 *   At most 50 comments per batch (more are dropped; the e-mail says the thread has more).
 * - `dueMail(now, limit)`: batches with `sendAt` ≤ now, earliest first. `reschedule` moves one.
 * - `finishMail(key)`: removes a batch (sent, or nothing left to send).
 * - `lastMailed`/`setLastMailed`: when a recipient was last sent an e-mail about a thread (ms),
 *   for coalescing (and the moderators' queue digest); kept at least 48 hours.
 * - `setModerator`/`moderators`: the users last seen with a moderator's token carrying a verified
 *   address (they get e-mail about held and reported comments); at most 100 (later ones are not
 *   added).
 */
export interface MailStore {
  person(userId: string): Promise<MailPerson | null>;
  savePerson(person: MailPerson): Promise<void>;
  setFollower(articleId: string, rootId: string, userId: string, on: boolean): Promise<boolean>;
  followers(articleId: string, rootId: string, limit: number): Promise<string[]>;
  noteWatching(pairs: { userId: string; articleId: string }[], ttlMs: number): Promise<void>;
  isWatching(userId: string, articleId: string): Promise<boolean>;
  queueMail(
    batch: { key: string; id: string; userId: string; articleId: string; rootId: string; sendAt: number },
    commentId: string,
  ): Promise<'created' | 'added'>;
  dueMail(now: number, limit: number): Promise<MailBatch[]>;
  reschedule(key: string, sendAt: number): Promise<void>;
  finishMail(key: string): Promise<void>;
  lastMailed(userId: string, threadKey: string): Promise<number | null>;
  setLastMailed(userId: string, threadKey: string, at: number): Promise<void>;
  setModerator(userId: string, on: boolean): Promise<void>;
  moderators(): Promise<string[]>;
  /** Forgets a person (erasure): their record, when they were last mailed, the moderator mark; their follows are dropped by the caller. */
  forgetPerson(userId: string): Promise<void>;
}

/** What one person chose about e-mail. Never in a view for anyone else; never logged. */
export interface MailPerson {
  userId: string;
  name: string;
  /** The address e-mail goes to: from a token's verified `email`, or a guest's confirmed one. */
  email: string | null;
  /** An address given but not yet confirmed (double opt-in), and when. */
  pending: { email: string; at: string } | null;
  /** Reply e-mails on (the default) or off. */
  replies: boolean;
  /** `instant`: within a minute, then coalesced; `daily`: one digest a day. */
  digest: 'instant' | 'daily';
  /** Unsubscribed from everything (one-click unsubscribe with the scope `all`). */
  none: boolean;
  /** Threads followed, `articleId\nrootId`; at most 200. */
  follows: string[];
  /** Threads unsubscribed from (no e-mail about them at all), the same form; the newest 200. */
  muted: string[];
}

/** Comments waiting to be e-mailed to one person about one thread. */
export interface MailBatch {
  key: string;
  /** Stable for the batch: its Message-ID, so that a resend after a crash is recognisable. */
  id: string;
  userId: string;
  articleId: string;
  rootId: string;
  sendAt: number;
  commentIds: string[];
}

export interface CommentStore extends ThreadStore, VoteStore, ModerationStore, AuditStore, AbuseStore, PeopleStore, ImportStore {
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueEntry {
  articleId: string;
  commentId: string;
  reason: 'held' | 'reported';
  at: string;
}

export interface ModEvent {
  type: ModEventType;
  articleId: string | null;
  comment: StoredComment | null;
  report?: { userId: string; reason: string | null };
  audit?: AuditEntry;
  ban?: BanView;
  /** Its place in the activity log. */
  seq?: number;
}

/**
 * Told of every committed change, once the store has acknowledged it, in commit order within a
 * node. What a subscriber can rely on:
 * - **at most once**: a node that dies between the commit and the call never makes it, and
 *   nothing calls again. The socket fan-out is fine with that (readers recover through `seq` and
 *   the log). A subscriber that must see *every* event (e-mail, webhooks) keeps its own cursor in
 *   the event log (`ThreadStore.eventsSince`) and treats these calls only as a wake-up;
 * - **never before the ack's result is known**, and never for a write that failed;
 * - **isolated**: a subscriber that throws is logged and skipped; the write, its ack and the other
 *   subscribers go on. A subscriber must not block (queue work, return at once).
 * Subscribers are wired in one place, compose.ts.
 */
export interface CommitSubscriber {
  /** For logs and metrics. */
  readonly name: string;
  /** A committed public event (it took a `seq`). */
  publish?(event: StoredEvent): void;
  /** A change moderators watch: held, reported, approved, moderator actions, edits and deletions. */
  moderators?(event: ModEvent): void;
}

/** What the core calls: one subscriber, or all of them (see `fanOut`). */
export interface Notifier {
  publish(event: StoredEvent): void;
  moderators(event: ModEvent): void;
}

/** Where a request came from: for bans by address, spam checks and outside reviews. */
export interface RequestContext {
  /** The client's address (behind trusted proxies: the one they saw). */
  address: string;
  /** Its salted hash (an IPv6 address by its /64): what is stored and compared, never the address. */
  addressHash: string;
  userAgent: string | null;
  referrer: string | null;
}

/** A new or edited text as an outside check sees it. */
export interface ReviewDraft {
  id: string;
  articleId: string;
  parentId: string | null;
  body: string;
  author: { id: string; name: string; guest?: boolean };
  createdAt: string;
}

export type ExternalVerdict = { action: 'approve' | 'hold' | 'remove'; reason: string | null };

/**
 * An outside opinion on a text before it goes public: Akismet, a site's moderation service. Asked
 * with a timeout of its own; it answers null (no opinion) when it has none, fails or is too slow,
 * so that posting never waits longer than the timeout. Never throws.
 */
export interface ExternalCheck {
  readonly name: string;
  review(input: { kind: 'post' | 'edit'; comment: ReviewDraft; context: RequestContext | null }): Promise<ExternalVerdict | null>;
  /** A moderator said otherwise (published what it held, removed what it passed): tell the service. */
  correct?(input: { comment: StoredComment; spam: boolean }): Promise<void>;
}

/** Per-user and per-address limits, shared by every node. */
export interface RateLimiter {
  /** Takes one point from `key`'s bucket; throws DomainError('rate_limited') with retryAfterMs when empty. */
  consume(bucket: RateBucket, key: string): Promise<void>;
}
export type RateBucket = 'post' | 'edit' | 'vote' | 'guest' | 'report' | 'burst' | 'export';

export interface Clock {
  now(): Date;
}

export interface Ids {
  commentId(): string;
  epoch(): string;
}
