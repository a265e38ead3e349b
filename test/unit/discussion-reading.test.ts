import { describe, expect, it } from 'vitest';
import { CATCH_UP_EVENTS } from '../../server/core/discussion.js';
import { HeldWords } from '../../server/core/moderation.js';
import {
  EMPTY_EPOCH,
  PAGE_ROOTS,
  REPLIES_PAGE,
  SNAPSHOT_REPLIES,
  isCatchUp,
  type CatchUp,
  type Comment,
  type JoinResult,
  type Snapshot,
} from '../../shared/schemas.js';
import { ARTICLE, EPOCH, ann, bob, discussionFixture, gil, mia } from './support/discussion-fixture.js';

type Fixture = ReturnType<typeof discussionFixture>;

function asCatchUp(r: JoinResult): CatchUp {
  if (!isCatchUp(r)) throw new Error(`expected events, got a snapshot${r.reset ? ' (reset)' : ''}`);
  return r;
}
function asSnapshot(r: JoinResult): Snapshot {
  if (isCatchUp(r)) throw new Error('expected a snapshot, got events');
  return r;
}

async function roots(f: Fixture, n: number): Promise<Comment[]> {
  const out: Comment[] = [];
  for (let i = 1; i <= n; i++) out.push(await f.post(ann, `root ${i}`));
  return out;
}
async function replies(f: Fixture, root: Comment, n: number): Promise<Comment[]> {
  const out: Comment[] = [];
  for (let i = 1; i <= n; i++) out.push(await f.post(bob, `reply ${i}`, { parentId: root.id }));
  return out;
}

