/**
 * The live feed: what happened across all articles, newest at top, at most 200 entries. It starts
 * from the activity log (`mod:watch` answers the newest 200 entries), continues with every
 * `mod:event`, and after a reconnect takes what it missed (`mod:watch { since }`), each in its
 * place by `seq`; an entry heard twice (live and in a catch-up) is shown once.
 * A comment has one entry, added when it is first seen; later events about it (approved,
 * removed, reported…) are added to that entry as history lines and update it in place.
 */
import type { ActivityView, ModEventPayload } from '../../shared/moderation.js';
import { banUntil } from './ban.js';
import { CommentCard, shortId } from './card.js';
import { button, h } from './dom.js';
import { actionError, timeEl } from './format.js';
import type { CommentView, Ctx } from './state.js';

export const FEED_MAX = 200;
/** Seqs remembered past the point where every earlier one is accounted for. */
const SEEN_MAX = 5000;

/** A `mod:event`, or an entry of the activity log (which has its time but no audit details). */
export interface FeedEvent extends ModEventPayload {
  at?: string;
  userId?: string | null;
}

export function fromActivity(a: ActivityView): FeedEvent {
  return { type: a.type, articleId: a.articleId, comment: a.comment, seq: a.seq, at: a.at, userId: a.userId };
}

interface Entry {
  el: HTMLLIElement;
  card: CommentCard | null;
  /** A non-comment entry that follows shared state (the Unban of a ban line). */
  view?: CommentView | null;
  /** Its place: the activity seq (fractions for lines without one). */
  key: number;
}

type Tone = 'info' | 'good' | 'bad';

/** What happened, in words, and whether it is good or bad news. */
export function describeEvent(e: FeedEvent, names: Map<string, string> = new Map()): { text: string; tone: Tone } {
  const by = e.audit ? ` by ${e.audit.moderator.name}` : '';
  const why = e.audit?.reason ? `: “${e.audit.reason}”` : '';
  switch (e.type) {
    case 'comment.created':
      return { text: e.comment?.parentId ? 'New reply' : 'New comment', tone: 'info' };
    case 'comment.held':
      return { text: 'Held for review', tone: 'bad' };
    case 'comment.reported': {
      const reason = e.report?.reason ? `: “${e.report.reason}”` : '';
      const reporter = e.report ? (names.get(e.report.userId) ?? shortUser(e.report.userId)) : 'a reader';
      return { text: `Reported by ${reporter}${reason}`, tone: 'bad' };
    }
    case 'comment.approved':
      return { text: `Approved${by}`, tone: 'good' };
    case 'comment.removed':
      return { text: `Removed${by}${why}`, tone: 'bad' };
    case 'comment.restored':
      return { text: `Restored${by}`, tone: 'good' };
    case 'comment.edited':
      return { text: 'Edited by its author', tone: 'info' };
    case 'comment.deleted':
      return { text: 'Deleted by its author', tone: 'info' };
    case 'user.banned': {
      const until = e.ban ? ` ${banUntil(e.ban.until)}` : '';
      return { text: `${user(e, names)} banned${until}${by}${why}`, tone: 'bad' };
    }
    case 'user.unbanned':
      return { text: `${user(e, names)} unbanned${by}`, tone: 'good' };
    case 'user.held':
      return { text: `All comments of ${user(e, names)} held for review${by}${why}`, tone: 'bad' };
    case 'user.unheld':
      return { text: `Comments of ${user(e, names)} no longer held${by}`, tone: 'good' };
    case 'user.noted':
      return { text: `Note about ${user(e, names)}${by}`, tone: 'info' };
    case 'user.erased':
      return { text: `${user(e, names)} erased${by}`, tone: 'bad' };
    case 'thread.closed':
      return { text: `Thread ${e.articleId ?? ''} closed${by}`, tone: 'bad' };
    case 'thread.reopened':
      return { text: `Thread ${e.articleId ?? ''} reopened${by}`, tone: 'good' };
    default:
      return { text: e.type, tone: 'info' };
  }
}

function userOf(e: FeedEvent): string | null {
  return e.audit?.userId ?? e.ban?.userId ?? e.userId ?? null;
}

