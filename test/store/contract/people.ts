/**
 * PeopleStore: what is kept about a person beyond their comments, and forgetting them.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore } from '../../../server/core/ports.js';
import { at, useStore, type StoreFactory } from './fixture.js';

export function peopleContract(storeName: string, factory: StoreFactory): void {
  describe(`PeopleStore contract: ${storeName}`, () => {
    const { ctx, post } = useStore(factory);
    let store: CommentStore;
    let article: string;
    let user: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
      user = `person-${article}`;
    });

    it("pages through a user's comments in the order they wrote them", async () => {
      for (let i = 0; i < 5; i++) await post({ id: `${article}-p${i}`, author: { id: user, name: 'Pat' } });
      const ids = (await store.userComments(user, 2, 0)).concat(await store.userComments(user, 2, 2), await store.userComments(user, 2, 4));
      expect(ids.map((r) => r.commentId)).toEqual([0, 1, 2, 3, 4].map((i) => `${article}-p${i}`));
      expect(ids.every((r) => r.articleId === article)).toBe(true);
      expect(await store.userComments(user, 2, 5)).toEqual([]);
    });

    it('lists the votes a user gives now and the reports they made', async () => {
      const a = (await post({ id: `${article}-a` })).comment;
      const b = (await post({ id: `${article}-b` })).comment;
      await store.vote({ articleId: article, commentId: a.id, userId: user, value: 1, rootOrder: a.order });
      await store.vote({ articleId: article, commentId: b.id, userId: user, value: -1, rootOrder: b.order });
      await store.vote({ articleId: article, commentId: a.id, userId: user, value: 0, rootOrder: a.order });
      expect(await store.userVotes(user, 10)).toEqual([{ articleId: article, commentId: b.id, value: -1 }]);
      await store.addReport(article, a.id, { userId: user, reason: 'rude', at });
      await store.addReport(article, a.id, { userId: user, reason: 'again', at });
      expect(await store.userReports(user, 10)).toEqual([{ articleId: article, commentId: a.id, reason: 'rude', at }]);
    });

    it('forgets a user: indexes, notes, hold and address go, their votes stay counted without their name', async () => {
      const c = (await post({ id: `${article}-f`, author: { id: user, name: 'Pat' } })).comment;
      const other = (await post({ id: `${article}-o` })).comment;
      await store.vote({ articleId: article, commentId: other.id, userId: user, value: 1, rootOrder: other.order });
      await store.addReport(article, other.id, { userId: user, reason: null, at });
      await store.addNote(user, { id: 'n1', by: { id: 'mia', name: 'Mia' }, at, text: 'a note' });
      await store.setHold(user, { by: { id: 'mia', name: 'Mia' }, at, reason: null });
      await store.noteAddress(user, 'addr-hash');
      expect(await store.erasedAt(user)).toBeNull();
      await store.markErased(user, at);
      await store.forgetUser(user);
      expect(await store.erasedAt(user)).toBe(at);
      expect(await store.userComments(user, 10)).toEqual([]);
      expect(await store.userVotes(user, 10)).toEqual([]);
      expect(await store.userReports(user, 10)).toEqual([]);
      expect(await store.notes(user, 10)).toEqual([]);
      expect(await store.hold(user)).toBeNull();
      expect(await store.lastAddress(user)).toBeNull();
      expect(await store.myVotes(article, user, [other.id])).toEqual({});
      const page = await store.snapshot(article, { sort: 'newest', cursor: null, limit: 10, maxBytes: 1e6, replies: 5 });
      expect(page.comments.find((x) => x.id === other.id)).toMatchObject({ up: 1, down: 0 });
      // The comment itself is the core's to scrub (through update); the store keeps it.
      expect(await store.get(article, c.id)).not.toBeNull();
    });

    it('lets update change who wrote a comment (erasure)', async () => {
      const c = (await post({ id: `${article}-e`, author: { id: user, name: 'Pat' } })).comment;
      const r = await store.update({
        articleId: article,
        commentId: c.id,
        expect: { status: 'visible' },
        patch: { status: 'deleted', body: '', doc: [], author: { id: 'erased', name: 'erased' }, review: null },
        eventType: 'comment.deleted',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'ep1',
        at,
      });
      expect(r.kind).toBe('updated');
      const stored = await store.get(article, c.id);
      expect(stored).toMatchObject({ status: 'deleted', body: '', author: { id: 'erased', name: 'erased' } });
      expect(JSON.stringify(stored)).not.toContain('Pat');
    });
  });
}
