/**
 * Every operation a client can ask for, declared once: the payload schema it takes (its name in
 * `payloadSchemas`, shared with the browser), what it runs in the core, and where it is reachable
 * over HTTP. The socket dispatch (gateway/handlers.ts) and the REST router (http/routes.ts) are
 * both built from this table, so an operation cannot work one way and not the other.
 *
 * Operations that need the connection itself (joining rooms, typing, watching the queue) are the
 * gateway's own and are not here.
 */
import type { Payload, PayloadSchemas } from '../shared/schemas.js';
import type { Discussion } from './core/discussion.js';
import type { ModeratorDesk } from './core/moderator-desk.js';
import type { People } from './core/people.js';
import type { RequestContext, Viewer } from './core/ports.js';

/** The core's use cases an operation may call. */
export interface Core {
  discussion: Discussion;
  desk: ModeratorDesk;
  people: People;
}

export interface HttpRoute {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path under /api; its parameters are payload fields. */
  path: string;
  /** Where the rest of the payload comes from. */
  from: 'body' | 'query' | 'none';
  /** Status of a success (200 unless said). */
  status?: number;
}

export interface Operation<K extends keyof PayloadSchemas> {
  run(core: Core, viewer: Viewer, payload: Payload<K>, context: RequestContext | null): Promise<object>;
  http?: HttpRoute;
}

const none = async (work: Promise<void>): Promise<object> => {
  await work;
  return {};
};

export const OPERATIONS: { [K in keyof PayloadSchemas]?: Operation<K> } = {
  'thread:page': { run: ({ discussion: d }, v, p) => d.page(v, p) },
  'thread:replies': {
    run: ({ discussion: d }, v, p) => d.replies(v, p),
    http: { method: 'get', path: '/articles/:articleId/comments/:rootId/replies', from: 'query' },
  },
  'comment:post': {
    run: async ({ discussion: d }, v, p, ctx) => ({ comment: await d.post(v, p, ctx) }),
    http: { method: 'post', path: '/articles/:articleId/comments', from: 'body', status: 201 },
  },
  'comment:edit': {
    run: async ({ discussion: d }, v, p, ctx) => ({ comment: await d.edit(v, p, ctx) }),
    http: { method: 'patch', path: '/articles/:articleId/comments/:commentId', from: 'body' },
  },
  'comment:delete': {
    run: ({ discussion: d }, v, p) => none(d.delete(v, p)),
    http: { method: 'delete', path: '/articles/:articleId/comments/:commentId', from: 'none' },
  },
  'comment:vote': {
    run: ({ discussion: d }, v, p) => d.vote(v, p),
    http: { method: 'post', path: '/articles/:articleId/comments/:commentId/vote', from: 'body' },
  },
  'comment:preview': { run: ({ discussion: d }, v, p) => d.preview(v, p), http: { method: 'post', path: '/preview', from: 'body' } },
  'comment:report': {
    run: ({ discussion: d }, v, p) => none(d.report(v, p)),
    http: { method: 'post', path: '/articles/:articleId/comments/:commentId/report', from: 'body' },
  },
  'mod:remove': {
    run: ({ discussion: d }, v, p) => none(d.remove(v, p)),
    http: { method: 'post', path: '/moderation/remove', from: 'body' },
  },
  'mod:restore': {
    run: ({ discussion: d }, v, p) => none(d.restore(v, p)),
    http: { method: 'post', path: '/moderation/restore', from: 'body' },
  },
  'mod:approve': {
    run: ({ discussion: d }, v, p) => none(d.approve(v, p)),
    http: { method: 'post', path: '/moderation/approve', from: 'body' },
  },
  'mod:ban': { run: ({ discussion: d }, v, p) => none(d.ban(v, p)), http: { method: 'post', path: '/moderation/ban', from: 'body' } },
  'mod:unban': { run: ({ discussion: d }, v, p) => none(d.unban(v, p)), http: { method: 'post', path: '/moderation/unban', from: 'body' } },
  'mod:hold': { run: ({ discussion: d }, v, p) => none(d.hold(v, p)), http: { method: 'post', path: '/moderation/hold', from: 'body' } },
  'mod:note': { run: ({ discussion: d }, v, p) => none(d.note(v, p)), http: { method: 'post', path: '/moderation/note', from: 'body' } },
  'mod:bans': { run: ({ discussion: d }, v) => d.bans(v), http: { method: 'get', path: '/moderation/bans', from: 'none' } },
  'mod:articles': { run: ({ desk }, v) => desk.articles(v), http: { method: 'get', path: '/moderation/articles', from: 'none' } },
  'mod:search': { run: ({ desk }, v, p) => desk.search(v, p), http: { method: 'get', path: '/moderation/search', from: 'query' } },
  'mod:user': { run: ({ desk }, v, p) => desk.user(v, p), http: { method: 'get', path: '/moderation/users/:userId', from: 'none' } },
  'mod:erase': { run: ({ people }, v, p) => people.eraseUser(v, p), http: { method: 'post', path: '/moderation/erase', from: 'body' } },
  'me:erase': { run: ({ people }, v) => people.eraseMe(v), http: { method: 'delete', path: '/me', from: 'none' } },
  'mod:close': { run: ({ discussion: d }, v, p) => none(d.close(v, p)), http: { method: 'post', path: '/moderation/close', from: 'body' } },
};

/** The table's entries with their names, typed loosely for the adapters that walk it. */
export function operations(): [keyof PayloadSchemas, Operation<keyof PayloadSchemas>][] {
  return Object.entries(OPERATIONS) as [keyof PayloadSchemas, Operation<keyof PayloadSchemas>][];
}
