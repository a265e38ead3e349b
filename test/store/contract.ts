/**
 * One contract, run against every CommentStore (memory, Redis, Redis Cluster).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore, NewComment, StoredComment } from '../../server/core/ports.js';
import { EMPTY_EPOCH } from '../../shared/schemas.js';

export interface StoreFactory {
  /** A fresh, empty store keeping `logSize` events per article. */
  create(opts: { logSize: number }): Promise<CommentStore>;
  teardown?(): Promise<void>;
}

let n = 0;
const at = '2026-01-01T00:00:00.000Z';

export function describeStore(name: string, factory: StoreFactory): void {
  describe(`CommentStore contract: ${name}`, () => {
    let store: CommentStore;
    let article: string;

    beforeEach(async () => {
      store = await factory.create({ logSize: 5 });
      article = `art-${++n}-${Math.random().toString(36).slice(2)}`;
    });
    afterAll(async () => {
      await factory.teardown?.();
    });

    const comment = (over: Partial<NewComment> = {}): NewComment => {
      const id = over.id ?? `c${++n}`;
      return {
        id,
        articleId: article,
        parentId: null,
        rootId: id,
        author: { id: 'u1', name: 'Ann' },
        body: `body ${id}`,
        status: 'visible',
        createdAt: at,
        ...over,
      };
    };
    const post = async (over: Partial<NewComment> = {}, publish = true, clientKey: string | null = null) => {
      const r = await store.create({ comment: comment(over), clientKey, publish, rejectIfClosed: true, epochCandidate: 'ep1', at });
      if (r.kind !== 'created') throw new Error(`expected created, got ${r.kind}`);
      return r;
    };

    it('an article with no history has the empty epoch and head 0', async () => {
      const s = await store.snapshot(article, null, 100);
      expect(s).toEqual({ epoch: EMPTY_EPOCH, head: 0, closed: false, comments: [], cursor: null });
    });

    it('numbers public events 1, 2, 3 and keeps the epoch of the first write', async () => {
      const a = await post();
      const b = await post();
      expect(a.event?.seq).toBe(1);
      expect(b.event?.seq).toBe(2);
      expect(a.event?.epoch).toBe('ep1');
      await store.create({ comment: comment(), clientKey: null, publish: true, rejectIfClosed: false, epochCandidate: 'other', at });
      const s = await store.snapshot(article, null, 100);
      expect(s.epoch).toBe('ep1');
      expect(s.head).toBe(3);
      expect(s.comments.map((c) => c.id)).toContain(a.comment.id);
    });

    it('stores one comment for a repeated idempotency key and returns it', async () => {
      const first = await post({ id: 'same-1' }, true, 'u1:k1');
      const again = await store.create({ comment: comment({ id: 'same-2' }), clientKey: 'u1:k1', publish: true, rejectIfClosed: true, epochCandidate: 'ep1', at });
      expect(again.kind).toBe('duplicate');
      expect(again.kind === 'duplicate' && again.comment.id).toBe(first.comment.id);
      const s = await store.snapshot(article, null, 100);
      expect(s.comments).toHaveLength(1);
      expect(s.head).toBe(1);
    });

    it('a held comment takes no seq and is not counted', async () => {
      const r = await post({ status: 'pending' }, false);
      expect(r.event).toBeNull();
      const s = await store.snapshot(article, null, 100);
      expect(s.head).toBe(0);
      expect(s.comments[0]?.status).toBe('pending');
      expect(await store.counts([article])).toEqual({ [article]: 0 });
    });

    it('replies follow their root in creation order and bump the parent reply count', async () => {
      const root = await post();
      const r1 = await post({ parentId: root.comment.id, rootId: root.comment.id });
      const r2 = await post({ parentId: r1.comment.id, rootId: root.comment.id });
      const other = await post();
      const s = await store.snapshot(article, null, 100);
      expect(s.comments.map((c) => c.id)).toEqual([other.comment.id, root.comment.id, r1.comment.id, r2.comment.id]);
      expect((await store.get(article, root.comment.id))?.replyCount).toBe(1);
      expect((await store.get(article, r1.comment.id))?.replyCount).toBe(1);
    });

    it('updates only from the expected version, and logs the event', async () => {
      const c = await post();
      const next: StoredComment = { ...c.comment, body: 'edited', editedAt: at };
      const ok = await store.update({ articleId: article, expectedVersion: c.comment.version, next, eventType: 'comment.edited', visibleDelta: 0, parentReplyDelta: 0, epochCandidate: 'x', at });
      expect(ok.kind).toBe('updated');
      expect(ok.kind === 'updated' && ok.event?.seq).toBe(2);
      const stale = await store.update({ articleId: article, expectedVersion: c.comment.version, next, eventType: 'comment.edited', visibleDelta: 0, parentReplyDelta: 0, epochCandidate: 'x', at });
      expect(stale.kind).toBe('conflict');
      const missing = await store.update({ articleId: article, expectedVersion: 1, next: { ...next, id: 'nope' }, eventType: null, visibleDelta: 0, parentReplyDelta: 0, epochCandidate: 'x', at });
      expect(missing.kind).toBe('not_found');
      expect((await store.get(article, c.comment.id))?.body).toBe('edited');
    });

    it('answers catch-up from the log and says gone past it', async () => {
      for (let i = 0; i < 8; i++) await post();
      const r = await store.eventsSince(article, 5);
      expect(r.kind).toBe('events');
      expect(r.kind === 'events' && r.events.map((e) => e.seq)).toEqual([6, 7, 8]);
      const none = await store.eventsSince(article, 8);
      expect(none.kind === 'events' && none.events).toEqual([]);
      // logSize 5 keeps seq 4..8: since 3 still works, since 2 does not.
      expect((await store.eventsSince(article, 3)).kind).toBe('events');
      expect((await store.eventsSince(article, 2)).kind).toBe('gone');
      expect((await store.eventsSince(article, 9)).kind).toBe('gone');
    });

    it('pages root threads newest first, each exactly once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await post()).comment.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.snapshot(article, cursor, 10);
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
      expect((await store.snapshot(article, null, 10)).closed).toBe(true);
      const reopened = await store.setClosed({ articleId: article, closed: false, epochCandidate: 'ep1', at });
      expect(reopened?.type).toBe('thread.reopened');
      expect(reopened?.seq).toBe(2);
    });

    it('tells each article\'s epoch and head', async () => {
      await post();
      await post();
      expect(await store.heads([article, 'never-written'])).toEqual({
        [article]: { epoch: 'ep1', head: 2 },
        'never-written': { epoch: EMPTY_EPOCH, head: 0 },
      });
    });

    it('counts visible comments', async () => {
      const c = await post();
      await post();
      await store.update({ articleId: article, expectedVersion: c.comment.version, next: { ...c.comment, status: 'deleted' }, eventType: 'comment.deleted', visibleDelta: -1, parentReplyDelta: 0, epochCandidate: 'x', at });
      expect(await store.counts([article, 'nothing-here'])).toEqual({ [article]: 1, 'nothing-here': 0 });
    });

    it('finds a comment by its idempotency key', async () => {
      const c = await post({}, true, 'u1:key');
      expect((await store.findByClientKey(article, 'u1:key'))?.id).toBe(c.comment.id);
      expect(await store.findByClientKey(article, 'u1:other')).toBeNull();
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

    it('bans and unbans, and lists a user\'s comments', async () => {
      const user = `user-${article}`;
      expect(await store.isBanned(user)).toBe(false);
      expect(await store.setBan(user, true)).toBe(true);
      expect(await store.setBan(user, true)).toBe(false);
      expect(await store.isBanned(user)).toBe(true);
      expect(await store.setBan(user, false)).toBe(true);
      expect(await store.isBanned(user)).toBe(false);
      const c1 = await post({ author: { id: user, name: 'X' } });
      const c2 = await post({ author: { id: user, name: 'X' } });
      expect(await store.userComments(user)).toEqual([
        { articleId: article, commentId: c1.comment.id },
        { articleId: article, commentId: c2.comment.id },
      ]);
    });

    it('keeps the audit log in order', async () => {
      const entry = (i: number) => ({ id: `${article}-${i}`, at, moderator: { id: 'm', name: 'M' }, action: 'remove' as const, articleId: article, commentId: `c${i}`, userId: null, reason: null });
      for (let i = 0; i < 3; i++) await store.appendAudit(entry(i));
      const log = (await store.auditLog(1000)).filter((e) => e.articleId === article);
      expect(log.map((e) => e.id)).toEqual([0, 1, 2].map((i) => `${article}-${i}`));
    });

    it('refuses the same body from the same user under another clientId until it expires', async () => {
      const user = `dup-${article}`;
      expect(await store.claimBody(user, 'h1', 'client-a', 600)).toBe(true);
      expect(await store.claimBody(user, 'h1', 'client-a', 600)).toBe(true);
      expect(await store.claimBody(user, 'h1', 'client-b', 600)).toBe(false);
      expect(await store.claimBody(user, 'h2', 'client-b', 600)).toBe(true);
      expect(await store.claimBody(`${user}-2`, 'h1', 'client-b', 600)).toBe(true);
    });

    it('keeps text exactly, including unicode and JSON-looking bodies', async () => {
      const body = 'naïve café 😀 "quotes" \\ back / slash </script> {"a":1} \n tab\t';
      const c = await post({ body });
      expect((await store.get(article, c.comment.id))?.body).toBe(body);
      expect(c.event?.comment?.body).toBe(body);
    });
  });
}
