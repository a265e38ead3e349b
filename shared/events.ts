/**
 * Typed Socket.IO event maps shared by the server and the client (PROTOCOL.md §2).
 * Imports only the schemas' types.
 */
import type { Doc } from './markdown.js';
import type { CatchUp, Comment, ErrorBody, JoinResult, PayloadIn, ScoresPayload, ThreadEvent } from './schemas.js';
import type { ActivityView, ArticleSummaryView, BanView, ModEventPayload, QueueItem, UserCard } from './moderation.js';

export type { AuditEntry, ModEventPayload, QueueItem, Report } from './moderation.js';

/** Every acknowledgement: `{ ok: true, ...result }` or `{ ok: false, error }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export interface ClientToServerEvents {
  'thread:join': (payload: PayloadIn<'thread:join'>, ack: AckFn<JoinResult>) => void;
  'thread:leave': (payload: PayloadIn<'thread:leave'>, ack: AckFn) => void;
  'thread:page': (
    payload: PayloadIn<'thread:page'>,
    ack: AckFn<{ comments: Comment[]; cursor: string | null; replyCursors?: Record<string, string> }>,
  ) => void;
  'thread:replies': (payload: PayloadIn<'thread:replies'>, ack: AckFn<{ comments: Comment[]; cursor: string | null }>) => void;
  'thread:typing': (payload: PayloadIn<'thread:typing'>, ack: AckFn) => void;
  'comment:post': (payload: PayloadIn<'comment:post'>, ack: AckFn<{ comment: Comment }>) => void;
  'comment:edit': (payload: PayloadIn<'comment:edit'>, ack: AckFn<{ comment: Comment }>) => void;
  'comment:delete': (payload: PayloadIn<'comment:delete'>, ack: AckFn) => void;
  'comment:report': (payload: PayloadIn<'comment:report'>, ack: AckFn) => void;
  'comment:vote': (payload: PayloadIn<'comment:vote'>, ack: AckFn<{ up: number; down: number; myVote: -1 | 0 | 1 }>) => void;
  'comment:preview': (payload: PayloadIn<'comment:preview'>, ack: AckFn<{ doc: Doc }>) => void;
  'mod:remove': (payload: PayloadIn<'mod:remove'>, ack: AckFn) => void;
  'mod:restore': (payload: PayloadIn<'mod:restore'>, ack: AckFn) => void;
  'mod:approve': (payload: PayloadIn<'mod:approve'>, ack: AckFn) => void;
  'mod:ban': (payload: PayloadIn<'mod:ban'>, ack: AckFn) => void;
  'mod:unban': (payload: PayloadIn<'mod:unban'>, ack: AckFn) => void;
  'mod:close': (payload: PayloadIn<'mod:close'>, ack: AckFn) => void;
  'mod:watch': (payload: PayloadIn<'mod:watch'>, ack: AckFn<{ queue: QueueItem[]; activity: ActivityView[] }>) => void;
  'mod:hold': (payload: PayloadIn<'mod:hold'>, ack: AckFn) => void;
  'mod:note': (payload: PayloadIn<'mod:note'>, ack: AckFn) => void;
  /** Erases a user (PROTOCOL.md, People's data): how many comments became tombstones. */
  'mod:erase': (payload: PayloadIn<'mod:erase'>, ack: AckFn<{ userId: string; comments: number }>) => void;
  /** Erases the signed-in user. */
  'me:erase': (payload: PayloadIn<'me:erase'>, ack: AckFn<{ userId: string; comments: number }>) => void;
  'mod:bans': (payload: PayloadIn<'mod:bans'>, ack: AckFn<{ bans: BanView[] }>) => void;
  'mod:articles': (payload: PayloadIn<'mod:articles'>, ack: AckFn<{ articles: ArticleSummaryView[] }>) => void;
  'mod:search': (payload: PayloadIn<'mod:search'>, ack: AckFn<{ comments: Comment[] }>) => void;
  'mod:user': (payload: PayloadIn<'mod:user'>, ack: AckFn<UserCard>) => void;
}

export interface PresencePayload {
  articleId: string;
  readers: number;
  typing: number;
  /**
   * The article's epoch and last seq when counted (an addition to PROTOCOL.md): a client whose
   * own head is behind and gets no event to fill the gap catches up, so an event that Pub/Sub
   * dropped with nothing after it is not missed for long.
   */
  epoch?: string;
  head?: number;
}

export interface ServerToClientEvents {
  'thread:event': (event: ThreadEvent) => void;
  'thread:presence': (payload: PresencePayload) => void;
  'thread:resync': (payload: { articleId: string }) => void;
  /** Vote counts that changed, at most about once a second per node and article. */
  'thread:scores': (payload: ScoresPayload) => void;
  'mod:event': (payload: ModEventPayload) => void;
  /** The token's `exp` has passed: the socket is anonymous now; sign in again to write. */
  'session:expired': (payload: { reason: 'expired' | 'erased' }) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type { CatchUp, JoinResult };
