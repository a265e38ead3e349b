/**
 * The use cases of a discussion: join, page, post, edit, delete.
 * No socket, request or Redis here: adapters call these with a parsed payload and the viewer.
 */
import type { BanDuration, BanView, QueueItem } from '../../shared/moderation.js';
import type { Doc } from '../../shared/markdown.js';
import type { CatchUp, Comment, Payload, Snapshot, Sort } from '../../shared/schemas.js';
import { EMPTY_EPOCH, PAGE_ROOTS, REPLIES_PAGE, SNAPSHOT_REPLIES } from '../../shared/schemas.js';
import { DomainError } from './errors.js';
import { renderMarkdown } from './markdown.js';
import { mutateComment, type Change } from './mutate.js';
import { countLinks, HeldWords, moderate, type Premoderation, type SpamSignals } from './moderation.js';
import type {
  AuditAction,
  AuditEntry,
  Ban,
  Clock,
  UserNote,
  ExternalCheck,
  ExternalVerdict,
  RequestContext,
  ReviewDraft,
  CommentStore,
  Ids,
  ModEvent,
  Notifier,
  RateLimiter,
  StoredComment,
  User,
  Viewer,
} from './ports.js';
import { authorView, eventView, modView, viewAll, viewFor } from './thread.js';

export interface DiscussionConfig {
  editWindowMs: number;
  /** Which new comments are held for approval. */
  premoderation: Premoderation;
  heldWords?: HeldWords;
  /** How long the same body from the same user is refused (0: never). */
  duplicateBodySeconds?: number;
  /** Size bounds of answers, in bytes of stored JSON (defaults: ANSWER_BYTES). */
  answerBytes?: Partial<typeof ANSWER_BYTES>;
  /** The built-in spam signals; absent: off. */
  spam?: SpamConfig;
  /** Reports from different users that hold a visible comment for review (0: never). */
  reportHoldThreshold?: number;
}

export interface SpamConfig {
  /** More links than this hold a comment (0: no limit). */
  maxLinks: number;
  /** A link in a guest's first comment holds it. */
  firstCommentLink: boolean;
  /** The same text on this many articles (by anyone, within the window) holds it (0: off). */
  maxArticles: number;
  articlesWindowSeconds: number;
}

/**
 * How big one answer may be. A page stops at the bound (after at least one item) and says where to
 * continue, so that no request, however crafted, makes the node build or queue more than this.
 */
export const ANSWER_BYTES = {
  snapshot: 512 * 1024,
  replies: 256 * 1024,
  catchUp: 256 * 1024,
};
/** Events per catch-up answer, at most. */
export const CATCH_UP_EVENTS = 500;
/** Changed vote counts per answer, at most. */
const SCORES_PAGE = 500;
/** Root threads a Top first page ranks after itself (ids the client pages through). */
export const TOP_RANK = 2000;
/** A permalink's page: threads shown from the other side of the target's, and replies before it. */
const AROUND_BEFORE = 10;
const AROUND_EARLIER = 5;
/** A user's comments that a ban with "remove their comments" goes through. */
const BAN_REMOVES = 10_000;

export interface DiscussionDeps {
  store: CommentStore;
  notifier: Notifier;
  clock: Clock;
  ids: Ids & { auditId?(): string };
  config: DiscussionConfig;
  /** Absent: no limits (embedded tests, load tests). */
  limiter?: RateLimiter;
  /** A stable hash of a body, for the duplicate check. */
  hash: (text: string) => string;
  /** Outside opinions on new texts (Akismet, a moderation hook), in order. */
  checks?: ExternalCheck[];
}

const AUDIT_PAGE = 500;
const QUEUE_PAGE = 500;

export function requireUser(viewer: Viewer): User {
  if (!viewer) throw new DomainError('unauthorized', 'sign in to do this');
  return viewer;
}

export class Discussion {
  private readonly bytes: typeof ANSWER_BYTES;
  /** Posts being stored, by idempotency key: a retry that arrives meanwhile waits for the same answer. */
  private readonly posting = new Map<string, Promise<Comment>>();

  constructor(private readonly deps: DiscussionDeps) {
    this.bytes = { ...ANSWER_BYTES, ...deps.config.answerBytes };
  }

  /**
   * A reader joining: a snapshot in its sort order, the page around a permalinked comment, or with
   * `since` the events it missed, in bounded pages (`more` says to ask again from the last one),
   * with the vote counts changed since its scores version; a snapshot with `reset` once the log
   * no longer has the events.
   */
  join(viewer: Viewer, p: Payload<'thread:join'>): Promise<Snapshot | CatchUp> {
    if (p.since !== undefined) return this.events(viewer, p.articleId, p.since, p.epoch, p.scores, p.sort);
    if (p.around !== undefined) return this.around(viewer, p.articleId, p.around, p.sort ?? 'newest');
    return this.snapshot(viewer, p.articleId, p.sort ?? 'newest');
  }

