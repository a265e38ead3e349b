/**
 * The wire contract of PROTOCOL.md sections 2 and 5 as zod schemas.
 * Used by the server to validate every payload and by the client for its types.
 * Imports only zod and the dependency-free modules beside it.
 */
import { z } from 'zod';
import { ARTICLE_ID_RE } from './constants.js';
import type { Doc } from './markdown.js';
import { BAN_DURATIONS } from './moderation.js';
import { cleanName, cleanText, isInvisibleOnly } from './text.js';
export { EMPTY_EPOCH } from './constants.js';
export { capMarkRuns, cleanName, cleanText, isInvisibleOnly, MARK_RUN_MAX } from './text.js';

export const ERROR_CODES = [
  'invalid_input',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'banned',
  'thread_closed',
  'edit_window_closed',
  'conflict',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ROLES = ['commenter', 'moderator'] as const;
export type Role = (typeof ROLES)[number];

export const DEFAULT_COMMENT_MAX_LENGTH = 5000;
export const NAME_MAX_LENGTH = 80;
/** One Socket.IO packet, at most (`maxHttpBufferSize`). */
export const MAX_PACKET_BYTES = 64 * 1024;
import { PAGE_ROOTS } from './constants.js';
export { PAGE_ROOTS } from './constants.js';
/** Replies per root thread in a snapshot: the newest ones; earlier ones come with `thread:replies`. */
export const SNAPSHOT_REPLIES = 20;
/** Replies per `thread:replies` page. */
export const REPLIES_PAGE = 50;

/**
 * A cleaned, non-blank text of 1..max characters (code points). `clean` is {@link cleanText}
 * for bodies and reasons, {@link cleanName} for names.
 */
export function cleanTextSchema(max: number, what: string, clean: (raw: string) => string = cleanText) {
  return z
    .string()
    .max(max * 4 + 1024, { message: `${what} is too long` })
    .transform(clean)
    .superRefine((text, ctx) => {
      if (text.length === 0 || isInvisibleOnly(text)) {
        ctx.addIssue({ code: 'custom', message: `${what} is empty` });
      } else if ([...text].length > max) {
        ctx.addIssue({ code: 'custom', message: `${what} is longer than ${max} characters` });
      }
    });
}

export const ArticleId = z
  .string()
  .min(1)
  .max(256)
  .regex(ARTICLE_ID_RE, { message: 'articleId may contain letters, digits and -_.~:/@%+ only' });
export const CommentId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'not a comment id' });
export const ClientId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'not a client id' });
export const UserId = z.string().min(1).max(128);
export const DisplayName = cleanTextSchema(NAME_MAX_LENGTH, 'name', cleanName);
export const Epoch = z.string().min(1).max(64);
export const Seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const Cursor = z.string().min(1).max(32).regex(/^\d+$/, { message: 'not a cursor' });

export const SORTS = ['newest', 'oldest', 'top'] as const;
/** The orders of root threads: newest first (the default), oldest first, top (net votes, then the older). */
export const Sort = z.enum(SORTS);
export type Sort = z.infer<typeof Sort>;

export const CommentStatus = z.enum(['visible', 'pending', 'removed', 'deleted']);
export type CommentStatus = z.infer<typeof CommentStatus>;

/** `staff`: the author wrote it as a moderator (the widget shows a badge). */
export const Author = z.object({ id: z.string(), name: z.string(), staff: z.literal(true).optional() });
export type Author = z.infer<typeof Author>;

export const PendingEditView = z.object({ body: z.string(), at: z.string(), reason: z.string() });

export const Comment = z.object({
  id: z.string(),
  articleId: z.string(),
  parentId: z.string().nullable(),
  /** The root comment of its thread (itself for a root). */
  rootId: z.string(),
  author: Author.nullable(),
  /** The Markdown source, as written (for editing; renderers use `doc`). */
  body: z.string().nullable(),
  /** The body as a safe document (shared/markdown.ts), null for a tombstone. */
  doc: z.custom<Doc>().nullable().optional(),
  status: CommentStatus,
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  replyCount: z.number().int().nonnegative(),
  /** Votes: in snapshots, pages and replies (live events leave them out: `thread:scores` carries them). */
  up: z.number().int().nonnegative().optional(),
  down: z.number().int().nonnegative().optional(),
  /** The viewer's own vote, when there is one (snapshots, pages, replies). */
  myVote: z.union([z.literal(1), z.literal(-1)]).optional(),
  /** Only for its author: an edit of theirs waits for a moderator (`body` is that edit). */
  editPending: z.literal(true).optional(),
  /**
   * Only for moderators: why it is held or was removed, its version (approve names the version
   * the moderator saw) and an edit waiting for review.
   */
  moderation: z
    .object({
      heldReason: z.string().nullable(),
      removedReason: z.string().nullable(),
      version: z.number().int(),
      pendingEdit: PendingEditView.nullable(),
    })
    .optional(),
});
export type Comment = z.infer<typeof Comment>;

