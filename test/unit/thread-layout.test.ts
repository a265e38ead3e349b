/**
 * The widget's thread tree, without a browser: order, depth, placeholders, stand-ins, orphans
 * and comments waiting behind the "N new comments" button.
 */
import { describe, expect, it } from 'vitest';
import type { Comment } from '../../shared/schemas.js';
import { layoutThread, MAX_DEPTH, type LaidOutComment, type LayoutInput } from '../../client/widget/thread-layout.js';

let minute = 0;
/** A comment posted one minute after the previous one. */
function comment(id: string, parent: Comment | null = null, over: Partial<Comment> = {}): Comment {
  minute++;
  return {
    id,
    articleId: 'a',
    parentId: parent?.id ?? null,
    rootId: parent ? parent.rootId : id,
    author: { id: `user-${id}`, name: `Name ${id}` },
    body: `Body of ${id}`,
    status: 'visible',
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
    editedAt: null,
    replyCount: 0,
    ...over,
  };
}

function layout(comments: Comment[], over: Partial<LayoutInput> = {}) {
  return layoutThread({
    state: { comments: new Map(comments.map((c) => [c.id, c])), replyCursors: new Map() },
    pending: [],
    hidden: new Set(),
    deleting: new Set(),
    order: 'newest',
    me: null,
    onScreen: new Set(),
    maxDepth: MAX_DEPTH,
    ...over,
  });
}

/** The tree as `id@depth` strings, in document order; placeholders marked `(removed)`. */
function flat(nodes: LaidOutComment[]): string[] {
  return nodes.flatMap((n) => [`${n.comment.id}@${n.depth}${n.live ? '' : '(removed)'}`, ...flat(n.children)]);
}