  /** The events after `since` (the HTTP event feed, and a join with `since`). */
  async events(
    viewer: Viewer,
    articleId: string,
    since: number,
    epoch: string | undefined,
    scoresSince?: number,
    sort: Sort = 'newest',
  ): Promise<Snapshot | CatchUp> {
    const { store } = this.deps;
    const [r, scores] = await Promise.all([
      store.eventsSince(articleId, since, { limit: CATCH_UP_EVENTS, maxBytes: this.bytes.catchUp }),
      scoresSince === undefined ? null : store.scoresSince(articleId, scoresSince, SCORES_PAGE),
    ]);
    // A client that saw the article empty may take its whole history as events.
    const sameHistory = r.kind === 'events' && (r.epoch === epoch || (epoch === EMPTY_EPOCH && since === 0));
    if (r.kind === 'events' && sameHistory) {
      const moderator = viewer?.role === 'moderator';
      return {
        articleId,
        epoch: r.epoch,
        head: r.head,
        count: r.count,
        events: r.events.map((e) => eventView(e, moderator)),
        ...(r.more ? { more: true as const } : {}),
        // More changed counts than one answer holds: the client's next join asks from this version.
        ...(scores ? { scores: scores.scores, scoresVersion: scores.version } : {}),
      };
    }
    return { ...(await this.snapshot(viewer, articleId, sort)), reset: true };
  }

  async snapshot(viewer: Viewer, articleId: string, sort: Sort = 'newest'): Promise<Snapshot> {
    const s = await this.deps.store.snapshot(articleId, { sort, cursor: null, rankAfter: TOP_RANK, ...this.pageBounds });
    return {
      articleId,
      epoch: s.epoch,
      head: s.head,
      sort,
      count: s.count,
      scoresVersion: s.scoresVersion,
      comments: await this.view(articleId, s.comments, viewer),
      cursor: s.cursor,
      ...(s.rank ? { rank: s.rank } : {}),
      replyCursors: s.replyCursors,
      editWindowSeconds: Math.floor(this.deps.config.editWindowMs / 1000),
      closed: s.closed,
    };
  }

  /** More root threads: after (or before) a cursor in newest or oldest order, or the given roots of a top ranking. */
  async page(
    viewer: Viewer,
    p: Payload<'thread:page'>,
  ): Promise<{ comments: Comment[]; cursor: string | null; replyCursors: Record<string, string> }> {
    const sort = p.sort ?? 'newest';
    const s = await this.deps.store.snapshot(p.articleId, {
      sort,
      cursor: p.cursor ?? null,
      ...(p.backward ? { backward: true } : {}),
      ...(p.roots ? { roots: p.roots } : {}),
      ...this.pageBounds,
    });
    return { comments: await this.view(p.articleId, s.comments, viewer), cursor: s.cursor, replyCursors: s.replyCursors };
  }

  /** Earlier (or later) replies of one root thread, in creation order. */
  async replies(viewer: Viewer, p: Payload<'thread:replies'>): Promise<{ comments: Comment[]; cursor: string | null }> {
    const r = await this.deps.store.replies(
      p.articleId,
      p.rootId,
      { cursor: p.cursor, ...(p.later ? { later: true } : {}) },
      { limit: REPLIES_PAGE, maxBytes: this.bytes.replies },
    );
    return { comments: await this.view(p.articleId, r.comments, viewer), cursor: r.cursor };
  }

  /**
   * A permalink: the page of root threads that holds `commentId`'s thread (newest or oldest order;
   * top reads as newest, whose places do not move), a few threads from its other side with the
   * cursor to go on there (`before`), and in its thread a window of replies around it with cursors
   * both ways. A removed comment is there as its tombstone; one a reader may not see is not_found.
   */
  async around(viewer: Viewer, articleId: string, commentId: string, sort: Sort): Promise<Snapshot> {
    const { store } = this.deps;
    const target = await store.get(articleId, commentId);
    if (!target || viewFor(target, viewer) === null) throw new DomainError('not_found', 'this comment does not exist');
    const root = target.parentId === null ? target : await store.get(articleId, target.rootId);
    if (!root) throw new DomainError('not_found', 'this comment does not exist');
    const order = sort === 'oldest' ? 'oldest' : 'newest';
    // Exclusive cursors: the forward page starts at the root, the backward one just before it.
    const from = String(order === 'newest' ? root.order + 1 : root.order - 1);
    const [forward, backward] = await Promise.all([
      store.snapshot(articleId, { sort: order, cursor: from, ...this.pageBounds }),
      store.snapshot(articleId, { sort: order, cursor: String(root.order), backward: true, ...this.pageBounds, limit: AROUND_BEFORE }),
    ]);
    const laterReplies: Record<string, string> = {};
    const replyCursors = { ...backward.replyCursors, ...forward.replyCursors };
    let comments = forward.comments;
    if (target.parentId !== null) {
      // The target's thread: a window from a few replies before the target on, not its newest replies.
      const bounds = { limit: REPLIES_PAGE, maxBytes: this.bytes.replies };
      const [earlier, later] = await Promise.all([
        store.replies(
          articleId,
          root.id,
          { cursor: String(target.order + 1) },
          { limit: AROUND_EARLIER + 1, maxBytes: this.bytes.replies },
        ),
        store.replies(articleId, root.id, { cursor: String(target.order), later: true }, bounds),
      ]);
      const window = [...earlier.comments, ...later.comments];
      comments = [...comments.filter((c) => c.rootId !== root.id || c.id === root.id), ...window];
      if (earlier.cursor) replyCursors[root.id] = earlier.cursor;
      else delete replyCursors[root.id];
      if (later.cursor) laterReplies[root.id] = later.cursor;
    }
    // The other side nearest first: shown in page order, it comes before the forward page.
    const before = backward.comments.filter((c) => c.parentId === null).reverse();
    const all = [...before.flatMap((r) => [r, ...backward.comments.filter((c) => c.parentId !== null && c.rootId === r.id)]), ...comments];
    return {
      articleId,
      epoch: forward.epoch,
      head: forward.head,
      sort: order,
      count: forward.count,
      scoresVersion: forward.scoresVersion,
      comments: await this.view(articleId, all, viewer),
      cursor: forward.cursor,
      before: backward.cursor,
      replyCursors,
      ...(Object.keys(laterReplies).length ? { laterReplies } : {}),
      target: commentId,
      editWindowSeconds: Math.floor(this.deps.config.editWindowMs / 1000),
      closed: forward.closed,
    };
  }