export const EventType = z.enum([
  'comment.created',
  'comment.edited',
  'comment.deleted',
  'comment.removed',
  'comment.restored',
  'comment.hidden',
  'thread.closed',
  'thread.reopened',
]);
export type EventType = z.infer<typeof EventType>;

export const ThreadEvent = z.object({
  articleId: z.string(),
  epoch: z.string(),
  seq: z.number().int().positive(),
  type: EventType,
  comment: Comment.nullable(),
  /** Live events: the article's visible comments after this one. */
  count: z.number().int().nonnegative().optional(),
  /** In a catch-up answer, an event whose comment a later event carries: which comment it is about. */
  commentId: z.string().optional(),
  at: z.string(),
});
export type ThreadEvent = z.infer<typeof ThreadEvent>;

/** Builds the payload schemas; the body limit is configurable (`COMMENT_MAX_LENGTH`). */
export function payloadSchemas(commentMaxLength = DEFAULT_COMMENT_MAX_LENGTH) {
  const Body = cleanTextSchema(commentMaxLength, 'body');
  return {
    'thread:join': z.strictObject({
      articleId: ArticleId,
      since: Seq.optional(),
      epoch: Epoch.optional(),
      /** With `since`: the scores version the client has; the answer carries the counts changed after it. */
      scores: Seq.optional(),
      sort: Sort.optional(),
      /** A permalink: the page that holds this comment and its root thread. */
      around: CommentId.optional(),
    }),
    'thread:leave': z.strictObject({ articleId: ArticleId }),
    'thread:page': z
      .strictObject({
        articleId: ArticleId,
        sort: Sort.optional(),
        /** newest and oldest: continue after this cursor (or, with `backward`, before it). */
        cursor: Cursor.optional(),
        backward: z.boolean().optional(),
        /** top: these root threads, in this order (from `rank`). */
        roots: z.array(CommentId).min(1).max(PAGE_ROOTS).optional(),
      })
      .refine((p) => (p.cursor === undefined) !== (p.roots === undefined), { message: 'give a cursor or, for top, the roots' }),
    'thread:replies': z.strictObject({ articleId: ArticleId, rootId: CommentId, cursor: Cursor, later: z.boolean().optional() }),
    'comment:vote': z.strictObject({
      articleId: ArticleId,
      commentId: CommentId,
      value: z.union([z.literal(1), z.literal(-1), z.literal(0)]),
    }),
    'thread:typing': z.strictObject({ articleId: ArticleId }),
    'comment:post': z.strictObject({
      articleId: ArticleId,
      body: Body,
      parentId: CommentId.nullish(),
      clientId: ClientId.optional(),
    }),
    'comment:edit': z.strictObject({ articleId: ArticleId, commentId: CommentId, body: Body }),
    'comment:preview': z.strictObject({ body: Body }),
    'comment:delete': z.strictObject({ articleId: ArticleId, commentId: CommentId }),
    'comment:report': z.strictObject({
      articleId: ArticleId,
      commentId: CommentId,
      reason: cleanTextSchema(500, 'reason').optional(),
    }),
    'mod:remove': z.strictObject({
      articleId: ArticleId,
      commentId: CommentId,
      reason: cleanTextSchema(500, 'reason').optional(),
    }),
    'mod:restore': z.strictObject({ articleId: ArticleId, commentId: CommentId }),
    'mod:approve': z.strictObject({
      articleId: ArticleId,
      commentId: CommentId,
      /** The version the moderator saw (`comment.moderation.version`): a later edit is not approved with it. */
      version: z.number().int().positive().optional(),
    }),
    'mod:ban': z.strictObject({
      userId: UserId,
      reason: cleanTextSchema(500, 'reason').optional(),
      removeComments: z.boolean().optional(),
      /** How long (default permanent). */
      duration: z.enum(BAN_DURATIONS).optional(),
      /** For a guest, the address they wrote from too (default true). */
      address: z.boolean().optional(),
    }),
    'mod:hold': z.strictObject({ userId: UserId, hold: z.boolean(), reason: cleanTextSchema(500, 'reason').optional() }),
    'mod:note': z.strictObject({ userId: UserId, text: cleanTextSchema(1000, 'note') }),
    'mod:bans': z.strictObject({}),
    'mod:articles': z.strictObject({}),
    'mod:search': z
      .strictObject({ text: cleanTextSchema(200, 'text').optional(), author: z.string().trim().min(1).max(128).optional() })
      .refine((q) => q.text !== undefined || q.author !== undefined, { message: 'search by text or by author' }),
    'mod:user': z.strictObject({ userId: UserId }),
    'mod:unban': z.strictObject({ userId: UserId }),
    /** Erases a user: their comments become tombstones, their name and text leave the store. */
    'mod:erase': z.strictObject({ userId: UserId }),
    /** The signed-in user erases themselves (GDPR article 17). */
    'me:erase': z.strictObject({}),
    'mod:close': z.strictObject({ articleId: ArticleId, closed: z.boolean() }),
    /** `since`: the last activity `seq` this console saw (after a reconnect): what came after it. */
    'mod:watch': z.strictObject({ since: Seq.optional() }),
    guestSession: z.strictObject({ name: DisplayName }),
  } as const;
}
export type PayloadSchemas = ReturnType<typeof payloadSchemas>;
export type Payload<K extends keyof PayloadSchemas> = z.output<PayloadSchemas[K]>;
export type PayloadIn<K extends keyof PayloadSchemas> = z.input<PayloadSchemas[K]>;

