/**
 * Which comments the widget shows, in what order and at what depth: the thread tree as one pure
 * function of the thread state and the widget's own sets. No DOM, so that sort orders, permalinks
 * or moderator views can change the tree and be tested in milliseconds, without a browser.
 */
import type { ThreadState } from '../discussion-client.js';
import type { Comment } from '../../shared/schemas.js';

export type SortOrder = 'newest' | 'oldest' | 'top';

/** Replies indent up to this depth; deeper ones are shown at it, with "replying to Name". */
export const MAX_DEPTH = 3;

export interface LayoutInput {
  state: Pick<ThreadState, 'comments' | 'replyCursors'> & Partial<Pick<ThreadState, 'laterReplies'>>;
  /** Stand-ins of the reader's posts that await their ack; they take part like comments. */
  pending: readonly Comment[];
  /** New comments waiting behind the "N new comments" button. */
  hidden: ReadonlySet<string>;
  /** Deleted by the reader, awaiting the event that makes them tombstones: shown as removed already. */
  deleting: ReadonlySet<string>;
  /**
   * Order of the root comments; replies are always in conversation order (oldest first). Top keeps
   * the server's ranking as loaded (the order of `state.comments`), so that votes arriving live do
   * not move what the reader is reading; roots that arrived live (`arrived`) go first there.
   */
  order: SortOrder;
  /** Top: root comments that arrived live rather than in a snapshot or page. */
  arrived?: ReadonlySet<string>;
  /** The signed-in reader's user id. */
  me: string | null;
  /** Comments that have been shown already (the widget's elements), for the held-own rule. */
  onScreen: { has(id: string): boolean };
  maxDepth: number;
}

export interface LaidOutComment {
  comment: Comment;
  depth: number;
  /**
   * For a reply flattened at the deepest level: the comment it answers, when that is not the
   * comment it is shown under.
   */
  replyingTo: LaidOutComment | null;
  /** Shown with its text; otherwise a "This comment was removed" placeholder kept for its replies. */
  live: boolean;
  /** The stand-in of a post awaiting its ack. */
  sending: boolean;
  /** A root thread with replies not loaded yet: "Show earlier replies" goes first among its replies. */
  earlierReplies: boolean;
  /** A permalink's root thread with later replies not loaded yet: "Show later replies" goes last. */
  laterReplies: boolean;
  /** Shown under it, in order (for the last indented level: its whole sub-thread, flattened). */
  children: LaidOutComment[];
}

export interface ThreadLayout {
  roots: LaidOutComment[];
  /** Comments shown with their text, stand-ins not counted. */
  count: number;
  /** Comments behind the "N new comments" button that are still live. */
  waiting: number;
}

/** Visible or held, with its text, and not being deleted by the reader. */
export function isLive(c: Comment, deleting: ReadonlySet<string>): boolean {
  return (c.status === 'visible' || c.status === 'pending') && c.body !== null && !deleting.has(c.id);
}

export function layoutThread(input: LayoutInput): ThreadLayout {
  const { state, hidden, deleting, me, maxDepth } = input;
  const standIns = new Set(input.pending.map((c) => c.id));
  const live = (c: Comment) => isLive(c, deleting);

  // Children by parent. A reply whose parent is among the thread's earlier replies (not loaded
  // yet) shows under its root instead.
  const kids = new Map<string | null, Comment[]>();
  const add = (c: Comment) => {
    const parent = c.parentId !== null && !state.comments.has(c.parentId) && !standIns.has(c.parentId) ? c.rootId : c.parentId;
    const list = kids.get(parent);
    if (list) list.push(c);
    else kids.set(parent, [c]);
  };
  // A comment of the reader's own never shown yet, while a post of theirs awaits its ack, may be
  // that post's comment (the SDK adds it from the ack or the event before the widget hears which
  // stand-in it replaces): it waits, so that the stand-in's element becomes it in place and
  // nothing shows twice.
  const heldOwn = (c: Comment) => standIns.size > 0 && me !== null && c.author?.id === me && !input.onScreen.has(c.id);
  for (const c of state.comments.values()) if (!hidden.has(c.id) && !heldOwn(c)) add(c);
  for (const c of input.pending) add(c);

  // A removed comment stays (as a placeholder) only while something under it is shown.
  const shownMemo = new Map<string, boolean>();
  const shown = (c: Comment): boolean => {
    let v = shownMemo.get(c.id);
    if (v === undefined) {
      shownMemo.set(c.id, false);
      v = live(c) || (kids.get(c.id) ?? []).some(shown);
      shownMemo.set(c.id, v);
    }
    return v;
  };
  /** Oldest first (newest first for root threads when asked); stand-ins count as the newest. */
  const children = (id: string | null, newestFirst = false): Comment[] => {
    const at = (c: Comment) => (standIns.has(c.id) ? Infinity : Date.parse(c.createdAt) || 0);
    const sorted = [...(kids.get(id) ?? [])].sort((a, b) => at(a) - at(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return (newestFirst ? sorted.reverse() : sorted).filter(shown);
  };

  let count = 0;
  const place = (c: Comment, depth: number, replyingTo: LaidOutComment | null): LaidOutComment => {
    const sending = standIns.has(c.id);
    const node: LaidOutComment = {
      comment: c,
      depth,
      replyingTo,
      live: live(c),
      sending,
      earlierReplies: depth === 0 && state.replyCursors.has(c.id),
      laterReplies: depth === 0 && (state.laterReplies?.has(c.id) ?? false),
      children: [],
    };
    if (node.live && !sending) count++;
    if (depth < maxDepth - 1) {
      for (const k of children(c.id)) node.children.push(place(k, depth + 1, null));
    } else if (depth === maxDepth - 1) {
      // The last indented level: the whole sub-thread, in conversation order, at one depth.
      const flatten = (parent: LaidOutComment) => {
        for (const k of children(parent.comment.id)) {
          const child = place(k, maxDepth, parent === node ? null : parent);
          node.children.push(child);
          flatten(child);
        }
      };
      flatten(node);
    }
    return node;
  };
  const roots = rootOrder(children(null, input.order !== 'oldest'), input).map((c) => place(c, 0, null));

  let waiting = 0;
  for (const id of hidden) {
    const c = state.comments.get(id);
    if (c !== undefined && live(c)) waiting++;
  }
  return { roots, count, waiting };
}

/**
 * Top: the roots that arrived live (and the reader's posts on their way), newest first, then the
 * others in the order they were loaded (the ranking of the snapshot and of each page).
 */
function rootOrder(newestFirst: Comment[], input: LayoutInput): Comment[] {
  if (input.order !== 'top') return newestFirst;
  const loaded = new Map<string, number>();
  let i = 0;
  for (const id of input.state.comments.keys()) loaded.set(id, i++);
  const pending = new Set(input.pending.map((c) => c.id));
  const first = (c: Comment) => pending.has(c.id) || (input.arrived?.has(c.id) ?? false);
  return [...newestFirst.filter(first), ...newestFirst.filter((c) => !first(c)).sort((a, b) => loaded.get(a.id)! - loaded.get(b.id)!)];
}