  /** What `viewer` sees of stored comments, with their own votes. */
  private async view(articleId: string, comments: StoredComment[], viewer: Viewer): Promise<Comment[]> {
    const views = viewAll(comments, viewer);
    if (!viewer || views.length === 0) return views;
    const mine = await this.deps.store.myVotes(
      articleId,
      viewer.id,
      views.map((c) => c.id),
    );
    for (const c of views) {
      const v = mine[c.id];
      if (v) c.myVote = v;
    }
    return views;
  }

  private get pageBounds() {
    return { limit: PAGE_ROOTS, replies: SNAPSHOT_REPLIES, maxBytes: this.bytes.snapshot };
  }

  /**
   * A vote on a comment: up (1), down (-1) or taken back (0); once per user and comment. Not on
   * one's own comment, nor on one readers cannot see. Rate limited like posts (`vote` bucket).
   */
  async vote(viewer: Viewer, p: Payload<'comment:vote'>): Promise<{ up: number; down: number; myVote: -1 | 0 | 1 }> {
    const user = requireUser(viewer);
    const { store } = this.deps;
    const c = await store.get(p.articleId, p.commentId);
    if (!c || c.status !== 'visible') throw new DomainError('not_found', 'no such comment');
    if (c.author.id === user.id) throw new DomainError('forbidden', 'you cannot vote on your own comment');
    // A ban takes away every say in a thread: its ranking too.
    if (await store.activeBan(user.id, null, this.deps.clock.now().toISOString()))
      throw new DomainError('banned', 'you are banned from commenting');
    await this.deps.limiter?.consume('vote', user.id);
    const r = await store.vote({
      articleId: p.articleId,
      commentId: p.commentId,
      userId: user.id,
      value: p.value,
      rootOrder: c.parentId === null ? c.order : null,
    });
    return { up: r.up, down: r.down, myVote: r.myVote };
  }

  /** What a text would look like once posted: its document. */
  preview(viewer: Viewer, p: Payload<'comment:preview'>): Promise<{ doc: Doc }> {
    requireUser(viewer);
    return Promise.resolve({ doc: renderMarkdown(p.body) });
  }

  async post(viewer: Viewer, p: Payload<'comment:post'>, ctx: RequestContext | null = null): Promise<Comment> {
    const user = requireUser(viewer);
    const clientKey = p.clientId ? `${user.id}:${p.clientId}` : null;
    if (!clientKey) return this.store(user, p, null, ctx);
    // A retry that arrives while the first attempt is being stored gets the same comment (not a
    // rate limit, not a second comment). Across nodes the store's idempotency key does this.
    const inFlight = this.posting.get(clientKey);
    if (inFlight) return inFlight;
    const work = this.store(user, p, clientKey, ctx).finally(() => this.posting.delete(clientKey));
    this.posting.set(clientKey, work);
    return work;
  }

