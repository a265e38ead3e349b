/**
 * Edits, deletes, permissions, invalid input, paging a big thread.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { Ack } from '../../shared/events.js';
import type { Comment, Snapshot } from '../../shared/schemas.js';
import { RedisStore } from '../../server/store/redis-store.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import { err, ok } from '../support/acks.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
let now = Date.parse('2026-03-01T12:00:00Z');
const clock = { now: () => new Date(now) };
let articleN = 0;
const article = () => `cmt-${++articleN}`;

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([
    startNode({ redisUrl: redis.url, clock, env: { EDIT_WINDOW_SECONDS: '60', COMMENT_MAX_LENGTH: '200' } }),
    startNode({ redisUrl: redis.url, clock, env: { EDIT_WINDOW_SECONDS: '60', COMMENT_MAX_LENGTH: '200' } }),
  ]);
});
afterEach(() => closeClients());
afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

describe('edits and deletes', () => {
  it('reach every reader as events; a delete arrives as a tombstone', async () => {
    const id = article();
    const readerA = rawSocket(a.url);
    const readerB = rawSocket(b.url);
    ok(await readerA.emitWithAck('thread:join', { articleId: id }));
    ok(await readerB.emitWithAck('thread:join', { articleId: id }));
    const evA = recordEvents(readerA);
    const evB = recordEvents(readerB);
    const author = rawSocket(b.url, await token(b, 'gina', 'commenter', 'Gina'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'first draft' }));
    now += 10_000;
    const edited = ok(await author.emitWithAck('comment:edit', { articleId: id, commentId: comment.id, body: 'second draft' })).comment;
    expect(edited.body).toBe('second draft');
    expect(edited.editedAt).toBe(new Date(now).toISOString());
    ok(await author.emitWithAck('comment:delete', { articleId: id, commentId: comment.id }));

    for (const events of [evA, evB]) {
      await eventually(() => events.length === 3);
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'comment.created'],
        [2, 'comment.edited'],
        [3, 'comment.deleted'],
      ]);
      expect(events[1]!.comment?.body).toBe('second draft');
      const tomb = events[2]!.comment!;
      expect(tomb).toMatchObject({ id: comment.id, status: 'deleted', body: null, author: null });
    }
    const snap = ok(await readerA.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments).toEqual([expect.objectContaining({ id: comment.id, status: 'deleted', body: null, author: null })]);
  });

  it("refuses to edit or delete someone else's comment, and to edit after the window", async () => {
    const id = article();
    const author = rawSocket(a.url, await token(a, 'hal'));
    const other = rawSocket(a.url, await token(a, 'ivy'));
    const reader = rawSocket(b.url);
    ok(await reader.emitWithAck('thread:join', { articleId: id }));
    const events = recordEvents(reader);
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId: id, body: 'mine' }));

    expect(err(await other.emitWithAck('comment:edit', { articleId: id, commentId: comment.id, body: 'hijacked' })).code).toBe('forbidden');
    expect(err(await other.emitWithAck('comment:delete', { articleId: id, commentId: comment.id })).code).toBe('forbidden');
    now += 61_000;
    expect(err(await author.emitWithAck('comment:edit', { articleId: id, commentId: comment.id, body: 'too late' })).code).toBe(
      'edit_window_closed',
    );
    await sleep(200);
    expect(events.map((e) => e.type)).toEqual(['comment.created']);
    const snap = ok(await reader.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments[0]?.body).toBe('mine');
    expect(snap.head).toBe(1);
  });
});

describe('bad input and identity', () => {
  it('answers invalid payloads with invalid_input, ignores events without an ack, and keeps the socket', async () => {
    const id = article();
    const s = rawSocket(a.url, await token(a, 'jack'));
    await connected(s);
    const loose = s as unknown as {
      emitWithAck(e: string, ...args: unknown[]): Promise<Ack<object>>;
      emit(e: string, ...args: unknown[]): void;
    };
    const cases: unknown[] = [
      { articleId: id, body: 42 },
      { articleId: id, body: 'x'.repeat(201) },
      { articleId: id, body: '   \u200b\u200b  ' },
      { articleId: 'bad id<script>', body: 'hello' },
      { articleId: '', body: 'hello' },
      { articleId: id, body: 'hello', parentId: { $gt: '' } },
      { articleId: id, body: 'hello', extra: true },
      'not an object',
      null,
      [],
    ];
    for (const payload of cases) {
      const e = err(await loose.emitWithAck('comment:post', payload));
      expect(e.code).toBe('invalid_input');
      expect(Array.isArray(e.issues)).toBe(true);
    }
    expect(err(await loose.emitWithAck('thread:join', { articleId: id, since: -1 })).code).toBe('invalid_input');
    expect(err(await loose.emitWithAck('thread:page', { articleId: id, cursor: 'abc' })).code).toBe('invalid_input');
    loose.emit('comment:post', { articleId: id, body: 'no ack, so ignored' });
    loose.emit('thread:join');
    await sleep(100);
    expect(s.connected).toBe(true);
    const snap = ok(await s.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    expect(snap.comments).toEqual([]);
    // 200 characters after trimming and NFC is within the limit.
    const fits = ok(await s.emitWithAck('comment:post', { articleId: id, body: `  ${'é'.normalize('NFD').repeat(200)}  ` }));
    expect([...fits.comment.body!]).toHaveLength(200);
  });

  it('fails the handshake for a bad token and refuses writes without one', async () => {
    const bad = ioClient(a.url, { transports: ['websocket'], auth: { token: 'not.a.token' }, reconnection: false });
    const error = await new Promise<Error>((resolve) => bad.once('connect_error', resolve));
    expect(error.message).toBe('unauthorized');
    bad.close();
    const forged = await b.app.tokens.sign({ sub: 'x', name: 'X', role: 'moderator' });
    const otherSecret = ioClient(a.url, { transports: ['websocket'], auth: { token: forged.slice(0, -2) + 'xx' }, reconnection: false });
    expect((await new Promise<Error>((resolve) => otherSecret.once('connect_error', resolve))).message).toBe('unauthorized');
    otherSecret.close();

    const anon = rawSocket(a.url);
    const id = article();
    expect(err(await anon.emitWithAck('comment:post', { articleId: id, body: 'hi' })).code).toBe('unauthorized');
    ok(await anon.emitWithAck('thread:join', { articleId: id }));
  });
});

describe('a thread of 10,000 comments', () => {
  it('joins with at most 100 root threads and pages to the end seeing every root once', async () => {
    const id = article();
    const store = new RedisStore(redis.client());
    const at = new Date(now).toISOString();
    const roots: string[] = [];
    const writes: Promise<unknown>[] = [];
    // 2,500 root threads with three replies each.
    for (let r = 0; r < 2500; r++) {
      const rootId = `r${r}`;
      roots.push(rootId);
      writes.push(
        store.create({
          comment: {
            id: rootId,
            articleId: id,
            parentId: null,
            rootId,
            author: { id: 'u', name: 'U' },
            body: `root ${r}`,
            status: 'visible',
            createdAt: at,
          },
          clientKey: null,
          publish: true,
          rejectIfClosed: false,
          epochCandidate: 'e',
          at,
        }),
      );
      for (let k = 0; k < 3; k++) {
        writes.push(
          store.create({
            comment: {
              id: `r${r}-${k}`,
              articleId: id,
              parentId: rootId,
              rootId,
              author: { id: 'u', name: 'U' },
              body: 'reply',
              status: 'visible',
              createdAt: at,
            },
            clientKey: null,
            publish: true,
            rejectIfClosed: false,
            epochCandidate: 'e',
            at,
          }),
        );
      }
    }
    await Promise.all(writes);

    const s = rawSocket(a.url);
    const snap = ok(await s.emitWithAck('thread:join', { articleId: id })) as Snapshot;
    const rootsOf = (cs: Comment[]) => cs.filter((c) => c.parentId === null).map((c) => c.id);
    expect(rootsOf(snap.comments)).toHaveLength(100);
    expect(snap.comments).toHaveLength(400);
    expect(snap.head).toBe(10_000);
    const seen = [...rootsOf(snap.comments)];
    let cursor = snap.cursor;
    while (cursor) {
      const page = ok(await s.emitWithAck('thread:page', { articleId: id, cursor }));
      expect(rootsOf(page.comments).length).toBeLessThanOrEqual(100);
      seen.push(...rootsOf(page.comments));
      cursor = page.cursor;
    }
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    expect(seen).toEqual([...roots].reverse());
  });
});
