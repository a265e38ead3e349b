/**
 * A token's `exp` holds on sockets that were opened before it (PROTOCOL.md §1, §2). A moderator
 * whose session ended (or whose token leaked and expired) must not keep moderating, nor keep
 * receiving what only moderators see, for as long as the socket stays open; a commenter's
 * expired token no longer writes, but the page keeps reading; a fresh token on a new connection
 * works again.
 *
 * PREMODERATION=all: every comment that is not a moderator's is held, so a commenter posting
 * sends moderators a `mod:event` with the comment's full text.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ModEventPayload } from '../../shared/events.js';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { eventually, sleep } from '../support/ports.js';
import { connectSocket, type TestSocket } from '../support/socket-client.js';
import { startTarget, type Target } from './target.js';

type AckResult = { ok: boolean; error?: { code: string; message: string } };

let t: Target;
const open: TestSocket[] = [];
beforeAll(async () => {
  t = await startTarget({ embedded: true, env: { PREMODERATION: 'all' } });
}, 60_000);
afterAll(() => t?.stop());
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  // (assertHealthy posts as a commenter, which PREMODERATION=all holds: check the process instead.)
  expect(t.node.running, t.node.log).toBe(true);
  expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
});

const connect = async (token?: string): Promise<TestSocket> => {
  const s = await connectSocket(t.url, token ? { token } : {});
  open.push(s);
  return s;
};

/** When a token stops being valid (its `exp`), in ms. */
function expiresAt(jwt: string): number {
  const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number };
  return exp * 1000;
}

async function api<T>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: r.status, body: (await r.json()) as T };
}