  private async store(user: User, p: Payload<'comment:post'>, clientKey: string | null, ctx: RequestContext | null): Promise<Comment> {
    const { store, clock, ids, config } = this.deps;
    const parentId = p.parentId ?? null;
    const now = clock.now().toISOString();
    const staff = user.role === 'moderator';
    // The reads a post needs do not depend on each other: they go to the store together.
    const reads = await Promise.allSettled([
      clientKey ? store.findByClientKey(p.articleId, clientKey) : null,
      store.activeBan(user.id, user.guest ? (ctx?.addressHash ?? null) : null, now),
      parentId ? store.get(p.articleId, parentId) : null,
      staff ? null : store.hold(user.id),
      user.guest && !staff ? store.userComments(user.id, 1) : null,
    ]);
    // A retry of a stored post is answered before any limit, and whatever the other reads met.
    const existing = settled(reads[0]);
    if (existing) return viewFor(existing, user) ?? authorView(existing);
    const banned = settled(reads[1]) !== null;
    const parent = settled(reads[2]);
    const userHeld = settled(reads[3]) !== null;
    const firstComment = (settled(reads[4])?.length ?? 1) === 0;
    if (banned) throw new DomainError('banned', 'you are banned from commenting');
    if (!staff) await this.deps.limiter?.consume('post', user.id);
    let rootId: string | null = null;
    if (parentId) {
      if (!parent || parent.status === 'pending') throw new DomainError('not_found', 'the comment you reply to does not exist');
      if (parent.status !== 'visible') throw new DomainError('not_found', 'the comment you reply to was removed');
      rootId = parent.rootId;
    }
    const bodyHash = this.deps.hash(p.body.toLowerCase());
    const dupSeconds = config.duplicateBodySeconds ?? 0;
    if (dupSeconds > 0 && !staff) {
      const claimed = await store.claimBody(user.id, bodyHash, p.clientId ?? ids.commentId(), dupSeconds);
      if (!claimed) throw new DomainError('invalid_input', 'you already posted this comment a moment ago');
    }
    const verdict = moderate({
      user,
      body: p.body,
      banned,
      heldWords: config.heldWords ?? NO_WORDS,
      premoderation: config.premoderation,
      userHeld,
      spam: staff ? undefined : await this.spamSignals(p, bodyHash, firstComment, ctx),
    });
    const id = ids.commentId();
    const outcome = staff
      ? null
      : await this.externalReview('post', { id, articleId: p.articleId, parentId, body: p.body, author: user, createdAt: now }, ctx);
    const decision = decide(verdict, outcome);
    const r = await store.create({
      comment: {
        id,
        articleId: p.articleId,
        parentId,
        rootId: rootId ?? id,
        author: staff ? { id: user.id, name: user.name, staff: true } : { id: user.id, name: user.name },
        body: p.body,
        doc: renderMarkdown(p.body),
        status: decision.status,
        createdAt: now,
        ...(decision.status === 'pending' ? { heldReason: decision.reason } : {}),
        ...(decision.status === 'removed' ? { removedReason: decision.reason, removedFrom: 'pending' as const } : {}),
        ...(outcome ? { review: { ...reviewContext(ctx), verdicts: outcome.checked } } : {}),
      },
      clientKey,
      publish: decision.status === 'visible',
      rejectIfClosed: !staff,
      epochCandidate: ids.epoch(),
      at: now,
    });
    if (r.kind === 'closed') throw new DomainError('thread_closed', 'this discussion is closed');
    if (r.kind === 'created') {
      if (r.event) this.deps.notifier.publish(r.event);
      const type = decision.status === 'visible' ? 'comment.created' : decision.status === 'pending' ? 'comment.held' : 'comment.removed';
      this.toModerators({ type, articleId: p.articleId, comment: r.comment });
      // Bookkeeping for the console and for bans: the comment is stored whatever happens here.
      await Promise.allSettled([
        store.touchArticle(p.articleId, now),
        user.guest && ctx ? store.noteAddress(user.id, ctx.addressHash) : null,
      ]);
    }
    return viewFor(r.comment, user) ?? authorView(r.comment);
  }

  /** The built-in spam signals of a new text (config.spam; all off without it). */
  private async spamSignals(
    p: { articleId: string; body: string },
    bodyHash: string,
    firstComment: boolean,
    ctx: RequestContext | null,
  ): Promise<SpamSignals | undefined> {
    const spam = this.deps.config.spam;
    if (!spam) return undefined;
    const burst = async (): Promise<boolean> => {
      if (!ctx || !this.deps.limiter) return false;
      try {
        await this.deps.limiter.consume('burst', ctx.addressHash);
        return false;
      } catch (e) {
        if (e instanceof DomainError && e.code === 'rate_limited') return true;
        throw e;
      }
    };
    const [articles, bursting] = await Promise.all([
      spam.maxArticles > 0 ? this.deps.store.noteBody(bodyHash, p.articleId, spam.articlesWindowSeconds) : Promise.resolve(0),
      burst(),
    ]);
    return {
      links: countLinks(p.body),
      maxLinks: spam.maxLinks,
      firstComment,
      firstCommentLink: spam.firstCommentLink,
      articles,
      maxArticles: spam.maxArticles,
      burst: bursting,
    };
  }

  /**
   * Asks the outside checks (Akismet, a moderation hook) about a new or edited text, all at once;
   * each has its own timeout and answers null when it has no opinion or did not answer in time.
   */
  private async externalReview(kind: 'post' | 'edit', draft: ReviewDraft, ctx: RequestContext | null): Promise<ReviewOutcome | null> {
    const checks = this.deps.checks ?? [];
    if (checks.length === 0) return null;
    const answers = await Promise.all(checks.map((c) => c.review({ kind, comment: draft, context: ctx }).catch(() => null)));
    const checked: Record<string, ExternalVerdict['action'] | 'none'> = {};
    checks.forEach((c, i) => (checked[c.name] = answers[i]?.action ?? 'none'));
    return { verdicts: answers.filter((a): a is ExternalVerdict => a !== null), checked };
  }

