/**
 * ImportStore: writing a thread's history as it was (no seq, no event), once; then a new epoch;
 * and reading everything back for an export.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore, ImportRecord } from '../../../server/core/ports.js';
import { at, useStore, type StoreFactory } from './fixture.js';

export function importContract(storeName: string, factory: StoreFactory): void {
  describe(`ImportStore contract: ${storeName}`, () => {
    const { ctx, post } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });

    const record = (id: string, over: Partial<ImportRecord> = {}): ImportRecord => ({
      id: `${article}-${id}`,
      parentId: null,
      rootId: `${article}-${id}`,
      author: { id: `imp:${id}`, name: `Name ${id}`, email: `${id}@example.org` },
      body: `text of ${id}`,
      doc: [],
      source: { name: 'disqus', id: `dsq-${id}` },
      status: 'visible',
      createdAt: `2019-0${Math.min(9, id.length)}-01T00:00:00.000Z`,
      editedAt: null,
      ...over,
    });
    const thread = (): ImportRecord[] => {
      const r = record('r');
      return [
        r,
        record('a', { parentId: r.id, rootId: r.id, up: 3, down: 1 }),
        record('h', { parentId: r.id, rootId: r.id, status: 'pending', heldReason: 'imported as pending' }),
        record('d', { parentId: r.id, rootId: r.id, status: 'deleted', body: '' }),
        record('s', { status: 'removed', removedReason: 'spam', removedFrom: 'visible' }),
      ];
    };

    it('writes a thread as it was: no event, no seq; counts, replies, held in the queue, votes read back', async () => {
      const before = (await store.heads([article]))[article]!;
      const written = await store.importComments(article, thread(), 'ep-import');
      expect(written).toEqual(['r', 'a', 'h', 'd', 's'].map((id) => `${article}-${id}`));
      const after = (await store.heads([article]))[article]!;
      expect(after.head).toBe(before.head);
      expect((await store.counts([article]))[article]).toBe(2);
      const root = await store.get(article, `${article}-r`);
      // The visible reply and the tombstone are in the thread; the held one is not, yet.
      expect(root?.replyCount).toBe(2);
      expect(root?.source).toEqual({ name: 'disqus', id: 'dsq-r' });
      expect((await store.queue(100)).filter((q) => q.articleId === article).map((q) => q.commentId)).toEqual([`${article}-h`]);
      const snap = await store.snapshot(article, { sort: 'newest', cursor: null, limit: 10, replies: 10, maxBytes: 1 << 20 });
      const reply = snap.comments.find((c) => c.id === `${article}-a`)!;
      expect([reply.up, reply.down]).toEqual([3, 1]);
      expect((await store.userComments('imp:a', 10, 0)).map((c) => c.commentId)).toEqual([`${article}-a`]);
    });

    it('a second run writes nothing and changes nothing', async () => {
      await store.importComments(article, thread(), 'ep-import');
      const first = await store.articleComments(article);
      expect(await store.importComments(article, thread(), 'ep-import')).toEqual([]);
      expect(await store.articleComments(article)).toEqual(first);
      expect((await store.counts([article]))[article]).toBe(2);
    });

    it('imports beside comments written live, after them in creation order', async () => {
      const live = (await post({ id: `${article}-live` })).comment;
      await store.importComments(article, [record('x')], 'ep-import');
      const all = await store.articleComments(article);
      expect(all.map((c) => c.id)).toEqual([live.id, `${article}-x`]);
      expect(all[1]!.order).toBeGreaterThan(live.order);
      expect((await store.counts([article]))[article]).toBe(2);
    });

    it('rewrites history: a new epoch, the head moved on, readers behind it told their place is gone', async () => {
      await post({ id: `${article}-1` });
      await post({ id: `${article}-2` });
      const before = (await store.heads([article]))[article]!;
      await store.importComments(article, [record('y')], before.epoch);
      await store.rewriteHistory(article, 'ep-after-import');
      const after = (await store.heads([article]))[article]!;
      expect(after.epoch).toBe('ep-after-import');
      expect(after.head).toBe(before.head + 1);
      const since = await store.eventsSince(article, 1, { limit: 100, maxBytes: 1 << 20 });
      expect(since.kind).toBe('gone');
      // Writes after it continue from the new head, in the new epoch.
      const next = await post({ id: `${article}-3` });
      expect(next.event?.seq).toBe(after.head + 1);
      expect(next.event?.epoch).toBe('ep-after-import');
    });

    it('reads every comment of an article back, any status, in creation order, with votes', async () => {
      await store.importComments(article, thread(), 'ep-import');
      const all = await store.articleComments(article);
      expect(all.map((c) => [c.id.slice(article.length + 1), c.status])).toEqual([
        ['r', 'visible'],
        ['a', 'visible'],
        ['h', 'pending'],
        ['d', 'deleted'],
        ['s', 'removed'],
      ]);
      expect(all[1]).toMatchObject({ up: 3, down: 1, author: { id: 'imp:a', name: 'Name a', email: 'a@example.org' } });
      expect(all.every((c) => Array.isArray(c.doc))).toBe(true);
      expect(await store.articleComments(`${article}-none`)).toEqual([]);
    });

    it('lists every article, in pages', async () => {
      const mine = [article, `${article}-b`, `${article}-c`];
      for (const id of mine) await store.importComments(id, [record(`z`, { id: `${id}-z`, rootId: `${id}-z` })], 'ep');
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.articleIds(cursor, 2);
        seen.push(...page.ids);
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== null && pages < 10_000);
      expect(cursor).toBeNull();
      for (const id of mine) expect(seen).toContain(id);
    });

    it('says whether an article is closed', async () => {
      expect(await store.isClosed(article)).toBe(false);
      await store.setClosed({ articleId: article, closed: true, epochCandidate: 'ep', at });
      expect(await store.isClosed(article)).toBe(true);
      expect(await store.isClosed(`${article}-unknown`)).toBe(false);
    });
  });
}