describe('snapshots', () => {
  it('an article nobody wrote in is empty, at the empty epoch', async () => {
    const { discussion } = discussionFixture();
    expect(await discussion.join(null, { articleId: 'nothing-here' })).toEqual({
      articleId: 'nothing-here',
      epoch: EMPTY_EPOCH,
      head: 0,
      sort: 'newest',
      count: 0,
      scoresVersion: 0,
      comments: [],
      cursor: null,
      replyCursors: {},
      editWindowSeconds: 900,
      closed: false,
    });
  });

  it('gives root threads newest first, each followed by its replies in creation order', async () => {
    const f = discussionFixture();
    const [r1, r2] = await roots(f, 2);
    const a = await f.post(bob, 'on 1', { parentId: r1!.id });
    const b = await f.post(ann, 'on on 1', { parentId: a.id });
    const s = asSnapshot(await f.discussion.join(null, { articleId: ARTICLE }));
    expect(s.comments.map((c) => c.id)).toEqual([r2!.id, r1!.id, a.id, b.id]);
    expect(s).toMatchObject({ epoch: EPOCH, head: 4, cursor: null });
  });

  it('readers see tombstones and no held comments; authors see their own held ones; moderators see everything', async () => {
    const f = discussionFixture({ premoderation: 'guests' });
    const visible = await f.post(ann, 'visible');
    const removed = await f.post(ann, 'removed text');
    const held = await f.post(gil, 'held text');
    await f.discussion.remove(mia, { articleId: ARTICLE, commentId: removed.id, reason: 'rude' });
    const reader = (await f.discussion.snapshot(bob, ARTICLE)).comments;
    expect(reader.map((c) => [c.id, c.body])).toEqual([
      [removed.id, null],
      [visible.id, 'visible'],
    ]);
    expect(JSON.stringify(reader)).not.toContain('removed text');
    expect((await f.discussion.snapshot(gil, ARTICLE)).comments.map((c) => c.id)).toContain(held.id);
    const moderator = (await f.discussion.snapshot(mia, ARTICLE)).comments;
    expect(moderator.find((c) => c.id === removed.id)).toMatchObject({ body: 'removed text', moderation: { removedReason: 'rude' } });
    expect(moderator.find((c) => c.id === held.id)).toMatchObject({
      status: 'pending',
      moderation: { heldReason: 'premoderation of guests' },
    });
  });

  it(`pages hold at most ${PAGE_ROOTS} root threads and the cursor leads to the older ones`, async () => {
    const f = discussionFixture();
    const all = await roots(f, PAGE_ROOTS + 3);
    const first = await f.discussion.snapshot(null, ARTICLE);
    expect(first.comments).toHaveLength(PAGE_ROOTS);
    expect(first.cursor).not.toBeNull();
    const next = await f.discussion.page(null, { articleId: ARTICLE, cursor: first.cursor! });
    expect(next.comments.map((c) => c.body)).toEqual(['root 3', 'root 2', 'root 1']);
    expect(next.cursor).toBeNull();
    expect(new Set([...first.comments, ...next.comments].map((c) => c.id)).size).toBe(all.length);
  });

  it('a snapshot stops at its byte bound and the pages after it give every root once, newest first', async () => {
    const f = discussionFixture({ answerBytes: { snapshot: 700 } });
    await roots(f, 9);
    const first = await f.discussion.snapshot(null, ARTICLE);
    expect(first.comments.length).toBeGreaterThan(0);
    expect(first.comments.length).toBeLessThan(9);
    const seen = first.comments.map((c) => c.body);
    let cursor = first.cursor;
    let pages = 1;
    while (cursor) {
      const p = await f.discussion.page(null, { articleId: ARTICLE, cursor });
      expect(p.comments.length).toBeGreaterThan(0);
      seen.push(...p.comments.map((c) => c.body));
      cursor = p.cursor;
      pages++;
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual(Array.from({ length: 9 }, (_, i) => `root ${9 - i}`));
  });

  it('a root bigger than the byte bound still comes, one per page', async () => {
    const f = discussionFixture({ answerBytes: { snapshot: 1 } });
    await roots(f, 2);
    const first = await f.discussion.snapshot(null, ARTICLE);
    expect(first.comments.map((c) => c.body)).toEqual(['root 2']);
    const next = await f.discussion.page(null, { articleId: ARTICLE, cursor: first.cursor! });
    expect(next).toMatchObject({ comments: [{ body: 'root 1' }], cursor: null });
  });
});

describe('earlier replies', () => {
  it(`a snapshot carries the newest ${SNAPSHOT_REPLIES} replies of a thread and a cursor to the earlier ones`, async () => {
    const f = discussionFixture();
    const [root] = await roots(f, 1);
    const all = await replies(f, root!, SNAPSHOT_REPLIES + 5);
    const s = await f.discussion.snapshot(null, ARTICLE);
    expect(s.comments.slice(1).map((c) => c.id)).toEqual(all.slice(5).map((c) => c.id));
    const cursor = s.replyCursors?.[root!.id];
    expect(cursor).toBeDefined();
    const earlier = await f.discussion.replies(null, { articleId: ARTICLE, rootId: root!.id, cursor: cursor! });
    expect(earlier).toEqual({ comments: all.slice(0, 5).map((c) => expect.objectContaining({ id: c.id })), cursor: null });
  });

  it(`a page of replies holds at most ${REPLIES_PAGE}, the newest of those earlier than the cursor`, async () => {
    const f = discussionFixture();
    const [root] = await roots(f, 1);
    const all = await replies(f, root!, SNAPSHOT_REPLIES + REPLIES_PAGE + 3);
    const s = await f.discussion.snapshot(null, ARTICLE);
    const p1 = await f.discussion.replies(null, { articleId: ARTICLE, rootId: root!.id, cursor: s.replyCursors![root!.id]! });
    expect(p1.comments.map((c) => c.id)).toEqual(all.slice(3, 3 + REPLIES_PAGE).map((c) => c.id));
    const p2 = await f.discussion.replies(null, { articleId: ARTICLE, rootId: root!.id, cursor: p1.cursor! });
    expect(p2.comments.map((c) => c.id)).toEqual(all.slice(0, 3).map((c) => c.id));
    expect(p2.cursor).toBeNull();
  });

  it('pages of replies stop at their byte bound, and walking them gives every earlier reply once', async () => {
    const f = discussionFixture({ answerBytes: { replies: 800 } });
    const [root] = await roots(f, 1);
    const all = await replies(f, root!, SNAPSHOT_REPLIES + 10);
    const s = await f.discussion.snapshot(null, ARTICLE);
    let cursor: string | null = s.replyCursors![root!.id]!;
    const pages: Comment[][] = [];
    while (cursor) {
      const p: { comments: Comment[]; cursor: string | null } = await f.discussion.replies(null, {
        articleId: ARTICLE,
        rootId: root!.id,
        cursor,
      });
      expect(p.comments.length).toBeGreaterThan(0);
      pages.unshift(p.comments);
      cursor = p.cursor;
    }
    expect(pages.length).toBeGreaterThan(2);
    expect(pages.flat().map((c) => c.id)).toEqual(all.slice(0, 10).map((c) => c.id));
  });

  it('replies show readers tombstones, not the removed text', async () => {
    const f = discussionFixture();
    const [root] = await roots(f, 1);
    const all = await replies(f, root!, SNAPSHOT_REPLIES + 1);
    await f.discussion.remove(mia, { articleId: ARTICLE, commentId: all[0]!.id });
    const s = await f.discussion.snapshot(null, ARTICLE);
    const earlier = await f.discussion.replies(null, { articleId: ARTICLE, rootId: root!.id, cursor: s.replyCursors![root!.id]! });
    expect(earlier.comments).toMatchObject([{ id: all[0]!.id, status: 'removed', body: null, author: null }]);
  });
});

describe('catching up', () => {
  it('a reader that joins with its head gets the events after it', async () => {
    const f = discussionFixture();
    await f.post(ann, 'one');
    const two = await f.post(bob, 'two');
    const r = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 1, epoch: EPOCH }));
    expect(r).toMatchObject({ epoch: EPOCH, head: 2, events: [{ seq: 2, type: 'comment.created', comment: { id: two.id, body: 'two' } }] });
    expect(r.more).toBeUndefined();
    expect(asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 2, epoch: EPOCH })).events).toEqual([]);
  });

  it('events carry the comment as it is now: one copy, on its last event, the earlier ones say which comment', async () => {
    const f = discussionFixture();
    const c = await f.post(ann, 'v1');
    await f.discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v2' });
    await f.discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v3' });
    const r = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 0, epoch: EPOCH }));
    expect(r.events).toMatchObject([
      { seq: 1, type: 'comment.created', comment: null, commentId: c.id },
      { seq: 2, type: 'comment.edited', comment: null, commentId: c.id },
      { seq: 3, type: 'comment.edited', comment: { id: c.id, body: 'v3' } },
    ]);
    expect(JSON.stringify(r)).not.toMatch(/"v1"|"v2"/);
  });

  it('a catch-up never hands a reader text that was removed after it was posted', async () => {
    const f = discussionFixture();
    const c = await f.post(ann, 'insulting text');
    await f.discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
    const reader = asCatchUp(await f.discussion.join(bob, { articleId: ARTICLE, since: 0, epoch: EPOCH }));
    expect(reader.events).toMatchObject([
      { type: 'comment.created', comment: null },
      { type: 'comment.removed', comment: { status: 'removed', body: null, author: null } },
    ]);
    expect(JSON.stringify(reader)).not.toContain('insulting text');
    const moderator = asCatchUp(await f.discussion.join(mia, { articleId: ARTICLE, since: 1, epoch: EPOCH }));
    expect(moderator.events).toMatchObject([{ type: 'comment.removed', comment: { body: 'insulting text', status: 'removed' } }]);
  });

  it('a reader that saw the article empty takes its whole history as events', async () => {
    const f = discussionFixture();
    await f.post(ann, 'first');
    const r = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 0, epoch: EMPTY_EPOCH }));
    expect(r).toMatchObject({ epoch: EPOCH, head: 1, events: [{ seq: 1, comment: { body: 'first' } }] });
  });

  it('a reader from another epoch gets a reset snapshot', async () => {
    const f = discussionFixture();
    await f.post(ann, 'first');
    const r = asSnapshot(await f.discussion.join(null, { articleId: ARTICLE, since: 1, epoch: 'an-old-epoch' }));
    expect(r).toMatchObject({ reset: true, epoch: EPOCH, head: 1, comments: [{ body: 'first' }] });
  });

  it('a reader that claims a head the article never reached gets a reset snapshot', async () => {
    const f = discussionFixture();
    await f.post(ann, 'first');
    expect(await f.discussion.join(null, { articleId: ARTICLE, since: 7, epoch: EPOCH })).toMatchObject({ reset: true, head: 1 });
  });

  it('a reader behind the kept event log gets a reset snapshot', async () => {
    const f = discussionFixture({}, { logSize: 5 });
    for (let i = 1; i <= 8; i++) await f.post(ann, `c${i}`);
    expect(await f.discussion.join(null, { articleId: ARTICLE, since: 2, epoch: EPOCH })).toMatchObject({ reset: true, head: 8 });
    expect(asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 3, epoch: EPOCH })).events.map((e) => e.seq)).toEqual([
      4, 5, 6, 7, 8,
    ]);
  });

  it('a reader whose missed events pass the byte bound gets them in pages, each seq once, in order', async () => {
    const f = discussionFixture({ answerBytes: { catchUp: 1000 } });
    for (let i = 1; i <= 10; i++) await f.post(ann, `comment number ${i}`);
    const seqs: number[] = [];
    let since = 0;
    for (let pages = 0; pages < 20; pages++) {
      const r = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since, epoch: EPOCH }));
      seqs.push(...r.events.map((e) => e.seq));
      if (!r.more) break;
      since = r.events.at(-1)!.seq;
    }
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it(`more than ${CATCH_UP_EVENTS} small events come in pages: the first says more, the next continues from its last seq`, async () => {
    const f = discussionFixture();
    await f.post(ann, 'x');
    await f.discussion.close(mia, { articleId: ARTICLE, closed: true });
    for (let i = 0; i < CATCH_UP_EVENTS; i++) await f.discussion.close(mia, { articleId: ARTICLE, closed: i % 2 === 1 });
    const head = CATCH_UP_EVENTS + 2;
    const first = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: 0, epoch: EPOCH }));
    expect(first.events).toHaveLength(CATCH_UP_EVENTS);
    expect(first).toMatchObject({ more: true, head });
    const last = first.events.at(-1)!.seq;
    const rest = asCatchUp(await f.discussion.join(null, { articleId: ARTICLE, since: last, epoch: EPOCH }));
    expect(rest.events.map((e) => e.seq)).toEqual([last + 1, last + 2]);
    expect(rest.more).toBeUndefined();
  });
});