  /** The moderation phases for a text written by `user` (an edit). */
  private verdict(user: User, body: string, banned: boolean, userHeld: boolean) {
    const { config } = this.deps;
    return moderate({ user, body, banned, heldWords: config.heldWords ?? NO_WORDS, premoderation: config.premoderation, userHeld });
  }

  /**
   * An edit goes through the same phases as a post. An edit that would be held is held: readers
   * keep the last approved text and a moderator sees the new one in the queue. A held comment's
   * edit replaces its text and stays held (the moderator approves the version they saw).
   */
  async edit(viewer: Viewer, p: Payload<'comment:edit'>, ctx: RequestContext | null = null): Promise<Comment> {
    const user = requireUser(viewer);
    const { store, config, clock } = this.deps;
    const staff = user.role === 'moderator';
    const [ban, userHold, current] = await Promise.all([
      store.activeBan(user.id, user.guest ? (ctx?.addressHash ?? null) : null, clock.now().toISOString()),
      staff ? null : store.hold(user.id),
      store.get(p.articleId, p.commentId),
    ]);
    let verdict = this.verdict(user, p.body, ban !== null, userHold !== null);
    // The outside checks see an edit as they see a post: a hold or a remove holds the edit.
    if (!staff && current && current.author.id === user.id) {
      const outcome = await this.externalReview('edit', { ...current, author: user, body: p.body }, ctx);
      const d = decide(verdict, outcome);
      if (d.status !== 'visible' && verdict.status === 'visible') verdict = { status: 'pending', reason: d.reason };
    }
    if (user.role !== 'moderator') await this.deps.limiter?.consume('edit', user.id);
    let queued = false;
    const { comment: updated, changed } = await this.mutate(p.articleId, p.commentId, (c, now) => {
      if (c.author.id !== user.id) throw new DomainError('forbidden', 'you can edit only your own comments');
      if (c.status === 'removed' || c.status === 'deleted') throw new DomainError('not_found', 'this comment was removed');
      if (now.getTime() - Date.parse(c.createdAt) > config.editWindowMs) {
        throw new DomainError('edit_window_closed', 'the time to edit this comment has passed');
      }
      const at = now.toISOString();
      const base = { guard: 'version' as const, rejectIfClosed: user.role !== 'moderator', visibleDelta: 0 };
      queued = verdict.status === 'pending';
      if (c.status === 'pending') {
        if (c.body === p.body) return null;
        return { ...base, patch: { body: p.body, doc: renderMarkdown(p.body), editedAt: at }, eventType: null };
      }
      if (verdict.status === 'pending') {
        if (c.pendingEdit?.body === p.body) return null;
        return { ...base, patch: { pendingEdit: { body: p.body, at, reason: `edit: ${verdict.reason}` } }, eventType: null };
      }
      if (c.body === p.body && !c.pendingEdit) return null;
      return {
        ...base,
        patch: { body: p.body, doc: renderMarkdown(p.body), editedAt: at, pendingEdit: null },
        eventType: 'comment.edited',
      };
    });
    if (changed) {
      const held = updated.status === 'pending' || Boolean(updated.pendingEdit);
      if (queued && held)
        await store.enqueueHeld(p.articleId, p.commentId, updated.pendingEdit?.at ?? updated.editedAt ?? updated.createdAt);
      // A clean edit settles a held one; reports against the comment stay for moderators.
      else if (updated.status === 'visible') await store.dequeue(p.articleId, p.commentId, 'held');
      this.toModerators({
        type: updated.pendingEdit && queued ? 'comment.held' : 'comment.edited',
        articleId: p.articleId,
        comment: updated,
      });
    }
    return authorView(updated);
  }

  async delete(viewer: Viewer, p: Payload<'comment:delete'>): Promise<void> {
    const user = requireUser(viewer);
    const { comment, changed } = await this.mutate(p.articleId, p.commentId, (c) => {
      if (c.author.id !== user.id) throw new DomainError('forbidden', 'you can delete only your own comments');
      if (c.status === 'deleted') return null;
      if (c.status === 'removed') throw new DomainError('not_found', 'this comment was removed');
      return {
        guard: 'status',
        patch: { status: 'deleted', pendingEdit: null },
        // A held comment was never public: deleting it is not a public event either.
        eventType: c.status === 'visible' ? 'comment.deleted' : null,
        visibleDelta: c.status === 'visible' ? -1 : 0,
      };
    });
    if (!changed) return;
    await this.deps.store.dequeue(p.articleId, p.commentId);
    this.toModerators({ type: 'comment.deleted', articleId: p.articleId, comment });
  }

  /** Read, decide (pure), write if unchanged (mutate.ts). */
  protected mutate(
    articleId: string,
    commentId: string,
    decide: (c: StoredComment, now: Date) => Change | null,
  ): Promise<{ comment: StoredComment; changed: boolean }> {
    return mutateComment(this.deps, articleId, commentId, decide);
  }

