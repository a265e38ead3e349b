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
      const by = { id: 'm', name: 'M' };
      const now = '2026-06-01T00:00:00.000Z';
      expect(await store.activeBan(user, null, now)).toBeNull();
      const ban = { userId: user, until: null, reason: 'spam', by, at: now, addressHash: null };
      expect(await store.ban(ban)).toBe(true);
      expect(await store.ban(ban)).toBe(false);
      expect(await store.activeBan(user, null, now)).toEqual(ban);
      expect((await store.bans(now, 1000)).map((b) => b.userId)).toContain(user);
      expect(await store.unban(user)).toEqual(ban);
      expect(await store.unban(user)).toBeNull();
      expect(await store.activeBan(user, null, now)).toBeNull();
      const c1 = await post({ author: { id: user, name: 'X' } });
      const c2 = await post({ author: { id: user, name: 'X' } });
      expect(await store.userComments(user, 100)).toEqual([
        { articleId: article, commentId: c1.comment.id },
        { articleId: article, commentId: c2.comment.id },
      ]);
      expect(await store.userComments(user, 1)).toEqual([{ articleId: article, commentId: c1.comment.id }]);
    });

    it('a ban with an address covers any user writing from it, and expires by itself', async () => {
      const by = { id: 'm', name: 'M' };
      const user = `guest-${article}`;
      const address = `addr-${article}`;
      await store.ban({
        userId: user,
        until: '2026-06-01T01:00:00.000Z',
        reason: null,
        by,
        at: '2026-06-01T00:00:00.000Z',
        addressHash: address,
      });
      // Another guest session from the same address is banned; from another address it is not.
      expect((await store.activeBan(`${user}-fresh`, address, '2026-06-01T00:30:00.000Z'))?.userId).toBe(user);
      expect(await store.activeBan(`${user}-fresh`, `other-${article}`, '2026-06-01T00:30:00.000Z')).toBeNull();
      // An hour later it is over, for the user and the address, and no longer listed.
      expect(await store.activeBan(user, address, '2026-06-01T01:00:00.001Z')).toBeNull();
      expect((await store.bans('2026-06-01T01:00:00.001Z', 1000)).map((b) => b.userId)).not.toContain(user);
      await store.ban({ userId: user, until: null, reason: null, by, at: '2026-06-01T02:00:00.000Z', addressHash: address });
      await store.unban(user);
      expect(await store.activeBan(`${user}-fresh`, address, '2026-06-01T03:00:00.000Z')).toBeNull();
    });

    it("holds a user's comments, keeps notes and the address they last wrote from", async () => {
      const user = `held-${article}`;
      const by = { id: 'm', name: 'M' };
      expect(await store.setHold(user, { by, at: '2026-06-01T00:00:00.000Z', reason: 'new account' })).toBe(true);
      expect(await store.hold(user)).toEqual({ by, at: '2026-06-01T00:00:00.000Z', reason: 'new account' });
      expect(await store.setHold(user, null)).toBe(true);
      expect(await store.setHold(user, null)).toBe(false);
      expect(await store.hold(user)).toBeNull();
      await store.addNote(user, { id: 'n1', by, at: '2026-06-01T00:00:00.000Z', text: 'warned once' });
      await store.addNote(user, { id: 'n2', by, at: '2026-06-01T00:00:01.000Z', text: 'warned twice' });
      expect((await store.notes(user, 10)).map((n) => n.text)).toEqual(['warned once', 'warned twice']);
      expect(await store.lastAddress(user)).toBeNull();
      await store.noteAddress(user, 'h1');
      await store.noteAddress(user, 'h2');
      expect(await store.lastAddress(user)).toBe('h2');
    });

    it('numbers the activity log and reads it after a seq or backwards', async () => {
      const entry = (i: number) => ({
        at: `2026-06-01T00:00:0${i}.000Z`,
        type: 'comment.created' as const,
        articleId: article,
        commentId: `c${i}`,
        userId: 'u',
        auditId: null,
      });
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) seqs.push(await store.appendActivity(entry(i)));
      expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
      expect((await store.activity(seqs[1]!, 2)).map((e) => e.commentId)).toEqual(['c2', 'c3']);
      const newest = await store.activity(null, 2);
      expect(newest.map((e) => e.seq)).toEqual([seqs[3], seqs[4]]);
      expect((await store.activity(null, 2, seqs[3])).map((e) => e.seq)).toEqual([seqs[1], seqs[2]]);
    });

    it('lists the most recently active articles with their counts', async () => {
      const c = await post({ status: 'pending' }, false);
      await post();
      await store.touchArticle(article, '2099-01-01T00:00:00.000Z');
      const [first] = await store.recentArticles(5);
      expect(first).toMatchObject({ articleId: article, visible: 1, held: 1, reported: 0, closed: false });
      void c;
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
