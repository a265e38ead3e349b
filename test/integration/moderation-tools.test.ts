/**
 * Moderation that holds a community, on two nodes of one Redis: bans that stick to a guest's
 * address and end by themselves, reports that hide a comment live until a moderator approves it,
 * spam caught before readers see it (built-in signals, Akismet against a local server that answers
 * as Akismet documents, a site's moderation webhook), and what moderators look up (activity,
 * articles, search, a user's card).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../server/core/ports.js';
import type { ActivityView, ModEventPayload, UserCard } from '../../shared/moderation.js';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import type { ClientSocket } from '../../client/discussion-client.js';
import { err, ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, recordEvents, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

let redis: RedisServer;
let n = 0;
const fresh = (name: string) => `${name}-${++n}-${Math.random().toString(36).slice(2, 6)}`;
const opened: ClientSocket[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
});
afterAll(async () => {
  for (const s of opened) s.close();
  closeClients();
  await redis.stop();
});

/** A guest session signed in from `address` (a loopback address), and a socket from there. */
async function guestFrom(node: TestNode, name: string, address: string): Promise<ClientSocket> {
  const res = await new Promise<{ token: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: node.port,
        path: '/api/session/guest',
        method: 'POST',
        localAddress: address,
        headers: { 'content-type': 'application/json' },
      },
      (r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d.toString()));
        r.on('end', () =>
          r.statusCode === 201 ? resolve(JSON.parse(body) as { token: string }) : reject(new Error(`${r.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ name }));
  });
  const s = io(node.url, { transports: ['websocket'], auth: { token: res.token }, localAddress: address } as Parameters<
    typeof io
  >[1]) as ClientSocket;
  opened.push(s);
  await connected(s);
  return s;
}

describe('bans that stick', () => {
  let now = Date.parse('2026-06-01T00:00:00.000Z');
  const clock: Clock = { now: () => new Date(now) };
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([startNode({ redisUrl: redis.url, clock }), startNode({ redisUrl: redis.url, clock })]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('a guest banned with their address cannot post from there under a fresh session; from another address they can; a 1-hour ban ends by itself', async () => {
    const articleId = fresh('ban');
    const troll = await guestFrom(a, 'Troll', '127.0.0.31');
    const { comment } = ok(await troll.emitWithAck('comment:post', { articleId, body: 'first' }));
    const mod = rawSocket(b.url, await token(b, 'mia', 'moderator'));
    ok(await mod.emitWithAck('mod:watch', {}));
    const heard: ModEventPayload[] = [];
    mod.on('mod:event', (e: ModEventPayload) => heard.push(e));
    ok(await mod.emitWithAck('mod:ban', { userId: comment.author!.id, reason: 'trolling', duration: '1h' }));
    // Every console hears it with the ban and its place in the activity log.
    const banned = await eventually(() => heard.find((e) => e.type === 'user.banned'));
    expect(banned.ban).toMatchObject({ userId: comment.author!.id, reason: 'trolling', address: true });
    expect(banned.seq).toBeGreaterThan(0);
    expect(err(await troll.emitWithAck('comment:post', { articleId, body: 'still me' })).code).toBe('banned');
    // Signed out and in again, same address: still banned, on either node.
    const again = await guestFrom(b, 'Troll', '127.0.0.31');
    expect(err(await again.emitWithAck('comment:post', { articleId, body: 'new me' })).code).toBe('banned');
    // Another address: a different person as far as the address goes.
    const elsewhere = await guestFrom(a, 'Troll', '127.0.0.32');
    ok(await elsewhere.emitWithAck('comment:post', { articleId, body: 'from elsewhere' }));
    const { bans } = ok(await mod.emitWithAck('mod:bans', {}));
    expect(bans.find((x: { userId: string }) => x.userId === comment.author!.id)).toMatchObject({
      reason: 'trolling',
      address: true,
      by: { id: 'mia' },
    });
    // An hour and a second later the ban is over, for the user and the address.
    now += 3601_000;
    ok(await again.emitWithAck('comment:post', { articleId, body: 'an hour later' }));
    ok(await troll.emitWithAck('comment:post', { articleId, body: 'me too' }));
    expect((ok(await mod.emitWithAck('mod:bans', {})).bans as { userId: string }[]).some((x) => x.userId === comment.author!.id)).toBe(
      false,
    );
  });

  it("a moderator can hold all of a user's comments for review instead of banning", async () => {
    const articleId = fresh('hold');
    const user = rawSocket(a.url, await token(a, 'held-user'));
    const mod = rawSocket(b.url, await token(b, 'mia', 'moderator'));
    ok(await mod.emitWithAck('mod:hold', { userId: 'held-user', hold: true, reason: 'new and noisy' }));
    const { comment } = ok(await user.emitWithAck('comment:post', { articleId, body: 'please look at me' }));
    expect(comment.status).toBe('pending');
    ok(await mod.emitWithAck('mod:hold', { userId: 'held-user', hold: false }));
    expect(ok(await user.emitWithAck('comment:post', { articleId, body: 'free again' })).comment.status).toBe('visible');
  });
});

describe('reports act', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([
      startNode({ redisUrl: redis.url, env: { REPORT_HOLD_THRESHOLD: '3' } }),
      startNode({ redisUrl: redis.url, env: { REPORT_HOLD_THRESHOLD: '3' } }),
    ]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('three reports from three users hide a comment from readers live on both nodes; approving it brings it back', async () => {
    const articleId = fresh('reports');
    const author = rawSocket(a.url, await token(a, 'reported-author'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId, body: 'controversial' }));
    const readers = [rawSocket(a.url), rawSocket(b.url)];
    const events: ThreadEvent[][] = [];
    for (const r of readers) {
      ok(await r.emitWithAck('thread:join', { articleId }));
      events.push(recordEvents(r));
    }
    for (const [i, node] of [a, b, a].entries()) {
      const reporter = rawSocket(node.url, await token(node, `reporter-${i}`));
      ok(await reporter.emitWithAck('comment:report', { articleId, commentId: comment.id, reason: 'rude' }));
      if (i < 2) {
        await sleep(150);
        expect(events.every((e) => e.length === 0)).toBe(true);
      }
    }
    await eventually(
      () => events.every((e) => e.some((x) => x.type === 'comment.hidden' && x.commentId === comment.id && x.comment === null)),
      3000,
    );
    const snapshot = ok(await readers[1]!.emitWithAck('thread:join', { articleId }));
    expect('comments' in snapshot && snapshot.comments.map((c) => c.id)).toEqual([]);
    expect(snapshot.count).toBe(0);
    const mod = rawSocket(b.url, await token(b, 'mia', 'moderator'));
    const { queue } = ok(await mod.emitWithAck('mod:watch', {}));
    const item = queue.find((q: { comment: Comment }) => q.comment.id === comment.id);
    expect(item?.comment.moderation?.heldReason).toBe('reported by 3 readers');
    ok(await mod.emitWithAck('mod:approve', { articleId, commentId: comment.id }));
    await eventually(() => events.every((e) => e.some((x) => x.type === 'comment.restored' && x.comment?.body === 'controversial')), 3000);
  });
});

describe('spam before readers', () => {
  it('built-in signals hold what they catch, with the reason moderators see', async () => {
    const node = await startNode({ env: { SPAM_MAX_LINKS: '2', SPAM_FIRST_LINK: 'true', SPAM_SAME_TEXT: '2', SPAM_BURST: '3/60' } });
    try {
      const links = rawSocket(node.url, await token(node, 'linker'));
      const held = ok(
        await links.emitWithAck('comment:post', { articleId: fresh('s'), body: 'https://a.example https://b.example https://c.example' }),
      ).comment;
      expect(held.status).toBe('pending');
      const guest = await guestFrom(node, 'Newbie', '127.0.0.41');
      const first = ok(
        await guest.emitWithAck('comment:post', { articleId: fresh('s'), body: 'hello, visit https://shop.example' }),
      ).comment;
      expect(first.status).toBe('pending');
      expect(
        ok(await guest.emitWithAck('comment:post', { articleId: fresh('s'), body: 'a second one https://shop.example' })).comment.status,
      ).toBe('visible');
      const copier = rawSocket(node.url, await token(node, 'copier'));
      const copier2 = rawSocket(node.url, await token(node, 'copier-2'));
      expect(ok(await copier.emitWithAck('comment:post', { articleId: fresh('s'), body: 'Same pitch everywhere' })).comment.status).toBe(
        'visible',
      );
      expect(ok(await copier2.emitWithAck('comment:post', { articleId: fresh('s'), body: 'same pitch everywhere' })).comment.status).toBe(
        'pending',
      );
      const burster = await guestFrom(node, 'Burst', '127.0.0.42');
      const statuses = [];
      for (let i = 0; i < 5; i++)
        statuses.push(ok(await burster.emitWithAck('comment:post', { articleId: fresh('s'), body: `burst ${i}` })).comment.status);
      expect(statuses).toEqual(['visible', 'visible', 'visible', 'pending', 'pending']);
      const mod = rawSocket(node.url, await token(node, 'mia', 'moderator'));
      const reasons = (ok(await mod.emitWithAck('mod:watch', {})).queue as { comment: Comment }[]).map(
        (q) => q.comment.moderation?.heldReason,
      );
      expect(reasons).toEqual(
        expect.arrayContaining([
          'spam check: 3 links (more than 2)',
          "spam check: a link in a new guest's first comment",
          'spam check: the same text on 2 articles',
          'spam check: a burst of comments from one address',
        ]),
      );
    } finally {
      await node.stop();
    }
  });

  it('Akismet: spam is held with the reason, "not spam" sends submit-ham and publishes, no answer in time does not block posting', async () => {
    const calls: { path: string; form: URLSearchParams }[] = [];
    let mode: 'answer' | 'hang' = 'answer';
    // A local server that implements the documented requests and answers.
    const akismet = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        calls.push({ path: req.url ?? '', form });
        if (mode === 'hang') return; // never answers
        if (req.url === '/1.1/comment-check') {
          res.setHeader('content-type', 'text/plain');
          res.end(form.get('comment_content')?.includes('viagra') ? 'true' : 'false');
        } else res.end('Thanks for making the web a better place.');
      });
    });
    await new Promise<void>((resolve) => akismet.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(akismet.address() as AddressInfo).port}`;
    const node = await startNode({
      env: { AKISMET_KEY: 'test-key', AKISMET_SITE: 'https://news.example', AKISMET_URL: url, AKISMET_TIMEOUT_MS: '500' },
    });
    try {
      const articleId = fresh('akismet');
      const user = rawSocket(node.url, await token(node, 'akismet-user'));
      const reader = rawSocket(node.url);
      ok(await reader.emitWithAck('thread:join', { articleId }));
      const seen = recordEvents(reader);
      const spam = ok(await user.emitWithAck('comment:post', { articleId, body: 'cheap viagra here' })).comment;
      expect(spam.status).toBe('pending');
      const check = calls.find((c) => c.path === '/1.1/comment-check')!;
      expect(Object.fromEntries(check.form)).toMatchObject({
        api_key: 'test-key',
        blog: 'https://news.example',
        comment_type: 'comment',
        comment_author: 'akismet-user',
        comment_content: 'cheap viagra here',
      });
      expect(check.form.get('user_ip')).toBe('127.0.0.1');
      const ham = ok(await user.emitWithAck('comment:post', { articleId, body: 'a fine comment' })).comment;
      expect(ham.status).toBe('visible');
      const mod = rawSocket(node.url, await token(node, 'mia', 'moderator'));
      const item = (ok(await mod.emitWithAck('mod:watch', {})).queue as { comment: Comment }[]).find((q) => q.comment.id === spam.id)!;
      expect(item.comment.moderation?.heldReason).toBe('Akismet: spam');
      // "Not spam": approved, published, and Akismet told.
      ok(await mod.emitWithAck('mod:approve', { articleId, commentId: spam.id }));
      await eventually(
        () => calls.some((c) => c.path === '/1.1/submit-ham' && c.form.get('comment_content') === 'cheap viagra here'),
        3000,
      );
      await eventually(() => seen.some((e) => e.type === 'comment.created' && e.comment?.id === spam.id), 3000);
      // A removal of what Akismet passed: submit-spam.
      ok(await mod.emitWithAck('mod:remove', { articleId, commentId: ham.id }));
      await eventually(() => calls.some((c) => c.path === '/1.1/submit-spam' && c.form.get('comment_content') === 'a fine comment'), 3000);
      // Akismet silent: posting goes on after the timeout, the comment live.
      mode = 'hang';
      const started = Date.now();
      expect(ok(await user.emitWithAck('comment:post', { articleId, body: 'while akismet sleeps' })).comment.status).toBe('visible');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await node.stop();
      akismet.closeAllConnections();
      akismet.close();
    }
  });

  it('the moderation webhook: hold and remove are applied, approve leaves the rules alone, a hook that hangs does not block posting past its timeout', async () => {
    let answer: string | null = '{"action":"approve"}';
    const seen: { kind: string; comment: { body: string; author: { id: string } } }[] = [];
    const hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push(JSON.parse(body) as (typeof seen)[number]);
        if (answer === null) return; // hangs
        res.setHeader('content-type', 'application/json');
        res.end(answer);
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/review`;
    const node = await startNode({ env: { MODERATION_WEBHOOK_URL: url, MODERATION_WEBHOOK_TIMEOUT_MS: '400' }, heldWords: ['forbidden'] });
    try {
      const articleId = fresh('hook');
      const user = rawSocket(node.url, await token(node, 'hooked'));
      expect(ok(await user.emitWithAck('comment:post', { articleId, body: 'fine' })).comment.status).toBe('visible');
      expect(seen[0]).toMatchObject({ kind: 'post', comment: { body: 'fine', author: { id: 'hooked' } } });
      // Approve does not lift a rule's hold.
      expect(ok(await user.emitWithAck('comment:post', { articleId, body: 'forbidden word' })).comment.status).toBe('pending');
      answer = '{"action":"hold","reason":"needs a look"}';
      const held = ok(await user.emitWithAck('comment:post', { articleId, body: 'hold me' })).comment;
      expect(held.status).toBe('pending');
      answer = '{"action":"remove","reason":"off topic"}';
      const removed = ok(await user.emitWithAck('comment:post', { articleId, body: 'remove me' })).comment;
      expect(removed.status).toBe('removed');
      // An edit is asked about too: held, readers keep the text.
      answer = '{"action":"approve"}';
      const c = ok(await user.emitWithAck('comment:post', { articleId, body: 'start' })).comment;
      answer = '{"action":"hold","reason":"edited into trouble"}';
      const edited = ok(await user.emitWithAck('comment:edit', { articleId, commentId: c.id, body: 'trouble' })).comment;
      expect(edited.editPending).toBe(true);
      // Silence: posting waits at most the timeout.
      answer = null;
      const started = Date.now();
      expect(ok(await user.emitWithAck('comment:post', { articleId, body: 'while the hook hangs' })).comment.status).toBe('visible');
      expect(Date.now() - started).toBeLessThan(1500);
      const mod = rawSocket(node.url, await token(node, 'mia', 'moderator'));
      const queue = ok(await mod.emitWithAck('mod:watch', {})).queue as { comment: Comment }[];
      expect(queue.find((q) => q.comment.id === held.id)?.comment.moderation?.heldReason).toBe('needs a look');
    } finally {
      await node.stop();
      hook.closeAllConnections();
      hook.close();
    }
  });
});

describe('a console that knows the past', () => {
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('starts from recent activity, catches up after a reconnect, lists articles, searches and shows a user card', async () => {
    const [one, two] = [fresh('past-one'), fresh('past-two')];
    const author = rawSocket(a.url, await token(a, 'card-user', 'commenter', 'Card User'));
    const c1 = ok(await author.emitWithAck('comment:post', { articleId: one, body: 'the needle in the haystack' })).comment;
    ok(await author.emitWithAck('comment:post', { articleId: two, body: 'another thought' }));
    const reader = rawSocket(b.url);
    ok(await reader.emitWithAck('thread:join', { articleId: one }));
    const mod = rawSocket(b.url, await token(b, 'mia', 'moderator'));
    await eventually(async () => {
      const { activity } = ok(await mod.emitWithAck('mod:watch', {})) as { activity: ActivityView[] };
      return activity.some((e) => e.comment?.id === c1.id && e.type === 'comment.created');
    }, 3000);
    const { activity } = ok(await mod.emitWithAck('mod:watch', {})) as { activity: ActivityView[] };
    const last = activity.at(-1)!.seq;
    // Meanwhile, while this console is away: a new comment and an action.
    const c3 = ok(await author.emitWithAck('comment:post', { articleId: one, body: 'while you were away' })).comment;
    const other = rawSocket(a.url, await token(a, 'max', 'moderator'));
    ok(
      await other.emitWithAck('mod:remove', {
        articleId: two,
        commentId: ok(await author.emitWithAck('comment:post', { articleId: two, body: 'to remove' })).comment.id,
      }),
    );
    await eventually(async () => {
      const after = (ok(await mod.emitWithAck('mod:watch', { since: last })) as { activity: ActivityView[] }).activity;
      return after.some((e) => e.comment?.id === c3.id) && after.some((e) => e.type === 'comment.removed');
    }, 3000);
    const { articles } = ok(await mod.emitWithAck('mod:articles', {})) as {
      articles: { articleId: string; visible: number; readers: number | null }[];
    };
    expect(articles.find((x) => x.articleId === one)).toMatchObject({ visible: 2 });
    expect(articles.map((x) => x.articleId).indexOf(two)).toBeLessThan(articles.map((x) => x.articleId).indexOf(one));
    const found = ok(await mod.emitWithAck('mod:search', { text: 'NEEDLE' })) as { comments: Comment[] };
    expect(found.comments.map((c) => c.id)).toEqual([c1.id]);
    const byAuthor = ok(await mod.emitWithAck('mod:search', { author: 'card-user' })) as { comments: Comment[] };
    expect(byAuthor.comments.length).toBeGreaterThanOrEqual(4);
    ok(await mod.emitWithAck('mod:note', { userId: 'card-user', text: 'talkative, fine' }));
    const card = ok(await mod.emitWithAck('mod:user', { userId: 'card-user' })) as UserCard;
    expect(card).toMatchObject({ userId: 'card-user', name: 'Card User', total: 4, ban: null, hold: null });
    expect(new Set(card.comments.map((c) => c.articleId))).toEqual(new Set([one, two]));
    expect(card.comments.find((c) => c.body === 'to remove')?.status).toBe('removed');
    expect(card.notes.map((x) => x.text)).toEqual(['talkative, fine']);
    // Over HTTP, the same.
    const headers = { authorization: `Bearer ${await token(a, 'mia', 'moderator')}` };
    expect(((await (await fetch(`${a.url}/api/moderation/users/card-user`, { headers })).json()) as UserCard).total).toBe(4);
    expect((await fetch(`${a.url}/api/moderation/bans`)).status).toBe(403);
  });

  it('every mod:event carries its activity seq (what mod:watch { since } continues after), and user.banned its ban', async () => {
    const articleId = fresh('seq');
    const mod = rawSocket(b.url, await token(b, 'mia', 'moderator'));
    ok(await mod.emitWithAck('mod:watch', {}));
    const heard: ModEventPayload[] = [];
    mod.on('mod:event', (e) => heard.push(e));
    const author = rawSocket(a.url, await token(a, 'seq-user'));
    const { comment } = ok(await author.emitWithAck('comment:post', { articleId, body: 'numbered' }));
    ok(await mod.emitWithAck('mod:ban', { userId: 'seq-user', reason: 'testing', duration: '1d' }));
    await eventually(() => heard.some((e) => e.type === 'user.banned'), 3000);
    const created = heard.find((e) => e.type === 'comment.created' && e.comment?.id === comment.id)!;
    const banned = heard.find((e) => e.type === 'user.banned')!;
    expect(created.seq).toBeGreaterThan(0);
    expect(banned.seq).toBeGreaterThan(created.seq!);
    expect(banned.ban).toMatchObject({ userId: 'seq-user', reason: 'testing', by: { id: 'mia' } });
    expect(Date.parse(banned.ban!.until!) - Date.parse(banned.ban!.at)).toBe(86_400_000);
    // The seq is the activity log's: asking for what came after the comment answers the ban.
    const { activity } = ok(await mod.emitWithAck('mod:watch', { since: created.seq })) as { activity: ActivityView[] };
    expect(activity.map((e) => e.seq)).toContain(banned.seq);
    expect(activity.every((e) => e.seq > created.seq!)).toBe(true);
  });
});