describe('the event feed', () => {
  it('pages the events by bytes with more, and reading every page gives each seq once, in order', async () => {
    const f = discussionFixture({ answerBytes: { catchUp: 1000 } });
    for (let i = 1; i <= 10; i++) await f.post(ann, `comment number ${i}`);
    const seqs: number[] = [];
    let since = 0;
    let pages = 0;
    for (;;) {
      const r = asCatchUp(await f.discussion.events(null, ARTICLE, since, EPOCH));
      expect(r.events.length).toBeGreaterThan(0);
      seqs.push(...r.events.map((e) => e.seq));
      pages++;
      if (!r.more) break;
      since = r.events.at(-1)!.seq;
    }
    expect(pages).toBeGreaterThan(2);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('answers a reset snapshot for another epoch', async () => {
    const f = discussionFixture();
    await f.post(ann, 'first');
    expect(await f.discussion.events(null, ARTICLE, 0, 'another')).toMatchObject({ reset: true, head: 1 });
  });

  it('shows held edits to nobody but moderators', async () => {
    const f = discussionFixture({ heldWords: new HeldWords(['casino']) });
    const c = await f.post(ann, 'Nice town');
    await f.discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
    const reader = asCatchUp(await f.discussion.events(null, ARTICLE, 0, EPOCH));
    expect(reader.events).toMatchObject([{ comment: { body: 'Nice town' } }]);
    expect(JSON.stringify(reader)).not.toContain('casino');
    const moderator = asCatchUp(await f.discussion.events(mia, ARTICLE, 0, EPOCH));
    expect(moderator.events).toMatchObject([{ comment: { body: 'Nice town', moderation: { pendingEdit: { body: 'Nice casino town' } } } }]);
  });
});
