/**
 * The live feed: every `mod:event` across all articles, newest at top, at most 200 entries.
 * A comment has one entry, added when it is first seen; later events about it (approved,
 * removed, reported…) are added to that entry as history lines and update it in place.
 */
import type { ModEventPayload } from '../../shared/events.js';
import { CommentCard, shortId } from './card.js';
import { button, h } from './dom.js';
import { actionError, timeEl } from './format.js';
import type { CommentView, Ctx } from './state.js';

export const FEED_MAX = 200;

interface Entry {
  el: HTMLLIElement;
  card: CommentCard | null;
  /** A non-comment entry that follows shared state (the Unban of a ban line). */
  view?: CommentView | null;
}

type Tone = 'info' | 'good' | 'bad';

/** What happened, in words, and whether it is good or bad news. */
export function describeEvent(e: ModEventPayload, names: Map<string, string> = new Map()): { text: string; tone: Tone } {
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
    case 'user.banned':
      return { text: `${user(e, names)} banned${by}${why}`, tone: 'bad' };
    case 'user.unbanned':
      return { text: `${user(e, names)} unbanned${by}`, tone: 'good' };
    case 'thread.closed':
      return { text: `Thread ${e.articleId ?? ''} closed${by}`, tone: 'bad' };
    case 'thread.reopened':
      return { text: `Thread ${e.articleId ?? ''} reopened${by}`, tone: 'good' };
    default:
      return { text: e.type, tone: 'info' };
  }
}

/** "Gus (guest-40026b44…)" or the bare id. */
function user(e: ModEventPayload, names: Map<string, string>): string {
  const id = e.audit?.userId;
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
  private readonly entries: Entry[] = [];
  private readonly byComment = new Map<string, Entry>();

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
  ) {
    this.countEl = h('span', { class: 'lm-feed-count' });
    this.list = h('ul', { class: 'lm-list lm-feed', 'aria-labelledby': headingId });
    this.emptyEl = h(
      'p',
      { class: 'lm-empty' },
      'Waiting for activity. New comments on every article, reports and moderator actions appear here as they happen.',
    );
    this.el = h('div', { class: 'lm-feed-wrap' }, this.emptyEl, this.list);
    this.update();
  }

  /** The "N of 200" counter, placed in the section heading by the console. */
  get counter(): HTMLElement {
    return this.countEl;
  }

  onModEvent(e: ModEventPayload): void {
    const now = new Date().toISOString();
    const { text, tone } = describeEvent(e, this.ctx.names);
    // When it happened: the moderator's action, or the comment's creation; else when we heard.
    const created = e.type === 'comment.created' || e.type === 'comment.held';
    const at = e.audit?.at ?? (created && e.comment ? e.comment.createdAt : now);
    if (e.comment) {
      const known = this.byComment.get(e.comment.id);
      if (known?.card) {
        known.card.addNote(text, at, tone);
        return;
      }
      const card = new CommentCard(this.ctx, 'feed', e.comment);
      card.addNote(text, at, tone);
      const entry: Entry = { el: card.el, card };
      card.el.dataset.event = e.type;
      this.byComment.set(e.comment.id, entry);
      this.prepend(entry);
      return;
    }
    const { el, view } = this.line(e, text, tone, at);
    if (view) this.ctx.registry.add(view);
    this.prepend({ el, card: null, view });
  }

  /** A divider line (reconnected, signed in…). */
  marker(text: string): void {
    const el = h(
      'li',
      { class: 'lm-feed-line lm-feed-marker' },
      timeEl(new Date().toISOString(), 'clock'),
      h('span', { class: 'lm-feed-text' }, text),
    );
    this.prepend({ el, card: null });
  }

  clear(): void {
    for (const e of this.entries) {
      e.card?.dispose();
      if (e.view) this.ctx.registry.remove(e.view);
    }
    this.entries.length = 0;
    this.byComment.clear();
    this.list.replaceChildren();
    this.update();
  }

  private line(e: ModEventPayload, text: string, tone: Tone, at: string): { el: HTMLLIElement; view: CommentView | null } {
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
    const userId = e.audit?.userId;
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
          this.ctx.bans.set(userId, false);
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

  private prepend(entry: Entry): void {
    this.entries.unshift(entry);
    this.list.prepend(entry.el);
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