  counts(articleIds: string[]): Promise<Record<string, number>> {
    return this.deps.store.counts(articleIds);
  }

  // ── reports ──────────────────────────────────────────────────────────────────────────────

  async report(viewer: Viewer, p: Payload<'comment:report'>): Promise<void> {
    const user = requireUser(viewer);
    const { store } = this.deps;
    const c = await store.get(p.articleId, p.commentId);
    if (!c || (c.status !== 'visible' && user.role !== 'moderator')) throw new DomainError('not_found', 'no such comment');
    await this.deps.limiter?.consume('report', user.id);
    const report = { userId: user.id, reason: p.reason ?? null, at: this.deps.clock.now().toISOString() };
    if (!(await store.addReport(p.articleId, p.commentId, report))) return;
    this.toModerators({ type: 'comment.reported', articleId: p.articleId, comment: c, report: { userId: user.id, reason: report.reason } });
    // Enough readers reported it: it leaves readers' screens and waits for a moderator.
    const threshold = this.deps.config.reportHoldThreshold ?? 0;
    if (threshold <= 0 || c.status !== 'visible') return;
    const reporters = (await store.reports(p.articleId, p.commentId)).length;
    if (reporters < threshold) return;
    const { comment: hidden, changed } = await this.mutate(p.articleId, p.commentId, (cur) => {
      if (cur.status !== 'visible') return null;
      const change: Change = {
        guard: 'status',
        patch: { status: 'pending', heldReason: `reported by ${reporters} readers`, heldFrom: 'visible' },
        eventType: 'comment.hidden',
        visibleDelta: -1,
        parentReplyDelta: -1,
      };
      return change;
    });
    if (changed) this.toModerators({ type: 'comment.held', articleId: p.articleId, comment: hidden });
  }

  // ── moderation: every use case starts with requireModerator ─────────────────────────────

  async remove(viewer: Viewer, p: Payload<'mod:remove'>): Promise<void> {
    const mod = requireModerator(viewer);
    const { comment: c, changed } = await this.mutate(p.articleId, p.commentId, (c) => {
      if (c.status === 'removed' || c.status === 'deleted') return null;
      return {
        guard: 'status',
        patch: { status: 'removed', removedReason: p.reason ?? null, removedFrom: c.status },
        // A held comment never reached readers: removing it is a decision, not an event.
        eventType: c.status === 'visible' ? 'comment.removed' : null,
        visibleDelta: c.status === 'visible' ? -1 : 0,
      };
    });
    await this.deps.store.dequeue(p.articleId, p.commentId);
    // An outside check that let it through was wrong: tell it (Akismet submit-spam).
    if (changed) this.correctChecks(c, true);
    if (!changed) return;
    await this.audit(
      mod,
      'remove',
      { articleId: p.articleId, commentId: p.commentId, userId: c.author.id, reason: p.reason },
      c,
      'comment.removed',
    );
  }

  async restore(viewer: Viewer, p: Payload<'mod:restore'>): Promise<void> {
    const mod = requireModerator(viewer);
    const { comment: c, changed } = await this.mutate(p.articleId, p.commentId, (c) => {
      if (c.status === 'deleted') throw new DomainError('not_found', 'its author deleted this comment');
      if (c.status !== 'removed') return null;
      // A comment removed while held goes back to the queue: readers never saw it created.
      if (c.removedFrom === 'pending')
        return { guard: 'status', patch: { status: 'pending', removedReason: null, removedFrom: null }, eventType: null, visibleDelta: 0 };
      return {
        guard: 'status',
        patch: { status: 'visible', removedReason: null, removedFrom: null },
        eventType: 'comment.restored',
        visibleDelta: 1,
      };
    });
    if (!changed) return;
    // Back to held, or with an edit still waiting: on the queue again, where moderators look.
    if (c.status === 'pending' || c.pendingEdit)
      await this.deps.store.enqueueHeld(p.articleId, p.commentId, this.deps.clock.now().toISOString());
    await this.audit(mod, 'restore', { articleId: p.articleId, commentId: p.commentId, userId: c.author.id }, c, 'comment.restored');
  }

