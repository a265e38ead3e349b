/**
 * ModerationStore: the queue, reports, bans, a user's comments, staff names.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore } from '../../../server/core/ports.js';
import { at, useStore, type StoreFactory } from './fixture.js';

export function moderationContract(storeName: string, factory: StoreFactory): void {
  describe(`ModerationStore contract: ${storeName}`, () => {
    const { ctx, post } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });

    it('queues held comments and reported ones once per reporter, oldest first', async () => {
      const held = await post({ status: 'pending' }, false);
      const c = await post();
      expect(await store.addReport(article, c.comment.id, { userId: 'r1', reason: 'spam', at: '2026-01-01T00:00:01.000Z' })).toBe(true);
      expect(await store.addReport(article, c.comment.id, { userId: 'r1', reason: 'again', at: '2026-01-01T00:00:02.000Z' })).toBe(false);
      expect(await store.addReport(article, c.comment.id, { userId: 'r2', reason: null, at: '2026-01-01T00:00:03.000Z' })).toBe(true);
      expect(await store.addReport(article, 'missing', { userId: 'r1', reason: null, at })).toBe(false);
      const mine = (await store.queue(1000)).filter((e) => e.articleId === article);
      expect(mine.map((e) => [e.commentId, e.reason])).toEqual([
        [held.comment.id, 'held'],
        [c.comment.id, 'reported'],
      ]);
      expect((await store.reports(article, c.comment.id)).map((r) => r.userId)).toEqual(['r1', 'r2']);
      await store.dequeue(article, held.comment.id);
      await store.dequeue(article, c.comment.id);
      expect((await store.queue(1000)).filter((e) => e.articleId === article)).toEqual([]);
    });

    it("bans and unbans, and lists a user's comments", async () => {
      const user = `user-${article}`;
      expect(await store.isBanned(user)).toBe(false);
      expect(await store.setBan(user, true)).toBe(true);
      expect(await store.setBan(user, true)).toBe(false);
      expect(await store.isBanned(user)).toBe(true);
      expect(await store.setBan(user, false)).toBe(true);
      expect(await store.isBanned(user)).toBe(false);
      const c1 = await post({ author: { id: user, name: 'X' } });
      const c2 = await post({ author: { id: user, name: 'X' } });
      expect(await store.userComments(user, 100)).toEqual([
        { articleId: article, commentId: c1.comment.id },
        { articleId: article, commentId: c2.comment.id },
      ]);
      expect(await store.userComments(user, 1)).toEqual([{ articleId: article, commentId: c1.comment.id }]);
    });

    it('queues an edit held for review and takes it off again', async () => {
      const c = await post();
      await store.enqueueHeld(article, c.comment.id, '2026-01-01T00:00:05.000Z');
      expect((await store.queue(1000)).filter((e) => e.articleId === article)).toEqual([
        { articleId: article, commentId: c.comment.id, reason: 'held', at: '2026-01-01T00:00:05.000Z' },
      ]);
      await store.dequeue(article, c.comment.id);
      expect((await store.queue(1000)).filter((e) => e.articleId === article)).toEqual([]);
    });

    it('remembers staff names', async () => {
      await store.addStaffName(`Mia ${article}`);
      await store.addStaffName(`Mia ${article}`);
      expect((await store.staffNames()).filter((x) => x === `Mia ${article}`)).toHaveLength(1);
    });
  });
}
