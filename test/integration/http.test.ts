/**
 * The HTTP API (threads, counts, the event feed, moderation) against real sockets and Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared/events.js';
import type { Snapshot } from '../../shared/schemas.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
});
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

describe('HTTP API', () => {
  it('broadcasts a POSTed comment to socket readers like a socket post', async () => {
    const reader = rawSocket(b.url);
    const joined = (await reader.emitWithAck('thread:join', { articleId: 'http-1' })) as Ack<Snapshot>;
    expect(joined.ok).toBe(true);
    const events = recordEvents(reader);
    const res = await fetch(`${a.url}/api/articles/http-1/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(a, 'kim')}` },
      body: JSON.stringify({ body: 'via HTTP' }),
    });
    const { status, body } = await json(res);
    expect(status).toBe(201);
    await eventually(() => events.length === 1);
    expect(events[0]!.type).toBe('comment.created');
    expect(events[0]!.comment).toEqual(body.comment);
  });

  it('serves the same snapshot as thread:join, and the same catch-up', async () => {
    const tok = await token(a, 'lee');
    for (const text of ['one', 'two']) {
      await fetch(`${a.url}/api/articles/http-2/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
        body: JSON.stringify({ body: text }),
      });
    }
    const reader = rawSocket(b.url);
    const viaSocket = (await reader.emitWithAck('thread:join', { articleId: 'http-2' })) as Ack<Snapshot>;
    if (!viaSocket.ok) throw new Error('join failed');
    const { ok: _ok, ...snapshot } = viaSocket;
    const { status, body } = await json(await fetch(`${b.url}/api/articles/http-2/thread`));
    expect(status).toBe(200);
    expect(body).toEqual(snapshot);
    const events = await json(await fetch(`${a.url}/api/articles/http-2/events?since=1&epoch=${snapshot.epoch}`));
    expect((events.body.events as { seq: number }[]).map((e) => e.seq)).toEqual([2]);
    const counts = await json(await fetch(`${a.url}/api/counts?articleIds=http-2,none`));
    expect(counts.body).toEqual({ counts: { 'http-2': 2, none: 0 } });
  });

  it('edits and deletes over HTTP with the same rules', async () => {
    const tok = await token(a, 'max');
    const other = await token(a, 'ned');
    const headers = (t: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${t}` });
    const created = await json(
      await fetch(`${a.url}/api/articles/http-3/comments`, { method: 'POST', headers: headers(tok), body: JSON.stringify({ body: 'v1' }) }),
    );
    const id = (created.body.comment as { id: string }).id;
    const forbidden = await json(
      await fetch(`${a.url}/api/articles/http-3/comments/${id}`, {
        method: 'PATCH',
        headers: headers(other),
        body: JSON.stringify({ body: 'v2' }),
      }),
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ error: { code: 'forbidden' } });
    const edited = await json(
      await fetch(`${a.url}/api/articles/http-3/comments/${id}`, {
        method: 'PATCH',
        headers: headers(tok),
        body: JSON.stringify({ body: 'v2' }),
      }),
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ comment: { body: 'v2' } });
    const deleted = await fetch(`${a.url}/api/articles/http-3/comments/${id}`, { method: 'DELETE', headers: headers(tok) });
    expect(deleted.status).toBe(200);
    const thread = await json(await fetch(`${b.url}/api/articles/http-3/thread`));
    expect(thread.body.comments).toEqual([expect.objectContaining({ id, status: 'deleted', body: null, author: null })]);
  });

  it('answers bad requests with clear errors', async () => {
    const noAuth = await json(
      await fetch(`${a.url}/api/articles/http-4/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"body":"x"}',
      }),
    );
    expect(noAuth).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    const badToken = await json(await fetch(`${a.url}/api/articles/http-4/thread`, { headers: { authorization: 'Bearer nope' } }));
    expect(badToken.status).toBe(401);
    const badJson = await json(
      await fetch(`${a.url}/api/articles/http-4/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token(a, 'o')}` },
        body: '{"body":',
      }),
    );
    expect(badJson).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    const badId = await json(await fetch(`${a.url}/api/articles/${encodeURIComponent('bad<id>')}/thread`));
    expect(badId.status).toBe(400);
    const badSince = await json(await fetch(`${a.url}/api/articles/x/events?since=-4&epoch=e`));
    expect(badSince.status).toBe(400);
    const guest = await json(
      await fetch(`${a.url}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '  Ada  ' }),
      }),
    );
    expect(guest.status).toBe(201);
    expect(guest.body.user).toMatchObject({ name: 'Ada', role: 'commenter' });
    const emptyName = await json(
      await fetch(`${a.url}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '\u200b' }),
      }),
    );
    expect(emptyName.status).toBe(400);
    expect((await fetch(`${a.url}/api/nothing`)).status).toBe(404);
  });

  it('guest sign-in can be turned off', async () => {
    const node = await startNode({ env: { ALLOW_GUESTS: 'false' } });
    try {
      const r = await fetch(`${node.url}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"Ann"}',
      });
      expect(r.status).toBe(403);
    } finally {
      await node.stop();
    }
  });

  it('/readyz answers 503 while Redis is down and 200 when it is back; /healthz stays 200', async () => {
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    await redis.kill(true);
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 503, 5000);
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    await redis.start();
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 200, 10_000);
  });
});

describe('cross-origin use of the API', () => {
  it('answers CORS for ALLOWED_ORIGINS and not for other origins', async () => {
    const node = await startNode({ env: { ALLOWED_ORIGINS: 'https://news.example' } });
    try {
      const preflight = (origin: string) =>
        fetch(`${node.url}/api/session/guest`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
      const allowed = await preflight('https://news.example');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://news.example');
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await node.stop();
    }
  });
});
