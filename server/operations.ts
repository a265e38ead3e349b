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
import type { Viewer } from './core/ports.js';

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
  run(discussion: Discussion, viewer: Viewer, payload: Payload<K>): Promise<object>;
  http?: HttpRoute;
}

const none = async (work: Promise<void>): Promise<object> => {
  await work;
  return {};
};

export const OPERATIONS: { [K in keyof PayloadSchemas]?: Operation<K> } = {
  'thread:page': { run: (d, v, p) => d.page(v, p) },
  'thread:replies': {
    run: (d, v, p) => d.replies(v, p),
    http: { method: 'get', path: '/articles/:articleId/comments/:rootId/replies', from: 'query' },
  },
  'comment:post': {
    run: async (d, v, p) => ({ comment: await d.post(v, p) }),
    http: { method: 'post', path: '/articles/:articleId/comments', from: 'body', status: 201 },
  },
  'comment:edit': {
    run: async (d, v, p) => ({ comment: await d.edit(v, p) }),
    http: { method: 'patch', path: '/articles/:articleId/comments/:commentId', from: 'body' },
  },
  'comment:delete': {
    run: (d, v, p) => none(d.delete(v, p)),
    http: { method: 'delete', path: '/articles/:articleId/comments/:commentId', from: 'none' },
  },
  'comment:vote': {
    run: (d, v, p) => d.vote(v, p),
    http: { method: 'post', path: '/articles/:articleId/comments/:commentId/vote', from: 'body' },
  },
  'comment:preview': { run: (d, v, p) => d.preview(v, p), http: { method: 'post', path: '/preview', from: 'body' } },
  'comment:report': {
    run: (d, v, p) => none(d.report(v, p)),
    http: { method: 'post', path: '/articles/:articleId/comments/:commentId/report', from: 'body' },
  },
  'mod:remove': { run: (d, v, p) => none(d.remove(v, p)), http: { method: 'post', path: '/moderation/remove', from: 'body' } },
  'mod:restore': { run: (d, v, p) => none(d.restore(v, p)), http: { method: 'post', path: '/moderation/restore', from: 'body' } },
  'mod:approve': { run: (d, v, p) => none(d.approve(v, p)), http: { method: 'post', path: '/moderation/approve', from: 'body' } },
  'mod:ban': { run: (d, v, p) => none(d.ban(v, p)), http: { method: 'post', path: '/moderation/ban', from: 'body' } },
  'mod:unban': { run: (d, v, p) => none(d.unban(v, p)), http: { method: 'post', path: '/moderation/unban', from: 'body' } },
  'mod:close': { run: (d, v, p) => none(d.close(v, p)), http: { method: 'post', path: '/moderation/close', from: 'body' } },
};

/** The table's entries with their names, typed loosely for the adapters that walk it. */
export function operations(): [keyof PayloadSchemas, Operation<keyof PayloadSchemas>][] {
  return Object.entries(OPERATIONS) as [keyof PayloadSchemas, Operation<keyof PayloadSchemas>][];
}