export const TokenClaims = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(NAME_MAX_LENGTH),
  role: z.enum(ROLES),
  /** Where reply e-mails go, used only with `email_verified: true` (the host checked it) and when it is an address. */
  email: z.string().max(320).optional(),
  email_verified: z.boolean().optional(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  issues?: unknown;
  retryAfterMs?: number;
}

export interface Snapshot {
  articleId: string;
  epoch: string;
  head: number;
  /** The order of its root threads. */
  sort?: Sort;
  /** Visible comments of the article (not the number loaded). */
  count?: number;
  /** The article's scores version: `thread:scores` pushes with a lower one are older news. */
  scoresVersion?: number;
  comments: Comment[];
  /** newest and oldest: the cursor for the next page; null when there is nothing more. */
  cursor: string | null;
  /** A permalink's page: the cursor for the threads on its other side (newer in newest order). */
  before?: string | null;
  /** top: the ids of the root threads ranked after this page (ask for them with `thread:page { roots }`). */
  rank?: string[];
  /** rootId → cursor of that thread's earlier replies (`thread:replies`), for threads with more. */
  replyCursors?: Record<string, string>;
  /** A permalink's page: rootId → cursor of that thread's later replies (`thread:replies { later }`). */
  laterReplies?: Record<string, string>;
  /** A permalink's page: the comment it was asked for. */
  target?: string;
  /** How long an author may edit a comment, from its creation. */
  editWindowSeconds?: number;
  closed?: boolean;
  reset?: true;
}

export interface CatchUp {
  articleId: string;
  epoch: string;
  /** The article's last seq when answered. */
  head: number;
  events: ThreadEvent[];
  /** The answer stopped at its size bound: join again with `since` = the last event's seq. */
  more?: true;
  /** Visible comments of the article now. */
  count?: number;
  /** Asked with `scores`: the counts changed since, and the version they bring the client to. */
  scores?: Record<string, [number, number]>;
  scoresVersion?: number;
}

/** `thread:scores`: vote counts that changed, pushed at most about once a second per node. */
export interface ScoresPayload {
  articleId: string;
  version: number;
  scores: Record<string, [number, number]>;
}

export type JoinResult = Snapshot | CatchUp;

export function isCatchUp(r: JoinResult): r is CatchUp {
  return 'events' in r;
}