  /**
   * Publishes a held comment, or a held edit of a visible one. With `version`, only the version the
   * moderator saw: an edit made since is refused with `conflict` (they look again).
   */
  async approve(viewer: Viewer, p: Payload<'mod:approve'>): Promise<void> {
    const mod = requireModerator(viewer);
    const { comment: c, changed } = await this.mutate(p.articleId, p.commentId, (c) => {
      if (c.status === 'removed' || c.status === 'deleted') throw new DomainError('not_found', 'this comment was removed');
      if (p.version !== undefined && c.version !== p.version && (c.status === 'pending' || c.pendingEdit)) {
        throw new DomainError('conflict', 'the comment changed since you saw it: look at it again');
      }
      // Held after it was public (reports): it comes back as it was.
      if (c.status === 'pending' && c.heldFrom === 'visible') {
        return {
          guard: 'version',
          patch: { status: 'visible', heldReason: null, heldFrom: null },
          eventType: 'comment.restored',
          visibleDelta: 1,
          parentReplyDelta: 1,
        };
      }
      // A held comment becomes public now: readers get it as comment.created.
      if (c.status === 'pending') {
        return {
          guard: 'version',
          patch: { status: 'visible', heldReason: null },
          eventType: 'comment.created',
          visibleDelta: 1,
          parentReplyDelta: 1,
        };
      }
      if (c.pendingEdit) {
        const e = c.pendingEdit;
        return {
          guard: 'version',
          patch: { body: e.body, doc: renderMarkdown(e.body), editedAt: e.at, pendingEdit: null },
          eventType: 'comment.edited',
          visibleDelta: 0,
        };
      }
      return null;
    });
    // Approving a visible comment that was reported keeps it and clears the reports from the queue.
    await this.deps.store.dequeue(p.articleId, p.commentId);
    // An outside check that held it was wrong: tell it (Akismet submit-ham).
    if (changed) this.correctChecks(c, false);
    if (!changed && c.status !== 'visible') return;
    await this.audit(mod, 'approve', { articleId: p.articleId, commentId: p.commentId, userId: c.author.id }, c, 'comment.approved');
  }

  /**
   * Bans a user for a while (or for good) with a reason; for a guest, also the address they last
   * wrote from (as a salted hash), so that a fresh guest session from there cannot post either.
   * With `removeComments`, their visible and held comments are removed too.
   */
  async ban(viewer: Viewer, p: Payload<'mod:ban'>): Promise<void> {
    const mod = requireModerator(viewer);
    const { store, clock } = this.deps;
    const now = clock.now();
    const ms = BAN_DURATIONS[p.duration ?? 'permanent'];
    const addressHash = p.address === false ? null : await store.lastAddress(p.userId);
    const ban: Ban = {
      userId: p.userId,
      until: ms === null ? null : new Date(now.getTime() + ms).toISOString(),
      reason: p.reason ?? null,
      by: { id: mod.id, name: mod.name },
      at: now.toISOString(),
      addressHash,
    };
    // Banning a banned user the same way changes nothing and is not logged; "remove their comments" still runs.
    if (await store.ban(ban))
      await this.audit(mod, 'ban', { userId: p.userId, reason: p.reason }, null, 'user.banned', { ban: banView(ban) });
    if (!p.removeComments) return;
    for (const ref of await store.userComments(p.userId, BAN_REMOVES)) {
      const c = await store.get(ref.articleId, ref.commentId);
      if (!c || c.author.id !== p.userId || (c.status !== 'visible' && c.status !== 'pending')) continue;
      await this.remove(viewer, { articleId: ref.articleId, commentId: ref.commentId, reason: p.reason ?? 'author banned' });
    }
  }

  async unban(viewer: Viewer, p: Payload<'mod:unban'>): Promise<void> {
    const mod = requireModerator(viewer);
    if (await this.deps.store.unban(p.userId)) await this.audit(mod, 'unban', { userId: p.userId }, null, 'user.unbanned');
  }

  /** The bans in force, newest first. */
  async bans(viewer: Viewer): Promise<{ bans: BanView[] }> {
    requireModerator(viewer);
    const bans = await this.deps.store.bans(this.deps.clock.now().toISOString(), BANS_PAGE);
    return { bans: bans.map(banView) };
  }

  /** Holds all of a user's new comments for review (the soft alternative to a ban), or stops. */
  async hold(viewer: Viewer, p: Payload<'mod:hold'>): Promise<void> {
    const mod = requireModerator(viewer);
    const hold = p.hold ? { by: { id: mod.id, name: mod.name }, at: this.deps.clock.now().toISOString(), reason: p.reason ?? null } : null;
    if (await this.deps.store.setHold(p.userId, hold)) {
      await this.audit(mod, p.hold ? 'hold' : 'unhold', { userId: p.userId, reason: p.reason }, null, p.hold ? 'user.held' : 'user.unheld');
    }
  }

  /** A moderator's note about a user, for the others (the user never sees it). */
  async note(viewer: Viewer, p: Payload<'mod:note'>): Promise<void> {
    const mod = requireModerator(viewer);
    const note: UserNote = {
      id: this.deps.ids.auditId?.() ?? this.deps.ids.commentId(),
      by: { id: mod.id, name: mod.name },
      at: this.deps.clock.now().toISOString(),
      text: p.text,
    };
    await this.deps.store.addNote(p.userId, note);
    await this.audit(mod, 'note', { userId: p.userId }, null, 'user.noted');
  }

  async close(viewer: Viewer, p: Payload<'mod:close'>): Promise<void> {
    const mod = requireModerator(viewer);
    const { ids, clock } = this.deps;
    const event = await this.deps.store.setClosed({
      articleId: p.articleId,
      closed: p.closed,
      epochCandidate: ids.epoch(),
      at: clock.now().toISOString(),
    });
    if (!event) return; // already so: nothing to log
    this.deps.notifier.publish(event);
    await this.audit(mod, p.closed ? 'close' : 'reopen', { articleId: p.articleId }, null, p.closed ? 'thread.closed' : 'thread.reopened');
  }