async function postHttp(token: string, articleId: string, body: string): Promise<Comment> {
  const r = await api<{ comment: Comment }>('POST', `/api/articles/${articleId}/comments`, token, { body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.comment;
}

const waitUntil = async (ms: number) => {
  const left = ms - Date.now();
  if (left > 0) await sleep(left + 50);
};

it('a moderator socket whose token expired can no longer remove, ban or watch, stops receiving held comments and full texts, and a fresh token works again', async () => {
  const articleId = 'expiry-moderator';
  const writer = await t.token('writer');
  const longMod = await t.tokens.sign({ sub: 'mod-long', name: 'Maud', role: 'moderator' }, '1h');

  // A comment everyone can read (held, then approved).
  const c = await postHttp(writer, articleId, 'a comment everyone can read');
  expect(c.status).toBe('pending');
  expect((await api('POST', '/api/moderation/approve', longMod, { articleId, commentId: c.id })).status).toBe(200);
  const reader = await connect();
  const joined = await reader.request<AckResult & { comments: Comment[] }>('thread:join', { articleId });
  expect(joined.comments.find((x) => x.id === c.id)?.status).toBe('visible');

  const watcher = await connect(longMod);
  expect((await watcher.request<AckResult>('mod:watch', {})).ok).toBe(true);

  // The short-lived moderator session: watching the queue and reading the thread as a moderator.
  const shortToken = await t.tokens.sign({ sub: 'mod-short', name: 'Shorty', role: 'moderator' }, '4s');
  const exp = expiresAt(shortToken);
  const mod = await connect(shortToken);
  expect((await mod.request<AckResult>('mod:watch', {})).ok).toBe(true);
  expect((await mod.request<AckResult>('thread:join', { articleId })).ok).toBe(true);
  // Before exp it receives a held comment in full (so that what it misses later is not for want of watching).
  const heldBefore = await postHttp(writer, articleId, 'held before expiry');
  await eventually(
    () => mod.of<ModEventPayload>('mod:event').some((e) => e.comment?.id === heldBefore.id && e.comment.body === 'held before expiry'),
    10_000,
  );
  expect(Date.now(), 'the setup took longer than the token lived; the test proves nothing').toBeLessThan(exp);

  await waitUntil(exp);
  // Its powers are gone, whether or not the server has told it yet.
  const remove = await mod.request<AckResult>('mod:remove', { articleId, commentId: c.id, reason: 'expired moderator' });
  expect(remove.ok, JSON.stringify(remove)).toBe(false);
  expect(remove.error?.code).toBe('forbidden');
  const ban = await mod.request<AckResult>('mod:ban', { userId: 'writer', removeComments: true });
  expect(ban.ok, JSON.stringify(ban)).toBe(false);
  expect(ban.error?.code).toBe('forbidden');
  const watch = await mod.request<AckResult>('mod:watch', {});
  expect(watch.ok, JSON.stringify(watch)).toBe(false);
  expect(watch.error?.code).toBe('forbidden');
  // Nothing changed: readers still see the comment, and its author is not banned (can still post).
  const thread = await api<{ comments: Comment[] }>('GET', `/api/articles/${articleId}/thread`, null);
  expect(thread.body.comments.find((x) => x.id === c.id)).toMatchObject({ status: 'visible', body: 'a comment everyone can read' });
  expect(reader.of<ThreadEvent>('thread:event').some((e) => e.type === 'comment.removed')).toBe(false);

  // The client is told, and the socket stays open (it reads as anyone does).
  await eventually(() => mod.of('session:expired').length > 0, 10_000);
  expect(mod.socket.connected).toBe(true);

  // A comment held after exp: the watching moderator gets it, the expired socket does not.
  const heldAfter = await postHttp(writer, articleId, 'held after expiry');
  await eventually(() => watcher.of<ModEventPayload>('mod:event').some((e) => e.comment?.id === heldAfter.id), 10_000);
  // A round trip on the expired socket: anything sent to it before the answer has arrived.
  expect((await mod.request<AckResult>('thread:leave', { articleId: 'expiry-elsewhere' })).ok).toBe(true);
  expect(mod.of<ModEventPayload>('mod:event').some((e) => e.comment?.id === heldAfter.id)).toBe(false);
  // Reading the thread again, it gets what a reader gets: no held comment, no held text.
  const rejoined = await mod.request<AckResult & { comments: Comment[] }>('thread:join', { articleId });
  expect(rejoined.ok).toBe(true);
  expect(JSON.stringify(rejoined)).not.toContain('held after expiry');
  expect(JSON.stringify(rejoined)).not.toContain('held before expiry');
  const asModerator = await watcher.request<AckResult & { comments: Comment[] }>('thread:join', { articleId });
  expect(JSON.stringify(asModerator)).toContain('held after expiry');

  // The same moderator with a fresh token, on a new connection, moderates again.
  const fresh = await connect(await t.tokens.sign({ sub: 'mod-short', name: 'Shorty', role: 'moderator' }, '1h'));
  const removed = await fresh.request<AckResult>('mod:remove', { articleId, commentId: c.id, reason: 'with a fresh token' });
  expect(removed.ok, JSON.stringify(removed)).toBe(true);
  await eventually(
    () => reader.of<ThreadEvent>('thread:event').some((e) => e.type === 'comment.removed' && e.comment?.id === c.id),
    10_000,
  );
  // The expired socket, still reading the thread, gets the removal as readers do: a tombstone.
  const tomb = await eventually(
    () => mod.of<ThreadEvent>('thread:event').find((e) => e.type === 'comment.removed' && e.comment?.id === c.id),
    10_000,
  );
  expect(tomb.comment?.body ?? null).toBeNull();
}, 60_000);

it('a commenter socket whose token expired cannot post (unauthorized) but still reads; a fresh token posts again', async () => {
  const articleId = 'expiry-commenter';
  const longMod = await t.tokens.sign({ sub: 'mod-queue', name: 'Quinn', role: 'moderator' }, '1h');
  const shortToken = await t.tokens.sign({ sub: 'commenter-short', name: 'Cora', role: 'commenter' }, '4s');
  const exp = expiresAt(shortToken);
  const s = await connect(shortToken);
  const before = await s.request<AckResult>('comment:post', { articleId, body: 'posted before expiry' });
  expect(before.ok, JSON.stringify(before)).toBe(true);
  expect(Date.now(), 'the setup took longer than the token lived; the test proves nothing').toBeLessThan(exp);

  await waitUntil(exp);
  const after = await s.request<AckResult>('comment:post', { articleId, body: 'posted after expiry' });
  expect(after.ok, JSON.stringify(after)).toBe(false);
  expect(after.error?.code).toBe('unauthorized');
  const join = await s.request<AckResult>('thread:join', { articleId });
  expect(join.ok, JSON.stringify(join)).toBe(true);
  await eventually(() => s.of('session:expired').length > 0, 10_000);
  // Nothing was stored: the moderators' queue has the first comment only.
  const queue = await api<{ queue: { comment: Comment }[] }>('GET', '/api/moderation/queue', longMod);
  const bodies = queue.body.queue.filter((q) => q.comment.articleId === articleId).map((q) => q.comment.body);
  expect(bodies).toEqual(['posted before expiry']);

  const fresh = await connect(await t.tokens.sign({ sub: 'commenter-short', name: 'Cora', role: 'commenter' }, '1h'));
  const again = await fresh.request<AckResult>('comment:post', { articleId, body: 'posted with a fresh token' });
  expect(again.ok, JSON.stringify(again)).toBe(true);
}, 60_000);
