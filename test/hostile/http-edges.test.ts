/**
 * Two edges a user meets by accident.
 *
 * A retry that arrives while the first attempt is still being stored (a client that timed out,
 * a double click, a proxy that replays): PROTOCOL.md §2 promises that the same `clientId` stores
 * one comment and acks it both times. The second attempt must get that comment, not
 * `rate_limited` (POST_RATE=1/3 here) and not a second copy for readers.
 *
 * A URL that does not decode (a truncated percent escape): a short 400 that says what is wrong,
 * in the API's JSON form under /api and as plain text elsewhere; never an HTML page with a stack
 * trace, and never "the body is not valid JSON" for a request whose body is fine.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { eventually } from '../support/ports.js';
import { connectSocket, type TestSocket } from '../support/socket-client.js';
import { startTarget, type Target } from './target.js';
import { httpRequest, rawHttp } from './wire.js';

type AckResult = { ok: boolean; error?: { code: string; message: string }; comment?: Comment };

let t: Target;
const open: TestSocket[] = [];
beforeAll(async () => {
  // Redis mode (startTarget's default), with the posting limit on.
  t = await startTarget({ env: { POST_RATE: '1/3' } });
}, 60_000);
afterAll(async () => {
  for (const s of open.splice(0)) s.close();
  try {
    // Once, at the end: the control client posts too, and POST_RATE=1/3 applies to it.
    await t?.assertHealthy();
  } finally {
    await t?.stop();
  }
}, 60_000);

const connect = async (token?: string): Promise<TestSocket> => {
  const s = await connectSocket(t.url, token ? { token } : {});
  open.push(s);
  return s;
};

/** A reader of `articleId`: the comments created, in the order it received them. */
async function reader(articleId: string): Promise<() => string[]> {
  const s = await connect();
  const ack = await s.request<AckResult>('thread:join', { articleId });
  expect(ack.ok).toBe(true);
  return () =>
    s
      .of<ThreadEvent>('thread:event')
      .filter((e) => e.articleId === articleId && e.type === 'comment.created')
      .map((e) => e.comment!.id);
}

/**
 * Readers have received everything committed before now: another user posts to the article and
 * its event arrives (events of one article reach a reader in order).
 */
async function settle(articleId: string, created: () => string[]): Promise<void> {
  const other = await connect(await t.token(`settle-${randomUUID().slice(0, 8)}`));
  const ack = await other.request<AckResult>('comment:post', { articleId, body: `marker ${randomUUID()}` });
  expect(ack.ok, JSON.stringify(ack)).toBe(true);
  await eventually(() => created().includes(ack.comment!.id), 10_000);
}

describe('a retry while the first attempt is in flight (POST_RATE=1/3, Redis)', () => {
  it('comment:post twice at once with one clientId on one socket: both acks carry the same comment, no rate_limited, readers get one comment.created', async () => {
    const articleId = 'retry-socket';
    const created = await reader(articleId);
    const author = await connect(await t.token('twin-socket'));
    const payload = { articleId, body: 'posted once, sent twice', clientId: randomUUID() };
    // Both packets leave in the same tick: the server has the second before it stored the first.
    const [a, b] = await Promise.all([
      author.request<AckResult>('comment:post', payload),
      author.request<AckResult>('comment:post', payload),
    ]);
    expect(a.ok, JSON.stringify(a)).toBe(true);
    expect(b.ok, JSON.stringify(b)).toBe(true);
    expect(b.comment!.id).toBe(a.comment!.id);
    await settle(articleId, created);
    const ids = created();
    expect(ids.filter((id) => id === a.comment!.id)).toHaveLength(1);
    expect(ids).toHaveLength(2); // the comment and the marker
  });

  it('POST /comments twice concurrently with one clientId: both answer 201 with the same comment, no 429, readers get one comment.created', async () => {
    const articleId = 'retry-http';
    const created = await reader(articleId);
    const token = await t.token('twin-http');
    const body = JSON.stringify({ body: 'posted once over HTTP, sent twice', clientId: randomUUID() });
    const send = () =>
      httpRequest(t.port, {
        method: 'POST',
        path: `/api/articles/${articleId}/comments`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const [a, b] = await Promise.all([send(), send()]);
    expect([a.status, b.status], `${a.body} | ${b.body}`).toEqual([201, 201]);
    const [ca, cb] = [a, b].map((r) => (JSON.parse(r.body) as { comment: Comment }).comment);
    expect(cb!.id).toBe(ca!.id);
    await settle(articleId, created);
    const ids = created();
    expect(ids.filter((id) => id === ca!.id)).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  it('a different clientId right after is still limited (the retry rule is not a way around POST_RATE)', async () => {
    const author = await connect(await t.token('twin-limited'));
    const first = await author.request<AckResult>('comment:post', { articleId: 'retry-limit', body: 'first', clientId: randomUUID() });
    expect(first.ok, JSON.stringify(first)).toBe(true);
    const second = await author.request<AckResult>('comment:post', { articleId: 'retry-limit', body: 'second', clientId: randomUUID() });
    expect(second.ok).toBe(false);
    expect(second.error?.code).toBe('rate_limited');
  });
});

describe('malformed URLs', () => {
  it('GET /api/articles/%E0%A4%A/thread: 400 in JSON saying the URL is bad, not that the body is not JSON', async () => {
    const r = await httpRequest(t.port, { path: '/api/articles/%E0%A4%A/thread' });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const { error } = JSON.parse(r.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toMatch(/json/i);
    expect(error.message).toMatch(/url|bad request/i);
  });

  it('GET /%E0%A4%A (a page, outside the API): 400 with a short text body, no HTML, no stack trace', async () => {
    const r = await httpRequest(t.port, { path: '/%E0%A4%A' });
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body.length).toBeLessThan(200);
    expect(r.body).not.toMatch(/<[a-z!]/i);
    expect(r.body).not.toMatch(/^\s*at /m);
    expect(r.body).not.toMatch(/URIError|node_modules|\/work\//);
    // The same from a client that sends the bytes exactly as written.
    const raw = await rawHttp(t.port, `GET /%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nConnection: close\r\n\r\n`);
    expect(raw.status).toBe(400);
  });

  it('POST /api/articles/a/comments with a body that is not JSON still says "not valid JSON"', async () => {
    const r = await httpRequest(t.port, {
      method: 'POST',
      path: '/api/articles/a/comments',
      headers: { authorization: `Bearer ${await t.token('bad-json')}`, 'content-type': 'application/json' },
      body: '{"body": "unterminated',
    });
    expect(r.status).toBe(400);
    const { error } = JSON.parse(r.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/not valid JSON/);
  });
});