  /** Held and reported comments, oldest first, with their reports. */
  async queue(viewer: Viewer): Promise<QueueItem[]> {
    requireModerator(viewer);
    const { store } = this.deps;
    const entries = await store.queue(QUEUE_PAGE);
    const items = await Promise.all(
      entries.map(async (e) => {
        const [c, reports] = await Promise.all([store.get(e.articleId, e.commentId), store.reports(e.articleId, e.commentId)]);
        return c ? { articleId: e.articleId, reason: e.reason, at: e.at, comment: modView(c), reports } : null;
      }),
    );
    return items.filter((i): i is QueueItem => i !== null);
  }

  async auditLog(viewer: Viewer): Promise<AuditEntry[]> {
    requireModerator(viewer);
    return this.deps.store.auditLog(AUDIT_PAGE);
  }

  private async audit(
    mod: User,
    action: AuditAction,
    target: { articleId?: string; commentId?: string; userId?: string; reason?: string | undefined },
    comment: StoredComment | null,
    type: ModEvent['type'],
    extra: Pick<ModEvent, 'ban'> = {},
  ): Promise<void> {
    const entry: AuditEntry = {
      id: this.deps.ids.auditId?.() ?? this.deps.ids.commentId(),
      at: this.deps.clock.now().toISOString(),
      moderator: { id: mod.id, name: mod.name },
      action,
      articleId: target.articleId ?? null,
      commentId: target.commentId ?? null,
      userId: target.userId ?? null,
      reason: target.reason ?? null,
    };
    await this.deps.store.appendAudit(entry);
    this.toModerators({ type, articleId: entry.articleId, comment, audit: entry, ...extra });
  }

  /**
   * A moderator decided against what an outside check said (removed what it passed, published
   * what it held): each such check is told, in the background.
   */
  private correctChecks(c: StoredComment, spam: boolean): void {
    const verdicts = c.review?.verdicts ?? {};
    for (const check of this.deps.checks ?? []) {
      const said = verdicts[check.name];
      const wrong = spam ? said === 'none' || said === 'approve' : said === 'hold' || said === 'remove';
      if (wrong && check.correct) void check.correct({ comment: c, spam }).catch(() => undefined);
    }
  }

  /**
   * Tells the moderators watching, once the event is in the activity log (its `seq` lets a console
   * catch up after a reconnect). Not awaited by the write it follows: the ack does not wait for
   * the console's bookkeeping, and a failed append still tells the consoles (without a seq).
   */
  toModerators(e: ModEvent): void {
    const { store, clock, notifier } = this.deps;
    void store
      .appendActivity({
        at: clock.now().toISOString(),
        type: e.type,
        articleId: e.articleId,
        commentId: e.comment?.id ?? null,
        userId: e.comment?.author.id ?? e.audit?.userId ?? e.ban?.userId ?? null,
        auditId: e.audit?.id ?? null,
      })
      .then(
        (seq) => notifier.moderators({ ...e, seq }),
        () => notifier.moderators(e),
      );
  }
}

const NO_WORDS = new HeldWords([]);

/** How long each ban duration lasts (ms); null: for good. */
const BAN_DURATIONS: Record<BanDuration, number | null> = { '1h': 3600_000, '1d': 86_400_000, '7d': 7 * 86_400_000, permanent: null };
const BANS_PAGE = 1000;

/** A ban as moderators see it: the address itself is never shown, only that it is covered. */
export function banView(b: Ban): BanView {
  return { userId: b.userId, until: b.until, reason: b.reason, by: b.by, at: b.at, address: b.addressHash !== null };
}

interface ReviewOutcome {
  verdicts: ExternalVerdict[];
  /** Each check's answer, kept with the comment (a moderator's correction is reported back). */
  checked: Record<string, ExternalVerdict['action'] | 'none'>;
}

/** The final status of a new text: an outside remove or hold wins; an approve never lifts the rules' hold. */
function decide(
  verdict: { status: 'visible' } | { status: 'pending'; reason: string },
  outcome: ReviewOutcome | null,
): { status: 'visible'; reason?: undefined } | { status: 'pending' | 'removed'; reason: string } {
  const answers = outcome?.verdicts ?? [];
  const removed = answers.find((v) => v.action === 'remove');
  if (removed) return { status: 'removed', reason: removed.reason ?? 'removed by the moderation service' };
  const held = answers.find((v) => v.action === 'hold');
  if (held) return { status: 'pending', reason: held.reason ?? 'held by the moderation service' };
  return verdict;
}

/** What an outside check may be told again later (Akismet's corrections need the original request). */
function reviewContext(ctx: RequestContext | null): { ip: string | null; userAgent: string | null; referrer: string | null } {
  return { ip: ctx?.address ?? null, userAgent: ctx?.userAgent ?? null, referrer: ctx?.referrer ?? null };
}

export function requireModerator(viewer: Viewer): User {
  if (viewer?.role !== 'moderator') throw new DomainError('forbidden', 'only moderators can do this');
  return viewer;
}

/** The value of a settled read, or its error thrown. */
function settled<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}