/** "Gus (guest-40026b44…)" or the bare id. */
function user(e: FeedEvent, names: Map<string, string>): string {
  const id = userOf(e);
  if (!id) return 'A user';
  const name = names.get(id);
  return name ? `${name} (${shortUser(id)})` : `User ${shortUser(id)}`;
}

/** Guest ids are long: "guest-fee922a0…". */
function shortUser(id: string): string {
  return id.length > 20 ? `${id.slice(0, 14)}…` : id;
}

export class FeedView {
  readonly el: HTMLElement;
  readonly list: HTMLUListElement;
  private readonly emptyEl: HTMLParagraphElement;
  private readonly countEl: HTMLSpanElement;
  /** Newest (highest key) first, as in the list. */
  private readonly entries: Entry[] = [];
  private readonly byComment = new Map<string, Entry>();
  /** Activity seqs applied, above `caughtUp`. */
  private readonly seen = new Set<number>();
  /** Every seq up to this one is applied, or known not to matter (before the first page). */
  private caughtUp = 0;
  private maxKey = 0;

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
  ) {
    this.countEl = h('span', { class: 'lm-feed-count' });
    this.list = h('ul', { class: 'lm-list lm-feed', 'aria-labelledby': headingId });
    this.emptyEl = h(
      'p',
      { class: 'lm-empty' },
      'No activity yet. New comments on every article, reports and moderator actions appear here as they happen.',
    );
    this.el = h('div', { class: 'lm-feed-wrap' }, this.emptyEl, this.list);
    this.update();
  }

  /** The "N of 200" counter, placed in the section heading by the console. */
  get counter(): HTMLElement {
    return this.countEl;
  }

  /** Where a catch-up continues from (`mod:watch { since }`). */
  since(): number {
    return this.caughtUp;
  }

  /**
   * Entries of the activity log, ascending (`mod:watch`'s `activity`). Returns how many were new.
   * `complete`: the answer holds everything after `since` up to its last entry, so nothing below
   * that can still come.
   */
  backfill(activity: ActivityView[], complete: boolean): number {
    let added = 0;
    for (const a of activity) if (this.onModEvent(fromActivity(a))) added++;
    const last = activity.at(-1)?.seq;
    if (complete && last !== undefined) this.settle(last);
    return added;
  }

  /** Shows one event; false when it was shown already (same seq). */
  onModEvent(e: FeedEvent): boolean {
    if (e.seq !== undefined && !this.accept(e.seq)) return false;
    const key = e.seq ?? this.nextLocalKey();
    const now = new Date().toISOString();
    const { text, tone } = describeEvent(e, this.ctx.names);
    // When it happened: the log's time, the moderator's action, the comment's creation; else now.
    const created = e.type === 'comment.created' || e.type === 'comment.held';
    const at = e.at ?? e.audit?.at ?? (created && e.comment ? e.comment.createdAt : now);
    if (e.comment) {
      const known = this.byComment.get(e.comment.id);
      if (known?.card) {
        known.card.addNote(text, at, tone, key);
        return true;
      }
      const card = new CommentCard(this.ctx, 'feed', e.comment);
      card.addNote(text, at, tone, key);
      const entry: Entry = { el: card.el, card, key };
      card.el.dataset.event = e.type;
      if (e.seq !== undefined) card.el.dataset.seq = String(e.seq);
      this.byComment.set(e.comment.id, entry);
      this.insert(entry);
      return true;
    }
    const { el, view } = this.line(e, text, tone, at);
    if (e.seq !== undefined) el.dataset.seq = String(e.seq);
    if (view) this.ctx.registry.add(view);
    this.insert({ el, card: null, view, key });
    return true;
  }

  /** A divider line at the top (reconnected…). */
  marker(text: string): void {
    const el = h(
      'li',
      { class: 'lm-feed-line lm-feed-marker' },
      timeEl(new Date().toISOString(), 'clock'),
      h('span', { class: 'lm-feed-text' }, text),
    );
    this.insert({ el, card: null, key: this.nextLocalKey() });
  }

  clear(): void {
    for (const e of this.entries) {
      e.card?.dispose();
      if (e.view) this.ctx.registry.remove(e.view);
    }
    this.entries.length = 0;
    this.byComment.clear();
    this.seen.clear();
    this.caughtUp = 0;
    this.maxKey = 0;
    this.list.replaceChildren();
    this.update();
  }

  private accept(seq: number): boolean {
    if (seq <= this.caughtUp || this.seen.has(seq)) return false;
    this.seen.add(seq);
    while (this.seen.delete(this.caughtUp + 1)) this.caughtUp++;
    // Gaps that never fill (an event whose node went down before sending it) must not grow this.
    if (this.seen.size > SEEN_MAX) this.settle(Math.min(...this.seen) + this.seen.size / 2);
    return true;
  }

  private settle(upTo: number): void {
    if (upTo > this.caughtUp) this.caughtUp = Math.floor(upTo);
    for (const s of this.seen) if (s <= this.caughtUp) this.seen.delete(s);
    while (this.seen.delete(this.caughtUp + 1)) this.caughtUp++;
  }

  /** Lines without a seq (failed to log, markers) go above everything so far. */
  private nextLocalKey(): number {
    return this.maxKey + 0.001;
  }

  private line(e: FeedEvent, text: string, tone: Tone, at: string): { el: HTMLLIElement; view: CommentView | null } {
    const content = h('span', { class: 'lm-feed-text' }, text);
    const el = h('li', { class: `lm-feed-line lm-note-${tone}`, 'data-event': e.type }, timeEl(at, 'clock'), content);
    if (e.articleId && e.type.startsWith('thread.')) {
      const articleId = e.articleId;
      content.append(
        ' ',
        button('lm-link lm-article', 'Show thread', () => this.ctx.openThread(articleId), { 'aria-label': `Show thread ${articleId}` }),
      );
    }
    if (e.audit?.commentId && !e.comment) content.append(' ', h('code', { title: e.audit.commentId }, shortId(e.audit.commentId)));
    const userId = userOf(e);
    if (userId && e.type.startsWith('user.')) {
      content.append(
        ' ',
        button('lm-link lm-open-user', 'User card', () => this.ctx.openUser(userId), {
          'aria-label': `Show the card of ${this.ctx.names.get(userId) ?? userId}`,
        }),
      );
    }
    if (e.type !== 'user.banned' || !userId) return { el, view: null };

    // Unban, shown while the user is still banned (kept current like a comment card).
    const error = h('span', { class: 'lm-error lm-inline-error', role: 'alert' });
    const unban = button(
      'lm-btn lm-btn-small lm-unban',
      'Unban',
      async () => {
        error.textContent = '';
        unban.disabled = true;
        try {
          await this.ctx.client.request('mod:unban', { userId });
          this.ctx.bans.delete(userId);
        } catch (err) {
          error.textContent = actionError('unban', err);
        } finally {
          unban.disabled = false;
        }
      },
      { 'aria-label': `Unban ${this.ctx.names.get(userId) ?? userId}` },
    );
    content.append(' ', unban, ' ', error);
    const view: CommentView = {
      commentId: `user:${userId}`,
      setComment: () => undefined,
      refresh: () => {
        unban.hidden = !this.ctx.bans.has(userId);
      },
    };
    view.refresh();
    return { el, view };
  }

  /** Puts an entry in its place by key (newest first) and keeps at most FEED_MAX. */
  private insert(entry: Entry): void {
    this.maxKey = Math.max(this.maxKey, entry.key);
    let i = 0;
    while (i < this.entries.length && this.entries[i]!.key > entry.key) i++;
    if (i >= FEED_MAX) {
      // Older than everything kept: not shown.
      entry.card?.dispose();
      if (entry.card) this.byComment.delete(entry.card.commentId);
      if (entry.view) this.ctx.registry.remove(entry.view);
      return;
    }
    this.list.insertBefore(entry.el, this.entries[i]?.el ?? null);
    this.entries.splice(i, 0, entry);
    while (this.entries.length > FEED_MAX) {
      const old = this.entries.pop()!;
      old.el.remove();
      if (old.view) this.ctx.registry.remove(old.view);
      if (old.card) {
        old.card.dispose();
        if (this.byComment.get(old.card.commentId) === old) this.byComment.delete(old.card.commentId);
      }
    }
    this.update();
  }

  private update(): void {
    this.emptyEl.hidden = this.entries.length > 0;
    this.countEl.textContent = this.entries.length ? `${this.entries.length} / ${FEED_MAX}` : '';
  }
}
