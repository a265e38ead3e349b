import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportRecord, NewComment } from '../../server/core/ports.js';
import { DataDirInUseError, retain, SqliteStore } from '../../server/store/sqlite-store.js';
import { MIGRATIONS } from '../../server/store/sqlite-schema.js';
import { SqliteMailStore } from '../../server/store/sqlite-mail-store.js';
import { SqliteWebhookStore } from '../../server/store/sqlite-webhook-store.js';
import { describeStore } from './contract.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lt-sqlite-'));
  dirs.push(d);
  return d;
};
let open: SqliteStore | null = null;

describeStore('sqlite', {
  create: async ({ logSize }) => {
    // One store at a time: the previous test is over.
    await open?.close();
    // The contract is about semantics, not the disk: no sync per commit, so that 9,000 posts take seconds.
    open = new SqliteStore({ dir: tempDir(), logSize, durable: false });
    return open;
  },
  teardown: async () => {
    await open?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
});

describe('SqliteStore: what only a file store has', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const openStore = (dir: string) => {
    const s = new SqliteStore({ dir, logSize: 1000 });
    stores.push(s);
    return s;
  };
  const at = '2026-01-01T00:00:00.000Z';
  const comment = (id: string, over: Partial<NewComment> = {}): NewComment => ({
    id,
    articleId: 'a1',
    parentId: null,
    rootId: id,
    author: { id: 'u1', name: 'Ann' },
    body: `body ${id}`,
    status: 'visible',
    createdAt: at,
    ...over,
  });
  const page = { sort: 'newest' as const, cursor: null, limit: 100, replies: 10, maxBytes: 1 << 20 };

  it('reopening the file gives the same epoch, head and thread', async () => {
    const dir = tempDir();
    const first = openStore(dir);
    for (const id of ['c1', 'c2', 'c3'])
      await first.create({ comment: comment(id), clientKey: `u1:${id}`, publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
    await first.create({
      comment: comment('r1', { parentId: 'c1', rootId: 'c1' }),
      clientKey: null,
      publish: true,
      rejectIfClosed: true,
      epochCandidate: 'ep1',
      at,
    });
    await first.vote({ articleId: 'a1', commentId: 'c2', userId: 'u9', value: 1, rootOrder: 2 });
    const before = await first.snapshot('a1', page);
    await first.close();

    const again = openStore(dir);
    const after = await again.snapshot('a1', page);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ epoch: 'ep1', head: 4, count: 4, scoresVersion: 1 });
    expect(await again.heads(['a1'])).toEqual({ a1: { epoch: 'ep1', head: 4, scores: 1 } });
    // The log and the idempotency keys survive too: catch-up from 2, and no second c1.
    const r = await again.eventsSince('a1', 2, { limit: 100, maxBytes: 1 << 20 });
    expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([3, 4]);
    const dup = await again.create({
      comment: comment('c1-again'),
      clientKey: 'u1:c1',
      publish: true,
      rejectIfClosed: true,
      epochCandidate: 'other',
      at,
    });
    expect(dup.kind).toBe('duplicate');
    const next = await again.create({
      comment: comment('c4'),
      clientKey: null,
      publish: true,
      rejectIfClosed: true,
      epochCandidate: 'x',
      at,
    });
    expect(next.kind === 'created' && [next.event?.seq, next.event?.epoch, next.comment.order]).toEqual([5, 'ep1', 5]);
  });

  it('an online backup taken while the store is open and writing holds every acknowledged comment', async () => {
    const dir = tempDir();
    const store = openStore(dir);
    for (let i = 0; i < 50; i++)
      await store.create({ comment: comment(`b${i}`), clientKey: null, publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
    // As a backup tool does (`sqlite3 livethread.db ".backup FILE"`, `npm run backup`): another
    // connection, no lock taken, a consistent copy (VACUUM INTO: a statement, so nothing here is left
    // for the garbage collector to finalize; see `retain`).
    const outside = retain(new Database(join(dir, 'livethread.db'), { fileMustExist: true }));
    const copy = join(tempDir(), 'copy.db');
    retain(outside.prepare('VACUUM INTO ?')).run(copy);
    outside.close();
    await store.create({ comment: comment('after'), clientKey: null, publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
    const restoredDir = tempDir();
    renameSync(copy, join(restoredDir, 'livethread.db'));
    const restored = openStore(restoredDir);
    const s = await restored.snapshot('a1', { ...page, limit: 100 });
    expect(s).toMatchObject({ epoch: 'ep1', head: 50, count: 50 });
    expect(s.comments.map((c) => c.id)).not.toContain('after');
  });

  it('writes arriving together are committed together, each atomic: gap-free seqs, one comment per key', async () => {
    const store = openStore(tempDir());
    const post = (id: string, clientKey: string | null) =>
      store.create({ comment: comment(id), clientKey, publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => post(`g${i}`, null)),
      ...Array.from({ length: 5 }, (_, i) => post(`same${i}`, 'u1:same')),
      store.update({
        articleId: 'a1',
        commentId: 'missing',
        expect: { version: 1 },
        patch: { body: 'x' },
        eventType: 'comment.edited',
        visibleDelta: 0,
        parentReplyDelta: 0,
        epochCandidate: 'ep1',
        at,
      }),
    ]);
    const created = results.filter((r) => r.kind === 'created');
    expect(created).toHaveLength(41);
    expect(results.filter((r) => r.kind === 'duplicate')).toHaveLength(4);
    expect(results.at(-1)).toEqual({ kind: 'not_found' });
    expect(created.map((r) => (r.kind === 'created' ? r.event?.seq : 0)).sort((x, y) => x! - y!)).toEqual(
      Array.from({ length: 41 }, (_, i) => i + 1),
    );
    const log = await store.eventsSince('a1', 0, { limit: 1000, maxBytes: 1 << 30 });
    expect(log.kind === 'events' && log.events.map((e) => e.seq)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });

  it("webhooks: the change feed, an endpoint's cursors, state and deliveries survive a reopen", async () => {
    const dir = tempDir();
    const first = openStore(dir);
    const hooks = new SqliteWebhookStore(first);
    expect(await hooks.markChanged('a1')).toBe(1);
    expect(await hooks.markChanged('a2')).toBe(2);
    expect(await hooks.markChanged('a1')).toBe(3);
    expect(await hooks.changedSince(0, 10)).toEqual({
      head: 3,
      articles: [
        { articleId: 'a2', mark: 2 },
        { articleId: 'a1', mark: 3 },
      ],
    });
    await hooks.setCursor('ep', 'a1', { epoch: 'e1', seq: 7 });
    const state = {
      since: at,
      mark: 3,
      activity: 2,
      failures: 0,
      failingSince: null,
      retryAt: null,
      failing: false,
      lastSuccessAt: at,
      lastError: null,
      replaySince: null,
    };
    await hooks.setEndpointState('ep', state);
    await hooks.appendDelivery({ at, endpoint: 'https://h/ (json)', webhookId: 'w1', type: 'comment.created', status: 200 } as never);
    expect(await hooks.claimLease('ep', 'me', 10_000)).toBe(true);
    expect(await hooks.claimLease('ep', 'other', 10_000)).toBe(false);
    await first.close();

    const again = new SqliteWebhookStore(openStore(dir));
    expect(await again.changedSince(2, 10)).toEqual({ head: 3, articles: [{ articleId: 'a1', mark: 3 }] });
    expect(await again.cursor('ep', 'a1')).toEqual({ epoch: 'e1', seq: 7 });
    expect(await again.cursor('ep', 'a2')).toBeNull();
    expect(await again.endpointState('ep')).toEqual(state);
    expect((await again.deliveries(10)).map((d) => d.webhookId)).toEqual(['w1']);
    expect(await again.markChanged('a3')).toBe(4);
  });

  it('the change feed keeps exactly the newest articles, each counted once, across a reopen', async () => {
    const dir = tempDir();
    const first = openStore(dir);
    const hooks = new SqliteWebhookStore(first, { feedKeep: 3 });
    // x is re-marked often: the marks run far past the bound while only a few articles change.
    for (const a of ['w', 'x', 'x', 'x', 'x', 'y', 'x', 'x']) await hooks.markChanged(a);
    expect((await hooks.changedSince(0, 10)).articles).toEqual([
      { articleId: 'w', mark: 1 },
      { articleId: 'y', mark: 6 },
      { articleId: 'x', mark: 8 },
    ]);
    await first.close();
    const again = new SqliteWebhookStore(openStore(dir), { feedKeep: 3 });
    await again.markChanged('z');
    expect(await again.changedSince(0, 10)).toEqual({
      head: 9,
      articles: [
        { articleId: 'y', mark: 6 },
        { articleId: 'x', mark: 8 },
        { articleId: 'z', mark: 9 },
      ],
    });
  });

  it('reply e-mails: people, followers, the outbox and when each was last mailed survive a reopen', async () => {
    const dir = tempDir();
    const first = openStore(dir);
    const mail = new SqliteMailStore(first);
    const person = {
      userId: 'u1',
      name: 'Ann',
      email: 'ann@example.com',
      pending: null,
      replies: true,
      digest: 'instant' as const,
      none: false,
      follows: ['a1\nc1'],
      muted: [],
    };
    await mail.savePerson(person);
    expect(await mail.setFollower('a1', 'c1', 'u1', true)).toBe(true);
    expect(await mail.setFollower('a1', 'c1', 'u2', true)).toBe(true);
    expect(await mail.setFollower('a1', 'c1', 'u2', false)).toBe(true);
    const batch = { key: 'u1|a1|c1', id: 'm1', userId: 'u1', articleId: 'a1', rootId: 'c1', sendAt: 1000 };
    expect(await mail.queueMail(batch, 'r1')).toBe('created');
    expect(await mail.queueMail({ ...batch, id: 'other', sendAt: 5 }, 'r2')).toBe('added');
    expect(await mail.queueMail(batch, 'r2')).toBe('added');
    await mail.queueMail({ ...batch, key: 'later', sendAt: 9000 }, 'r3');
    const now = Date.now();
    await mail.setLastMailed('u1', 'a1\nc1', now);
    await mail.noteWatching([{ userId: 'u1', articleId: 'a1' }], 60_000);
    expect(await mail.isWatching('u1', 'a1')).toBe(true);
    await first.close();

    const again = new SqliteMailStore(openStore(dir));
    expect(await again.person('u1')).toEqual(person);
    expect(await again.followers('a1', 'c1', 10)).toEqual(['u1']);
    expect(await again.dueMail(2000, 10)).toEqual([{ ...batch, commentIds: ['r1', 'r2'] }]);
    await again.reschedule('u1|a1|c1', 10_000);
    expect((await again.dueMail(9500, 10)).map((b) => b.key)).toEqual(['later']);
    await again.finishMail('later');
    expect((await again.dueMail(20_000, 10)).map((b) => b.key)).toEqual(['u1|a1|c1']);
    expect(await again.lastMailed('u1', 'a1\nc1')).toBe(now);
    // Watching is a few seconds' fact, kept in memory.
    expect(await again.isWatching('u1', 'a1')).toBe(false);
  });

  it('migrates a file of an earlier schema version at start-up, keeping its data; refuses a newer one', async () => {
    const dir = tempDir();
    const old = retain(new Database(join(dir, 'livethread.db')));
    old.exec(MIGRATIONS[0]!);
    retain(old.prepare('PRAGMA user_version = 1')).run();
    retain(old.prepare("INSERT INTO articles (id, epoch, seq) VALUES ('a1', 'old-epoch', 7)")).run();
    old.close();
    const store = openStore(dir);
    expect(await store.heads(['a1'])).toEqual({ a1: { epoch: 'old-epoch', head: 7, scores: 0 } });
    expect(await new SqliteWebhookStore(store).markChanged('a1')).toBe(1);
    await store.close();
    const newer = retain(new Database(join(dir, 'livethread.db')));
    retain(newer.prepare(`PRAGMA user_version = ${MIGRATIONS.length + 1}`)).run();
    newer.close();
    expect(() => new SqliteStore({ dir })).toThrow(/newer than this version/);
  });

  it('schema 5 counts the change feed of a schema-4 file: its bound holds from the first mark', async () => {
    const dir = tempDir();
    const old = retain(new Database(join(dir, 'livethread.db')));
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    retain(old.prepare('PRAGMA user_version = 4')).run();
    retain(old.prepare("INSERT INTO webhook_feed (article_id, mark) VALUES ('a', 1), ('b', 2), ('c', 3)")).run();
    retain(old.prepare('UPDATE webhook_marks SET last = 3 WHERE id = 1')).run();
    old.close();
    const hooks = new SqliteWebhookStore(openStore(dir), { feedKeep: 3 });
    expect(await hooks.markChanged('d')).toBe(4);
    expect((await hooks.changedSince(0, 10)).articles.map((a) => a.articleId)).toEqual(['b', 'c', 'd']);
  });

  it('refuses a second store on the same directory, and frees it on close', async () => {
    const dir = tempDir();
    const first = openStore(dir);
    expect(() => new SqliteStore({ dir })).toThrow(DataDirInUseError);
    expect(() => new SqliteStore({ dir })).toThrow(dir);
    await first.close();
    openStore(dir);
  });

  it('loads a thread with 20,000 replies under one comment, in bounded pages', async () => {
    const store = openStore(tempDir());
    await store.create({ comment: comment('root'), clientKey: null, publish: true, rejectIfClosed: false, epochCandidate: 'ep1', at });
    // Written as an import does (500 a transaction): 20,000 single posts would take a disk sync each.
    const records: ImportRecord[] = Array.from({ length: 20_000 }, (_, i) => {
      const { articleId: _a, ...c } = comment(`r${i}`, { parentId: i % 2 ? `r${i - 1}` : 'root', rootId: 'root', body: `reply ${i}` });
      return { ...c, editedAt: null };
    });
    for (let i = 0; i < records.length; i += 500)
      expect(await store.importComments('a1', records.slice(i, i + 500), 'ep1')).toHaveLength(500);
    const t0 = performance.now();
    const s = await store.snapshot('a1', { sort: 'newest', cursor: null, limit: 100, replies: 20, maxBytes: 512 * 1024 });
    expect(s.comments).toHaveLength(21);
    expect(s.comments.at(-1)?.body).toBe('reply 19999');
    let cursor: string | null = s.replyCursors.root!;
    const seen = s.comments.slice(1).map((c) => c.body);
    while (cursor) {
      const p = await store.replies('a1', 'root', { cursor }, { limit: 500, maxBytes: 64 * 1024 });
      expect(p.comments.length).toBeGreaterThan(0);
      expect(p.comments.length).toBeLessThanOrEqual(500);
      // The bound is met after the item that reaches it: one reply past 64 KB at most.
      expect(JSON.stringify(p.comments).length).toBeLessThan(80 * 1024);
      seen.unshift(...p.comments.map((c) => c.body));
      cursor = p.cursor;
    }
    expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => `reply ${i}`));
    // Bounded reads: the whole walk takes well under a second on an indexed thread.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect((await store.get('a1', 'root'))?.replyCount).toBe(10_000);
  }, 120_000);
});
