/**
 * ThreadStore: comments, seq, the event log and its bounded reads.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore } from '../../../server/core/ports.js';
import { EMPTY_EPOCH } from '../../../shared/schemas.js';
import { at, useStore, type StoreFactory } from './fixture.js';

const ALL = { sort: 'newest' as const, cursor: null, limit: 100, replies: 1000, maxBytes: 1 << 30 };
const pageOf = (cursor: string | null, limit: number) => ({ sort: 'newest' as const, cursor, limit, replies: 1000, maxBytes: 1 << 30 });
const UNBOUNDED = { limit: 1000, maxBytes: 1 << 30 };

export function threadContract(storeName: string, factory: StoreFactory): void {
  describe(`ThreadStore contract: ${storeName}`, () => {
    const { ctx, comment, post } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });

    it('an article with no history has the empty epoch and head 0', async () => {
      const s = await store.snapshot(article, ALL);
      expect(s).toEqual({
        epoch: EMPTY_EPOCH,
        head: 0,
        closed: false,
        count: 0,
        scoresVersion: 0,
        comments: [],
        cursor: null,
        replyCursors: {},
      });
    });

    it('numbers public events 1, 2, 3 and keeps the epoch of the first write', async () => {
      const a = await post();
      const b = await post();
      expect(a.event?.seq).toBe(1);
      expect(b.event?.seq).toBe(2);
      expect(a.event?.epoch).toBe('ep1');
      await store.create({ comment: comment(), clientKey: null, publish: true, rejectIfClosed: false, epochCandidate: 'other', at });
      const s = await store.snapshot(article, ALL);
      expect(s.epoch).toBe('ep1');
      expect(s.head).toBe(3);
      expect(s.comments.map((c) => c.id)).toContain(a.comment.id);
    });

    it('stores one comment for a repeated idempotency key and returns it', async () => {
      const first = await post({ id: 'same-1' }, true, 'u1:k1');
      const again = await store.create({
        comment: comment({ id: 'same-2' }),
        clientKey: 'u1:k1',
        publish: true,
        rejectIfClosed: true,
        epochCandidate: 'ep1',
        at,
      });
      expect(again.kind).toBe('duplicate');
      expect(again.kind === 'duplicate' && again.comment.id).toBe(first.comment.id);
      const s = await store.snapshot(article, ALL);
      expect(s.comments).toHaveLength(1);
      expect(s.head).toBe(1);
    });

    it('a held comment takes no seq and is not counted', async () => {
      const r = await post({ status: 'pending' }, false);
      expect(r.event).toBeNull();
      const s = await store.snapshot(article, ALL);
      expect(s.head).toBe(0);
      expect(s.comments[0]?.status).toBe('pending');
      expect(await store.counts([article])).toEqual({ [article]: 0 });
    });

    it('replies follow their root in creation order and bump the parent reply count', async () => {
      const root = await post();
      const r1 = await post({ parentId: root.comment.id, rootId: root.comment.id });
      const r2 = await post({ parentId: r1.comment.id, rootId: root.comment.id });
      const other = await post();
      const s = await store.snapshot(article, ALL);
      expect(s.comments.map((c) => c.id)).toEqual([other.comment.id, root.comment.id, r1.comment.id, r2.comment.id]);
      expect((await store.get(article, root.comment.id))?.replyCount).toBe(1);
      expect((await store.get(article, r1.comment.id))?.replyCount).toBe(1);
    });

    it('updates only from the expected version, and logs the event', async () => {
      const c = await post();
      const edit = {
        articleId: article,
        commentId: c.comment.id,
        patch: { body: 'edited', editedAt: at },
        eventType: 'comment.edited' as const,
        visibleDelta: 0,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at,
      };
      const ok = await store.update({ ...edit, expect: { version: c.comment.version } });
      expect(ok.kind).toBe('updated');
      expect(ok.kind === 'updated' && ok.event?.seq).toBe(2);
      expect(ok.kind === 'updated' && ok.comment.version).toBe(c.comment.version + 1);
      const stale = await store.update({ ...edit, expect: { version: c.comment.version } });
      expect(stale.kind).toBe('conflict');
      const missing = await store.update({ ...edit, commentId: 'nope', expect: { version: 1 } });
      expect(missing.kind).toBe('not_found');
      expect((await store.get(article, c.comment.id))?.body).toBe('edited');
    });

    it('a status-guarded update wins over edits made since the read; the patch keeps the newer text', async () => {
      const c = await post();
      for (let i = 0; i < 3; i++) {
        const cur = (await store.get(article, c.comment.id))!;
        await store.update({
          articleId: article,
          commentId: c.comment.id,
          expect: { version: cur.version },
          patch: { body: `edit ${i}` },
          eventType: 'comment.edited',
          visibleDelta: 0,
          parentReplyDelta: 0,
          epochCandidate: 'x',
          at,
        });
      }
      const removed = await store.update({
        articleId: article,
        commentId: c.comment.id,
        expect: { status: 'visible' },
        patch: { status: 'removed', removedReason: 'r', removedFrom: 'visible' },
        eventType: 'comment.removed',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at,
      });
      expect(removed.kind).toBe('updated');
      const stored = (await store.get(article, c.comment.id))!;
      expect([stored.status, stored.body, stored.removedReason]).toEqual(['removed', 'edit 2', 'r']);
      const again = await store.update({
        articleId: article,
        commentId: c.comment.id,
        expect: { status: 'visible' },
        patch: { status: 'removed' },
        eventType: 'comment.removed',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at,
      });
      expect(again.kind).toBe('conflict');
      expect(await store.counts([article])).toEqual({ [article]: 0 });
    });

    it('refuses an update of a closed thread when asked to, atomically', async () => {
      const c = await post();
      await store.setClosed({ articleId: article, closed: true, epochCandidate: 'ep1', at });
      const r = await store.update({
        articleId: article,
        commentId: c.comment.id,
        expect: { version: c.comment.version },
        patch: { body: 'late' },
        eventType: 'comment.edited',
        visibleDelta: 0,
        parentReplyDelta: 0,
        rejectIfClosed: true,
        epochCandidate: 'x',
        at,
      });
      expect(r.kind).toBe('closed');
      expect((await store.get(article, c.comment.id))?.body).toBe(c.comment.body);
    });

    it('answers catch-up from the log and says gone past it', async () => {
      for (let i = 0; i < 8; i++) await post();
      const r = await store.eventsSince(article, 5, UNBOUNDED);
      expect(r.kind).toBe('events');
      expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([6, 7, 8]);
      expect(r.kind === 'events' && r.more).toBe(false);
      const none = await store.eventsSince(article, 8, UNBOUNDED);
      expect(none.kind === 'events' && none.events).toEqual([]);
      // logSize 5 keeps seq 4..8: since 3 still works, since 2 does not.
      expect((await store.eventsSince(article, 3, UNBOUNDED)).kind).toBe('events');
      expect((await store.eventsSince(article, 2, UNBOUNDED)).kind).toBe('gone');
      expect((await store.eventsSince(article, 9, UNBOUNDED)).kind).toBe('gone');
    });

    it('catch-up carries each comment as it is now, once: a removed one as removed, an edited one with its last text', async () => {
      const a = await post({ body: 'doxxing text' });
      const b = await post({ body: 'first draft' });
      const edit = (id: string, body: string, version: number) =>
        store.update({
          articleId: article,
          commentId: id,
          expect: { version },
          patch: { body, editedAt: at },
          eventType: 'comment.edited',
          visibleDelta: 0,
          parentReplyDelta: 0,
          epochCandidate: 'x',
          at,
        });
      await edit(b.comment.id, 'second draft', b.comment.version);
      await store.update({
        articleId: article,
        commentId: a.comment.id,
        expect: { status: 'visible' },
        patch: { status: 'removed', removedFrom: 'visible' },
        eventType: 'comment.removed',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at,
      });
      const r = await store.eventsSince(article, 0, UNBOUNDED);
      if (r.kind !== 'events') throw new Error('expected events');
      expect(r.events.map((e) => [e.seq, e.type, e.comment?.id ?? null])).toEqual([
        [1, 'comment.created', null],
        [2, 'comment.created', null],
        [3, 'comment.edited', b.comment.id],
        [4, 'comment.removed', a.comment.id],
      ]);
      expect(r.events[2]!.comment!.body).toBe('second draft');
      expect(r.events[3]!.comment!.status).toBe('removed');
      expect(JSON.stringify(r)).not.toContain('first draft');
    });

    it('cuts catch-up at its byte bound, counting each comment once, and says there is more', async () => {
      await store.create({ comment: comment(), clientKey: null, publish: true, rejectIfClosed: false, epochCandidate: 'ep1', at });
      const big = await post({ body: 'x'.repeat(4000) });
      let version = big.comment.version;
      // Ten edits of one big comment: one copy of it, not ten.
      for (let i = 0; i < 10; i++) {
        const r = await store.update({
          articleId: article,
          commentId: big.comment.id,
          expect: { version },
          patch: { body: 'y'.repeat(4000) + i },
          eventType: 'comment.edited',
          visibleDelta: 0,
          parentReplyDelta: 0,
          epochCandidate: 'x',
          at,
        });
        if (r.kind !== 'updated') throw new Error(r.kind);
        version = r.comment.version;
      }
      const seqs: number[] = [];
      // logSize 5: the last five events (seq 8..12) are kept.
      let since = 7;
      for (let round = 0; round < 10; round++) {
        const r = await store.eventsSince(article, since, { limit: 1000, maxBytes: 3000 });
        if (r.kind !== 'events') throw new Error('expected events');
        expect(r.events.length).toBeGreaterThan(0);
        seqs.push(...r.events.map((e) => e.seq));
        since = r.events.at(-1)!.seq;
        if (!r.more) break;
      }
      expect(seqs).toEqual([8, 9, 10, 11, 12]);
      const whole = await store.eventsSince(article, 7, { limit: 1000, maxBytes: 10_000 });
      if (whole.kind !== 'events') throw new Error('expected events');
      expect(whole.more).toBe(false);
      expect(whole.events.filter((e) => e.comment).map((e) => e.seq)).toEqual([12]);
      expect(whole.events.at(-1)!.comment!.body).toBe('y'.repeat(4000) + 9);
      const few = await store.eventsSince(article, 7, { limit: 2, maxBytes: 1 << 30 });
      expect(few.kind === 'events' && [few.events.map((e) => e.seq), few.more]).toEqual([[8, 9], true]);
    });

    it('snapshots carry the newest replies of each thread and page the earlier ones, each exactly once', async () => {
      const root = await post();
      const replies: string[] = [];
      let parent = root.comment.id;
      for (let i = 0; i < 23; i++) {
        // Some nested, some direct.
        const r = await post({ parentId: i % 3 === 0 ? root.comment.id : parent, rootId: root.comment.id });
        replies.push(r.comment.id);
        parent = r.comment.id;
      }
      const other = await post();
      const s = await store.snapshot(article, { sort: 'newest', cursor: null, limit: 10, replies: 5, maxBytes: 1 << 30 });
      expect(s.comments.map((c) => c.id)).toEqual([other.comment.id, root.comment.id, ...replies.slice(-5)]);
      expect(Object.keys(s.replyCursors)).toEqual([root.comment.id]);
      const seen = [...replies.slice(-5)];
      let cursor: string | null = s.replyCursors[root.comment.id]!;
      while (cursor) {
        const p = await store.replies(article, root.comment.id, { cursor: cursor }, { limit: 7, maxBytes: 1 << 30 });
        expect(p.comments.length).toBeGreaterThan(0);
        seen.unshift(...p.comments.map((c) => c.id));
        cursor = p.cursor;
      }
      expect(seen).toEqual(replies);
    });

    it('stops a snapshot page and a replies page at their byte bounds, after at least one item', async () => {
      const roots: string[] = [];
      for (let i = 0; i < 6; i++) roots.push((await post({ body: 'r'.repeat(3000) })).comment.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const p: Awaited<ReturnType<CommentStore['snapshot']>> = await store.snapshot(article, {
          sort: 'newest',
          cursor,
          limit: 100,
          replies: 10,
          maxBytes: 5000,
        });
        expect(p.comments.length).toBeGreaterThan(0);
        expect(p.comments.length).toBeLessThanOrEqual(2);
        seen.push(...p.comments.map((c) => c.id));
        cursor = p.cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual([...roots].reverse());
      expect(pages).toBe(3);
      const root = roots[0]!;
      const replies: string[] = [];
      for (let i = 0; i < 5; i++) replies.push((await post({ parentId: root, rootId: root, body: 'q'.repeat(3000) })).comment.id);
      const first = await store.replies(article, root, { cursor: '999999' }, { limit: 100, maxBytes: 1 });
      expect(first.comments.map((c) => c.id)).toEqual([replies[4]]);
      expect(first.cursor).not.toBeNull();
    });

    it('loads a thread with 9,000 replies under one comment, in bounded pages', async () => {
      const root = await post();
      for (let i = 0; i < 9000; i++) {
        await store.create({
          comment: comment({ parentId: root.comment.id, rootId: root.comment.id, body: `reply ${i}` }),
          clientKey: null,
          publish: true,
          rejectIfClosed: false,
          epochCandidate: 'ep1',
          at,
        });
      }
      const s = await store.snapshot(article, { sort: 'newest', cursor: null, limit: 100, replies: 20, maxBytes: 512 * 1024 });
      expect(s.comments).toHaveLength(21);
      expect(s.comments.at(-1)?.body).toBe('reply 8999');
      const p = await store.replies(
        article,
        root.comment.id,
        { cursor: s.replyCursors[root.comment.id]! },
        { limit: 50, maxBytes: 256 * 1024 },
      );
      expect(p.comments.map((c) => c.body)).toEqual(Array.from({ length: 50 }, (_, i) => `reply ${8930 + i}`));
      expect((await store.get(article, root.comment.id))?.replyCount).toBe(9000);
    }, 60_000);

    it('pages root threads newest first, each exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await post()).comment.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.snapshot(article, pageOf(cursor, 10));
        seen.push(...page.comments.map((c) => c.id));
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    });

    it('closes a thread once, refuses posts, and reopens', async () => {
      const closed = await store.setClosed({ articleId: article, closed: true, epochCandidate: 'ep1', at });
      expect(closed?.type).toBe('thread.closed');
      expect(await store.setClosed({ articleId: article, closed: true, epochCandidate: 'ep1', at })).toBeNull();
      const r = await store.create({ comment: comment(), clientKey: null, publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
      expect(r.kind).toBe('closed');
      expect((await store.snapshot(article, pageOf(null, 10))).closed).toBe(true);
      const reopened = await store.setClosed({ articleId: article, closed: false, epochCandidate: 'ep1', at });
      expect(reopened?.type).toBe('thread.reopened');
      expect(reopened?.seq).toBe(2);
    });

    it("tells each article's epoch and head", async () => {
      await post();
      await post();
      expect(await store.heads([article, 'never-written'])).toEqual({
        [article]: { epoch: 'ep1', head: 2, scores: 0 },
        'never-written': { epoch: EMPTY_EPOCH, head: 0, scores: 0 },
      });
    });

    it('counts visible comments', async () => {
      const c = await post();
      await post();
      await store.update({
        articleId: article,
        commentId: c.comment.id,
        expect: { status: 'visible' },
        patch: { status: 'deleted' },
        eventType: 'comment.deleted',
        visibleDelta: -1,
        parentReplyDelta: 0,
        epochCandidate: 'x',
        at,
      });
      expect(await store.counts([article, 'nothing-here'])).toEqual({ [article]: 1, 'nothing-here': 0 });
    });

    it('finds a comment by its idempotency key', async () => {
      const c = await post({}, true, 'u1:key');
      expect((await store.findByClientKey(article, 'u1:key'))?.id).toBe(c.comment.id);
      expect(await store.findByClientKey(article, 'u1:other')).toBeNull();
    });

    it('keeps text exactly, including unicode and JSON-looking bodies', async () => {
      const body = 'naïve café 😀 "quotes" \\ back / slash </script> {"a":1} \n tab\t';
      const c = await post({ body });
      expect((await store.get(article, c.comment.id))?.body).toBe(body);
      expect(c.event?.comment?.body).toBe(body);
    });
  });
}