describe('layoutThread', () => {
  it('orders root threads newest or oldest first, replies always in conversation order', () => {
    const a = comment('a');
    const b = comment('b');
    const a1 = comment('a1', a);
    const a2 = comment('a2', a);
    const c = comment('c');
    // Given out of order, as a Map filled by events and pages would hold them.
    const all = [a2, c, a1, b, a];
    expect(flat(layout(all, { order: 'newest' }).roots)).toEqual(['c@0', 'b@0', 'a@0', 'a1@1', 'a2@1']);
    expect(flat(layout(all, { order: 'oldest' }).roots)).toEqual(['a@0', 'a1@1', 'a2@1', 'b@0', 'c@0']);
  });

  it('comments posted in the same instant keep one order, by id', () => {
    const at = '2025-02-01T00:00:00.000Z';
    const x = comment('x', null, { createdAt: at });
    const y = comment('y', null, { createdAt: at });
    expect(flat(layout([y, x], { order: 'oldest' }).roots)).toEqual(['x@0', 'y@0']);
    expect(flat(layout([x, y], { order: 'newest' }).roots)).toEqual(['y@0', 'x@0']);
  });

  it(`indents to depth ${MAX_DEPTH - 1}, then flattens the rest of the sub-thread at depth ${MAX_DEPTH}, saying whom each answers`, () => {
    const r = comment('r');
    const d1 = comment('d1', r);
    const d2 = comment('d2', d1);
    const d3 = comment('d3', d2);
    const d4 = comment('d4', d3);
    const d5 = comment('d5', d4);
    const side = comment('side', d2); // a second answer to d2, later than d3's sub-thread began
    const { roots } = layout([r, d1, d2, d3, d4, d5, side]);
    expect(flat(roots)).toEqual(['r@0', 'd1@1', 'd2@2', 'd3@3', 'd4@3', 'd5@3', 'side@3']);
    const deepest = roots[0]!.children[0]!.children[0]!;
    expect(deepest.comment.id).toBe('d2');
    // All of d2's sub-thread hangs under d2, at one depth, with nothing under it.
    expect(deepest.children.map((n) => [n.comment.id, n.replyingTo?.comment.id ?? null, n.children.length])).toEqual([
      ['d3', null, 0], // answers d2, which it is shown under: no "replying to"
      ['d4', 'd3', 0],
      ['d5', 'd4', 0],
      ['side', null, 0],
    ]);
  });

  it('keeps a removed comment as a placeholder only while a reply under it is shown', () => {
    const gone = comment('gone', null, { status: 'removed', body: null, author: null });
    const kept = comment('kept', null, { status: 'deleted', body: null, author: null });
    const reply = comment('reply', kept);
    const deepGone = comment('deep-gone', reply, { status: 'removed', body: null });
    const answer = comment('answer', deepGone);
    const lonely = comment('lonely', reply, { status: 'deleted', body: null });
    const { roots, count } = layout([gone, kept, reply, deepGone, answer, lonely], { order: 'oldest' });
    expect(flat(roots)).toEqual(['kept@0(removed)', 'reply@1', 'deep-gone@2(removed)', 'answer@3']);
    expect(count).toBe(2);
  });

  it('shows a comment the reader is deleting as removed at once, and drops it when nothing is under it', () => {
    const a = comment('a');
    const b = comment('b');
    const b1 = comment('b1', b);
    const { roots, count } = layout([a, b, b1], { order: 'oldest', deleting: new Set(['a', 'b']) });
    expect(flat(roots)).toEqual(['b@0(removed)', 'b1@1']);
    expect(count).toBe(1);
  });

  it('shows the stand-ins of pending posts, newest, not counted; a held own comment waits for its stand-in', () => {
    const a = comment('a');
    const b = comment('b');
    const me = 'me';
    const standRoot = comment('pending:1', null, { author: { id: me, name: 'Me' } });
    const standReply = comment('pending:2', a, { author: { id: me, name: 'Me' }, createdAt: '2000-01-01T00:00:00.000Z' });
    // The server's copy of one of those posts, arrived before its ack: not shown twice.
    const mine = comment('mine', null, { author: { id: me, name: 'Me' } });
    // An own comment shown before stays where it is.
    const older = comment('older', a, { author: { id: me, name: 'Me' } });
    const input = { me, pending: [standRoot, standReply], onScreen: new Set(['a', 'b', 'older']) };

    const newest = layout([a, b, mine, older], { ...input, order: 'newest' });
    expect(flat(newest.roots)).toEqual(['pending:1@0', 'b@0', 'a@0', 'older@1', 'pending:2@1']);
    expect(newest.roots[0]!.sending).toBe(true);
    expect(newest.count).toBe(3);
    expect(flat(layout([a, b, mine, older], { ...input, order: 'oldest' }).roots)).toEqual([
      'a@0',
      'older@1',
      'pending:2@1',
      'b@0',
      'pending:1@0',
    ]);
    // Once acked, no stand-in: it shows.
    expect(flat(layout([a, b, mine, older], { me, onScreen: input.onScreen, order: 'oldest' }).roots)).toContain('mine@0');
  });

  it('shows a reply whose parent is among the earlier replies not loaded yet under its root, after "Show earlier replies"', () => {
    const root = comment('root');
    const missing = comment('missing', root);
    const orphan = comment('orphan', missing);
    const deeper = comment('deeper', orphan);
    const other = comment('other');
    const { roots } = layout([root, orphan, deeper, other], {
      order: 'oldest',
      state: {
        comments: new Map([root, orphan, deeper, other].map((c) => [c.id, c])),
        replyCursors: new Map([['root', 'cursor']]),
      },
    });
    expect(flat(roots)).toEqual(['root@0', 'orphan@1', 'deeper@2', 'other@0']);
    expect(roots.map((n) => [n.comment.id, n.earlierReplies])).toEqual([
      ['root', true],
      ['other', false],
    ]);
  });

  it('leaves out comments behind the "N new comments" button and counts those still live', () => {
    const a = comment('a');
    const b = comment('b');
    const a1 = comment('a1', a);
    const gone = comment('gone', null, { status: 'removed', body: null });
    const { roots, count, waiting } = layout([a, b, a1, gone], { hidden: new Set(['b', 'a1', 'gone', 'unknown']) });
    expect(flat(roots)).toEqual(['a@0']);
    expect(count).toBe(1);
    expect(waiting).toBe(2);
  });

  it('shows held comments (awaiting approval) as live and counts them', () => {
    const held = comment('held', null, { status: 'pending' });
    const { roots, count } = layout([held]);
    expect(roots[0]).toMatchObject({ live: true, sending: false });
    expect(count).toBe(1);
  });

  it('Top keeps the ranking the roots were loaded in, whatever votes say now; roots that came live go first, newest first', () => {
    const old = comment('old', null, { up: 0 });
    const best = comment('best', null, { up: 9 });
    const mid = comment('mid', null, { up: 3 });
    const reply = comment('reply', old);
    const live1 = comment('live1');
    const live2 = comment('live2');
    // Loaded in the server's ranking (best, mid, old), then a vote made old the best: it stays.
    const ranked = [best, mid, { ...old, up: 20 }, reply, live1, live2];
    const { roots } = layout(ranked, { order: 'top', arrived: new Set(['live1', 'live2']) });
    expect(flat(roots)).toEqual(['live2@0', 'live1@0', 'best@0', 'mid@0', 'old@0', 'reply@1']);
  });

  it("marks a permalink's root thread with later replies to load", () => {
    const root = comment('root');
    const r1 = comment('r1', root);
    const other = comment('other');
    const { roots } = layout([root, r1, other], {
      state: {
        comments: new Map([root, r1, other].map((c) => [c.id, c])),
        replyCursors: new Map(),
        laterReplies: new Map([['root', '7']]),
      },
    });
    expect(roots.map((n) => [n.comment.id, n.laterReplies])).toEqual([
      ['other', false],
      ['root', true],
    ]);
  });
});
