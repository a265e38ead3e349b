/**
 * VoteStore, and what votes and counts change in ThreadStore reads: sort orders (oldest, top and
 * the ranking a client pages through), counts on snapshots and events, later replies, and the
 * scores version that lets readers converge without an event per vote.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore, PageQuery } from '../../../server/core/ports.js';
import { useStore, type StoreFactory } from './fixture.js';

const page = (q: Partial<PageQuery> & Pick<PageQuery, 'sort'>): PageQuery => ({
  cursor: null,
  limit: 100,
  replies: 1000,
  maxBytes: 1 << 30,
  ...q,
});

export function votesContract(storeName: string, factory: StoreFactory): void {
  describe(`VoteStore and sort orders contract: ${storeName}`, () => {
    const { ctx, post } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });
    const vote = (commentId: string, userId: string, value: -1 | 0 | 1, rootOrder: number | null) =>
      store.vote({ articleId: article, commentId, userId, value, rootOrder });

    it('counts one vote per user and comment; repeating it changes nothing, 0 takes it back', async () => {
      const c = await post();
      expect(await vote(c.comment.id, 'u1', 1, c.comment.order)).toMatchObject({ up: 1, down: 0, myVote: 1, changed: true, version: 1 });
      expect(await vote(c.comment.id, 'u1', 1, c.comment.order)).toMatchObject({ up: 1, down: 0, myVote: 1, changed: false, version: 1 });
      expect(await vote(c.comment.id, 'u2', -1, c.comment.order)).toMatchObject({ up: 1, down: 1, changed: true, version: 2 });
      expect(await vote(c.comment.id, 'u1', -1, c.comment.order)).toMatchObject({ up: 0, down: 2, myVote: -1, version: 3 });
      expect(await vote(c.comment.id, 'u2', 0, c.comment.order)).toMatchObject({ up: 0, down: 1, myVote: 0, version: 4 });
      expect(await store.myVotes(article, 'u1', [c.comment.id, 'other'])).toEqual({ [c.comment.id]: -1 });
      expect(await store.myVotes(article, 'u2', [c.comment.id])).toEqual({});
      const s = await store.snapshot(article, page({ sort: 'newest' }));
      expect(s.comments[0]).toMatchObject({ up: 0, down: 1 });
      expect(s.scoresVersion).toBe(4);
      expect((await store.heads([article]))[article]).toMatchObject({ scores: 4 });
    });

    it('votes take no seq: the event log and head do not move', async () => {
      const c = await post();
      for (let i = 0; i < 10; i++) await vote(c.comment.id, `u${i}`, 1, c.comment.order);
      expect((await store.heads([article]))[article]?.head).toBe(1);
      const r = await store.eventsSince(article, 0, { limit: 100, maxBytes: 1 << 30 });
      expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([1]);
    });

    it('tells which counts changed since a scores version, in pages', async () => {
      const a = await post();
      const b = await post();
      const c = await post();
      await vote(a.comment.id, 'u1', 1, a.comment.order);
      await vote(b.comment.id, 'u1', 1, b.comment.order);
      await vote(a.comment.id, 'u2', -1, a.comment.order);
      await vote(c.comment.id, 'u1', -1, c.comment.order);
      expect(await store.scoresSince(article, 1, 100)).toEqual({
        version: 4,
        more: false,
        scores: { [b.comment.id]: [1, 0], [a.comment.id]: [1, 1], [c.comment.id]: [0, 1] },
      });
      const first = await store.scoresSince(article, 0, 2);
      expect(first.more).toBe(true);
      expect(Object.keys(first.scores)).toHaveLength(2);
      const rest = await store.scoresSince(article, first.version, 2);
      expect({ ...first.scores, ...rest.scores }).toEqual({ [a.comment.id]: [1, 1], [b.comment.id]: [1, 0], [c.comment.id]: [0, 1] });
      expect(rest).toMatchObject({ version: 4, more: false });
      expect(await store.scoresSince(article, 4, 10)).toEqual({ version: 4, scores: {}, more: false });
    });

    it('oldest order starts at the first thread and pages forward; newest pages backward from a cursor', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await post()).comment.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const p = await store.snapshot(article, page({ sort: 'oldest', cursor, limit: 3 }));
        seen.push(...p.comments.map((c) => c.id));
        cursor = p.cursor;
      } while (cursor);
      expect(seen).toEqual(ids);
      const middle = (await store.get(article, ids[3]!))!.order;
      // Newest order, backward from the fourth: the newer ones, nearest first.
      const back = await store.snapshot(article, page({ sort: 'newest', cursor: String(middle), backward: true, limit: 2 }));
      expect(back.comments.map((c) => c.id)).toEqual([ids[4], ids[5]]);
      expect(back.cursor).not.toBeNull();
    });

    it('top order: net votes, then the older; the first page ranks the rest, later pages take roots by id', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await post()).comment.id);
      const order = async (id: string) => (await store.get(article, id))!.order;
      // Net votes: #2 → 2, #4 → 1, #0 → -1, the others 0 (ties: the older first).
      for (const [i, user, value] of [
        [2, 'a', 1],
        [2, 'b', 1],
        [4, 'a', 1],
        [0, 'a', -1],
        [5, 'a', 1],
        [5, 'a', 0],
      ] as const) {
        await vote(ids[i]!, user, value, await order(ids[i]!));
      }
      const reply = await post({ parentId: ids[1]!, rootId: ids[1]! });
      await vote(reply.comment.id, 'a', 1, null);
      const expected = [ids[2], ids[4], ids[1], ids[3], ids[5], ids[0]];
      const first = await store.snapshot(article, page({ sort: 'top', limit: 2, rankAfter: 10 }));
      expect(first.comments.filter((c) => c.parentId === null).map((c) => c.id)).toEqual(expected.slice(0, 2));
      expect(first.rank).toEqual(expected.slice(2));
      expect(first.cursor).toBeNull();
      const next = await store.snapshot(article, page({ sort: 'top', roots: first.rank!.slice(0, 2) }));
      expect(next.comments.map((c) => c.id)).toEqual([ids[1], reply.comment.id, ids[3]]);
      expect(next.comments[1]).toMatchObject({ up: 1, down: 0 });
      expect(next.rank).toBeUndefined();
    });

    it('counts visible comments on snapshots, live events and catch-up', async () => {
      const a = await post();
      const b = await post();
      expect(a.event?.count).toBe(1);
      expect(b.event?.count).toBe(2);
      const removed = await store.update({
        articleId: article,
        commentId: a.comment.id,
        expect: { status: 'visible' },
        patch: { status: 'removed' },
        eventType: 'comment.removed',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at: a.comment.createdAt,
      });
      expect(removed.kind === 'updated' && removed.event?.count).toBe(1);
      expect((await store.snapshot(article, page({ sort: 'newest' }))).count).toBe(1);
      const r = await store.eventsSince(article, 0, { limit: 100, maxBytes: 1 << 30 });
      expect(r.kind === 'events' && r.count).toBe(1);
    });

    it("pages a thread's later replies forward from a cursor, each once", async () => {
      const root = await post();
      const replies: string[] = [];
      for (let i = 0; i < 9; i++) replies.push((await post({ parentId: root.comment.id, rootId: root.comment.id })).comment.id);
      const third = (await store.get(article, replies[2]!))!.order;
      const seen: string[] = [];
      let cursor: string | null = String(third);
      while (cursor) {
        const p = await store.replies(article, root.comment.id, { cursor, later: true }, { limit: 4, maxBytes: 1 << 30 });
        seen.push(...p.comments.map((c) => c.id));
        cursor = p.cursor;
      }
      expect(seen).toEqual(replies.slice(3));
    });
  });
}
