/**
 * People's data (GDPR articles 15, 17 and 20), on two nodes sharing a real Redis: a commenter
 * downloads everything kept about them, then erases themselves; readers watch their comments turn
 * into tombstones live, replies keep their place, their token stops working everywhere, and their
 * name and text are nowhere: not in Redis, not in a thread, not in the logs. A moderator can do the
 * same for anyone, and only a moderator.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../shared/schemas.js';
import { exportLivethread } from '../../server/import/exporter.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
const logs: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  // Every request and event a node logs at debug level is kept, to look for personal data in it.
  a = await startNode({ redisUrl: redis.url, env: { LOG_LEVEL: 'debug', GUEST_RATE: 'off' }, logs });
  b = await startNode({ redisUrl: redis.url, env: { LOG_LEVEL: 'debug', GUEST_RATE: 'off' }, logs });
}, 60_000);
afterAll(async () => {
  closeClients();
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

let n = 0;
const fresh = (p: string) => `${p}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

async function guest(node: TestNode, name: string): Promise<{ token: string; id: string }> {
  const res = await fetch(`${node.url}/api/session/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(201);
  const { token: t, user } = (await res.json()) as { token: string; user: { id: string } };
  return { token: t, id: user.id };
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

/** Every value in Redis, as text (strings, hashes, lists, sets and sorted sets). */
async function everythingIn(url: string): Promise<string> {
  const client = new Redis(url);
  try {
    const parts: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      if (type === 'string') parts.push(key, (await client.get(key)) ?? '');
      else if (type === 'hash') parts.push(key, JSON.stringify(await client.hgetall(key)));
      else if (type === 'list') parts.push(key, ...(await client.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(key, ...(await client.smembers(key)));
      else if (type === 'zset') parts.push(key, ...(await client.zrange(key, 0, -1)));
    }
    return parts.join('\n');
  } finally {
    client.disconnect();
  }
}

describe("a commenter's own data", () => {
  it('downloads everything kept about them: comments of every status, votes and reports', async () => {
    const articleId = fresh('mine');
    const me = await guest(a, 'Dana Download');
    const s = rawSocket(a.url, me.token);
    const first = ok(await s.emitWithAck('comment:post', { articleId, body: 'my **first** words' })).comment;
    const second = ok(await s.emitWithAck('comment:post', { articleId, body: 'second thoughts' })).comment;
    ok(await s.emitWithAck('comment:delete', { articleId, commentId: second.id }));
    const other = rawSocket(b.url, await token(b, 'otto', 'commenter', 'Otto'));
    const theirs = ok(await other.emitWithAck('comment:post', { articleId, body: 'someone else' })).comment;
    ok(await s.emitWithAck('comment:vote', { articleId, commentId: theirs.id, value: 1 }));
    ok(await s.emitWithAck('comment:report', { articleId, commentId: theirs.id, reason: 'off topic' }));

    const res = await fetch(`${b.url}/api/me/export`, { headers: bearer(me.token) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    const data = (await res.json()) as {
      format: string;
      user: { id: string; name: string };
      comments: { id: string; body: string; status: string; articleId: string }[];
      votes: unknown[];
      reports: unknown[];
    };
    expect(data).toMatchObject({ format: 'livethread-personal-data', version: 1, user: { id: me.id, name: 'Dana Download' } });
    expect(data.comments).toEqual([
      expect.objectContaining({ id: first.id, articleId, body: 'my **first** words', status: 'visible' }),
      expect.objectContaining({ id: second.id, articleId, body: 'second thoughts', status: 'deleted' }),
    ]);
    expect(data.votes).toEqual([{ articleId, commentId: theirs.id, value: 1 }]);
    expect(data.reports).toEqual([expect.objectContaining({ articleId, commentId: theirs.id, reason: 'off topic' })]);
    // Nobody else's text is in it, and without a token there is nothing to export.
    expect(JSON.stringify(data)).not.toContain('someone else');
    expect((await fetch(`${a.url}/api/me/export`)).status).toBe(401);
  });

  it('an export is limited to a few an hour per user', async () => {
    const me = await guest(a, 'Eager Exporter');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(`${a.url}/api/me/export`, { headers: bearer(me.token) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe('erasure', () => {
  it('DELETE /api/me: readers see the comments turn to tombstones live, replies stay, the token dies everywhere, and the name and text are nowhere', async () => {
    const [one, two] = [fresh('erase-one'), fresh('erase-two')];
    const name = 'Erin Erasable';
    const words = ['zebra-crossing-secret', 'quokka-sunrise-secret', 'pending-platypus-secret'];
    const me = await guest(a, name);
    const s = rawSocket(a.url, me.token);
    const c1 = ok(await s.emitWithAck('comment:post', { articleId: one, body: `I think ${words[0]}` })).comment;
    const c2 = ok(await s.emitWithAck('comment:post', { articleId: two, body: `and ${words[1]}` })).comment;
    const other = rawSocket(b.url, await token(b, 'rita', 'commenter', 'Rita'));
    const reply = ok(await other.emitWithAck('comment:post', { articleId: one, parentId: c1.id, body: 'a reply that stays' })).comment;

    // Readers on the other node, and a second tab of the same user there.
    const reader = rawSocket(b.url);
    const seen = recordEvents(reader);
    ok(await reader.emitWithAck('thread:join', { articleId: one }));
    ok(await reader.emitWithAck('thread:join', { articleId: two }));
    const secondTab = rawSocket(b.url, me.token);
    await connected(secondTab);
    const told: unknown[] = [];
    secondTab.on('session:expired', (p) => told.push(p));

    const res = await fetch(`${a.url}/api/me`, { method: 'DELETE', headers: bearer(me.token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: me.id, comments: 2 });

    // Live: both comments leave readers' screens as tombstones.
    const tombstones = await eventually(() => {
      const gone = seen.filter((e: ThreadEvent) => e.type === 'comment.deleted');
      return gone.length === 2 ? gone : null;
    });
    expect(tombstones.map((e) => e.comment?.id).sort()).toEqual([c1.id, c2.id].sort());
    for (const e of tombstones) expect(e.comment).toMatchObject({ author: null, body: null, status: 'deleted' });
    // The other tab is told and signed out.
    await eventually(() => told.length > 0 && !secondTab.connected);
    expect(told[0]).toEqual({ reason: 'erased' });

    // The thread still holds the reply under its tombstone parent.
    const thread = ok(await reader.emitWithAck('thread:join', { articleId: one })) as {
      comments: { id: string; parentId: string | null }[];
    };
    expect(thread.comments.map((c) => c.id)).toEqual(expect.arrayContaining([c1.id, reply.id]));
    expect(thread.comments.find((c) => c.id === reply.id)?.parentId).toBe(c1.id);

    // The token no longer works, on either node, over HTTP or a socket.
    expect((await fetch(`${b.url}/api/me/export`, { headers: bearer(me.token) })).status).toBe(401);
    const again = rawSocket(a.url, me.token);
    await expect(connected(again)).rejects.toThrow('unauthorized');
    expect(
      (
        await fetch(`${b.url}/api/articles/${one}/comments`, {
          method: 'POST',
          headers: { ...bearer(me.token), 'content-type': 'application/json' },
          body: '{"body":"back?"}',
        })
      ).status,
    ).toBe(401);

    // A moderator sees the entry in the audit log, without the name.
    const log = (await (
      await fetch(`${a.url}/api/moderation/log`, { headers: bearer(await token(a, 'mia', 'moderator', 'Mia')) })
    ).json()) as {
      entries: { action: string; userId: string | null }[];
    };
    expect(log.entries.at(-1)).toMatchObject({ action: 'erase', userId: me.id });

    // Nowhere: not in Redis, not in what either node logged, not in any answer.
    const everything = await everythingIn(redis.url);
    for (const text of [name, ...words.slice(0, 2)]) {
      expect(everything).not.toContain(text);
      expect(logs.join('')).not.toContain(text);
    }
    const around = await (await fetch(`${b.url}/api/articles/${one}/comments/${c1.id}`)).text();
    expect(around).not.toContain(name);
    expect(around).not.toContain(words[0]);
    // Nor in the site's export (npm run export), which holds everything else.
    let exported = '';
    for await (const line of exportLivethread(a.store, new Date())) exported += line;
    expect(exported).toContain(c1.id);
    expect(exported).not.toContain(name);
    expect(exported).not.toContain(words[0]);
  });

  it('a moderator erases a user, held comments included; a commenter may not', async () => {
    const articleId = fresh('mod-erase');
    const target = await guest(b, 'Tobias Target');
    const s = rawSocket(b.url, target.token);
    const visible = ok(await s.emitWithAck('comment:post', { articleId, body: 'visible words here' })).comment;
    const mod = rawSocket(a.url, await token(a, 'mia', 'moderator', 'Mia'));
    ok(await mod.emitWithAck('mod:hold', { userId: target.id, hold: true }));
    const held = ok(await s.emitWithAck('comment:post', { articleId, body: 'held words here' })).comment;
    expect(held.status).toBe('pending');
    const commenter = await token(a, 'carl', 'commenter', 'Carl');
    const refused = await fetch(`${a.url}/api/moderation/erase`, {
      method: 'POST',
      headers: { ...bearer(commenter), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: target.id }),
    });
    expect(refused.status).toBe(403);

    ok(await mod.emitWithAck('mod:watch', {}));
    const heard: { type: string }[] = [];
    mod.on('mod:event', (e) => heard.push(e));
    const res = await fetch(`${a.url}/api/moderation/erase`, {
      method: 'POST',
      headers: { ...bearer(await token(a, 'mia', 'moderator', 'Mia')), 'content-type': 'application/json' },
      body: JSON.stringify({ userId: target.id }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: target.id, comments: 2 });
    await eventually(() => heard.some((e) => e.type === 'user.erased'));
    // Off the queue, and nothing of theirs left for moderators either.
    const { queue } = ok(await mod.emitWithAck('mod:watch', {})) as { queue: { comment: { id: string } }[] };
    expect(queue.some((q) => q.comment.id === held.id)).toBe(false);
    for (const id of [visible.id, held.id]) {
      const stored = await a.store.get(articleId, id);
      expect(stored).toMatchObject({ status: 'deleted', body: '', author: { id: 'erased' } });
    }
    const everything = await everythingIn(redis.url);
    expect(everything).not.toContain('Tobias Target');
    expect(everything).not.toContain('held words here');
    // Their open socket was closed.
    await eventually(() => !s.connected);
  });
});
