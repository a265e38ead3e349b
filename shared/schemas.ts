/**
 * The wire contract of PROTOCOL.md sections 2 and 5 as zod schemas.
 * Used by the server to validate every payload and by the client for its types.
 * Imports only zod and the dependency-free modules beside it.
 */
import { z } from 'zod';
import { ARTICLE_ID_RE } from './constants.js';
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
/** Root threads per snapshot or page (fewer when the page reaches its size bound). */
export const PAGE_ROOTS = 100;
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

export const CommentStatus = z.enum(['visible', 'pending', 'removed', 'deleted']);
export type CommentStatus = z.infer<typeof CommentStatus>;

export const Author = z.object({ id: z.string(), name: z.string() });
export type Author = z.infer<typeof Author>;

export const PendingEditView = z.object({ body: z.string(), at: z.string(), reason: z.string() });

export const Comment = z.object({
  id: z.string(),
  articleId: z.string(),
  parentId: z.string().nullable(),
  /** The root comment of its thread (itself for a root). */
  rootId: z.string(),
  author: Author.nullable(),
  body: z.string().nullable(),
  status: CommentStatus,
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  replyCount: z.number().int().nonnegative(),
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
  /** In a catch-up answer, an event whose comment a later event carries: which comment it is about. */
  commentId: z.string().optional(),
  at: z.string(),
});
export type ThreadEvent = z.infer<typeof ThreadEvent>;

/** Builds the payload schemas; the body limit is configurable (`COMMENT_MAX_LENGTH`). */
export function payloadSchemas(commentMaxLength = DEFAULT_COMMENT_MAX_LENGTH) {
  const Body = cleanTextSchema(commentMaxLength, 'body');
  return {
    'thread:join': z.strictObject({ articleId: ArticleId, since: Seq.optional(), epoch: Epoch.optional() }),
    'thread:leave': z.strictObject({ articleId: ArticleId }),
    'thread:page': z.strictObject({ articleId: ArticleId, cursor: Cursor }),
    'thread:replies': z.strictObject({ articleId: ArticleId, rootId: CommentId, cursor: Cursor }),
    'thread:typing': z.strictObject({ articleId: ArticleId }),
    'comment:post': z.strictObject({
      articleId: ArticleId,
      body: Body,
      parentId: CommentId.nullish(),
      clientId: ClientId.optional(),
    }),
    'comment:edit': z.strictObject({ articleId: ArticleId, commentId: CommentId, body: Body }),
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
    }),
    'mod:unban': z.strictObject({ userId: UserId }),
    'mod:close': z.strictObject({ articleId: ArticleId, closed: z.boolean() }),
    'mod:watch': z.strictObject({}),
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
  comments: Comment[];
  cursor: string | null;
  /** rootId → cursor of that thread's earlier replies (`thread:replies`), for threads with more. */
  replyCursors?: Record<string, string>;
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
}

export type JoinResult = Snapshot | CatchUp;

export function isCatchUp(r: JoinResult): r is CatchUp {
  return 'events' in r;
}
