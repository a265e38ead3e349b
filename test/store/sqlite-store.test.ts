import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportRecord, NewComment } from '../../server/core/ports.js';
import { DataDirInUseError, SqliteStore } from '../../server/store/sqlite-store.js';
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
