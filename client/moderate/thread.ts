/**
 * The Thread box: close or reopen any article's thread (`mod:close`) and follow one thread live
 * through `client.join` (moderators get every comment in full, held ones included).
 * Held comments never become thread events, so `mod:event`s for the followed article are merged in.
 */
import type { ModEventPayload, PresencePayload } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';
import type { ThreadListener, ThreadState } from '../discussion-client.js';
import { CommentCard } from './card.js';
import { confirmDialog } from './dialog.js';
import { button, h, nextId, reconcile } from './dom.js';
import { actionError, ARTICLE_ID_RE, describeError, plural } from './format.js';
import type { Ctx } from './state.js';

/** How long a comment learnt from a mod:event survives a snapshot that does not have it. */
const RECENT_MS = 10_000;
/** Replies deeper than this are drawn at this indent. */
const MAX_INDENT = 4;

export class ThreadBox {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly panel: HTMLDivElement;
  private readonly titleEl: HTMLElement;
  private readonly stateEl: HTMLSpanElement;
  private readonly statsEl: HTMLSpanElement;
  private readonly list: HTMLUListElement;
  private readonly emptyEl: HTMLParagraphElement;
  private readonly olderBtn: HTMLButtonElement;
  private readonly closeBtn: HTMLButtonElement;
  private readonly reopenBtn: HTMLButtonElement;

  private current: string | null = null;
  /** Bumped by every show/stop: a late join answer for an older request is dropped. */
  private generation = 0;
  private readonly comments = new Map<string, Comment>();
  /** When each comment was last learnt from a mod:event. */
  private readonly fromModEvent = new Map<string, number>();
  private readonly cards = new Map<string, CommentCard>();
  private closed = false;
  private readers: number | null = null;
  private hasOlder = false;
  private readonly onPresence = (p: PresencePayload) => {
    if (p.articleId !== this.current) return;
    this.readers = p.readers;
    this.renderHeader();
  };

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
  ) {
    const inputId = nextId('lm-thread-id');
    const hintId = nextId('lm-thread-hint');
    this.input = h('input', {
      id: inputId,
      class: 'lm-input lm-thread-id',
      type: 'text',
      required: true,
      maxlength: 256,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'e.g. demo',
      'aria-describedby': hintId,
    });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });
    this.closeBtn = button('lm-btn lm-btn-danger lm-close', 'Close thread…', () => void this.setClosed(true), {
      'aria-haspopup': 'dialog',
    });
    this.reopenBtn = button('lm-btn lm-reopen', 'Reopen thread', () => void this.setClosed(false));
    const form = h(
      'form',
      { class: 'lm-thread-form', 'aria-labelledby': headingId, novalidate: true },
      h('label', { class: 'lm-label', for: inputId }, 'Article id'),
      h('div', { class: 'lm-row' }, this.input, h('button', { type: 'submit', class: 'lm-btn lm-btn-primary lm-thread-show' }, 'Show')),
      h('p', { id: hintId, class: 'lm-hint' }, 'Show follows the thread live; Close and Reopen act on the article id above.'),
      h('div', { class: 'lm-row' }, this.closeBtn, this.reopenBtn),
      this.errorEl,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.show(this.input.value.trim());
    });

    this.titleEl = h('strong', { class: 'lm-thread-title' });
    this.stateEl = h('span', { class: 'lm-badge lm-thread-state' });
    this.statsEl = h('span', { class: 'lm-thread-stats' });
    this.olderBtn = button('lm-btn lm-btn-quiet lm-thread-older', 'Load older', () => void this.loadOlder(), { hidden: true });
    this.list = h('ul', { class: 'lm-list lm-thread', 'aria-label': 'Comments of the thread' });
    this.emptyEl = h('p', { class: 'lm-empty', hidden: true }, 'No comments yet.');
    this.panel = h(
      'div',
      { class: 'lm-thread-panel', hidden: true },
      h(
        'div',
        { class: 'lm-thread-head' },
        this.titleEl,
        this.stateEl,
        this.statsEl,
        button('lm-btn lm-btn-quiet lm-btn-small lm-thread-leave', 'Stop following', () => void this.stop()),
      ),
      this.emptyEl,
      this.list,
      this.olderBtn,
    );
    this.el = h('div', { class: 'lm-threadbox' }, form, this.panel);
    ctx.client.socket.on('thread:presence', this.onPresence);
  }

  /** Called from an article link anywhere in the console. */
  open(articleId: string): void {
    this.input.value = articleId;
    void this.show(articleId).then(() => this.input.focus());
  }

  dispose(): void {
    this.ctx.client.socket.off('thread:presence', this.onPresence);
    this.clearCards();
  }

  onModEvent(e: ModEventPayload): void {
    if (!this.current || e.articleId !== this.current) return;
    if (e.type === 'thread.closed' || e.type === 'thread.reopened') {
      this.closed = e.type === 'thread.closed';
      this.renderHeader();
      return;
    }
    if (e.comment) {
      this.comments.set(e.comment.id, e.comment);
      this.fromModEvent.set(e.comment.id, Date.now());
      this.render();
    }
  }

  private validId(id: string): boolean {
    if (!id) {
      this.errorEl.textContent = 'Type an article id first.';
      this.input.focus();
      return false;
    }
    if (!ARTICLE_ID_RE.test(id)) {
      this.errorEl.textContent = 'An article id has 1–256 letters, digits or -_.~:/@%+ characters.';
      this.input.focus();
      return false;
    }
    return true;
  }

  async show(articleId: string): Promise<void> {
    this.errorEl.textContent = '';
    if (!this.validId(articleId)) return;
    if (articleId === this.current) return;
    const gen = ++this.generation;
    await this.leaveCurrent();
    this.current = articleId;
    this.readers = null;
    this.closed = false;
    this.panel.hidden = false;
    this.panel.setAttribute('aria-busy', 'true');
    this.titleEl.textContent = articleId;
    this.statsEl.textContent = 'Loading…';
    const listener: ThreadListener = {
      onChange: (state, reason, event) => {
        if (gen !== this.generation) return;
        this.apply(state, reason, event?.comment ?? null);
      },
    };
    try {
      const state = await this.ctx.client.join(articleId, listener);
      if (gen !== this.generation) return;
      this.apply(state, 'snapshot', null);
    } catch (err) {
      if (gen !== this.generation) return;
      // The SDK keeps a failed subscription (and would re-join it on reconnect): drop it.
      void this.ctx.client.leave(articleId);
      this.current = null;
      this.panel.hidden = true;
      this.errorEl.textContent = actionError('show this thread', err);
    } finally {
      if (gen === this.generation) this.panel.removeAttribute('aria-busy');
    }
  }

  private async stop(): Promise<void> {
    this.generation++;
    await this.leaveCurrent();
    this.panel.hidden = true;
    this.input.focus();
  }

  private async leaveCurrent(): Promise<void> {
    const prev = this.current;
    this.current = null;
    this.comments.clear();
    this.fromModEvent.clear();
    this.clearCards();
    if (prev) await this.ctx.client.leave(prev).catch(() => undefined);
  }

  private clearCards(): void {
    for (const card of this.cards.values()) card.dispose();
    this.cards.clear();
    this.list.replaceChildren();
  }

  private apply(state: ThreadState, reason: string, changed: Comment | null): void {
    if (state.articleId !== this.current) return;
    if (reason === 'snapshot' || reason === 'reset') {
      // A comment held while the join was in flight can reach us (by mod:event) before the
      // snapshot that was read without it: keep such recent ones; everything else is replaced.
      const recent = Date.now() - RECENT_MS;
      const keep = [...this.comments.values()].filter((c) => !state.comments.has(c.id) && (this.fromModEvent.get(c.id) ?? 0) > recent);
      this.comments.clear();
      for (const c of state.comments.values()) this.comments.set(c.id, c);
      for (const c of keep) this.comments.set(c.id, c);
    } else if (reason === 'page') {
      for (const c of state.comments.values()) if (!this.comments.has(c.id)) this.comments.set(c.id, c);
    } else if (changed) {
      this.comments.set(changed.id, changed);
    }
    this.closed = state.closed;
    this.hasOlder = state.cursor !== null;
    this.render();
  }

  private async loadOlder(): Promise<void> {
    if (!this.current) return;
    this.olderBtn.disabled = true;
    try {
      await this.ctx.client.loadOlder(this.current);
    } catch (err) {
      this.errorEl.textContent = actionError('load older comments', err);
    } finally {
      this.olderBtn.disabled = false;
    }
  }

  private async setClosed(closed: boolean): Promise<void> {
    this.errorEl.textContent = '';
    const articleId = this.input.value.trim() || this.current || '';
    if (!this.validId(articleId)) return;
    if (!this.ctx.isLive()) {
      this.errorEl.textContent = `Couldn't ${closed ? 'close' : 'reopen'} the thread: not connected.`;
      return;
    }
    if (closed) {
      const yes = await confirmDialog({
        title: `Close the thread ${articleId}?`,
        text: 'Readers keep reading it, but nobody can post, reply or edit until a moderator reopens it.',
        confirm: 'Close thread',
        danger: true,
        className: 'lm-dialog-close',
      });
      if (!yes) return;
    }
    const btn = closed ? this.closeBtn : this.reopenBtn;
    btn.disabled = true;
    try {
      await this.ctx.client.request('mod:close', { articleId, closed });
      this.flash(`Thread ${articleId} ${closed ? 'closed' : 'reopened'}.`);
    } catch (err) {
      this.errorEl.textContent = `Couldn't ${closed ? 'close' : 'reopen'} the thread: ${describeError(err)}`;
    } finally {
      btn.disabled = false;
    }
  }

  private flashTimer: ReturnType<typeof setTimeout> | null = null;
  /** A short confirmation under the buttons (not an error: role=status, not alert). */
  private flash(text: string): void {
    let el = this.el.querySelector<HTMLElement>('.lm-flash');
    if (!el) {
      el = h('p', { class: 'lm-flash', role: 'status' });
      this.errorEl.before(el);
    }
    el.textContent = text;
    if (this.flashTimer) clearTimeout(this.flashTimer);
    const target = el;
    this.flashTimer = setTimeout(() => (target.textContent = ''), 4000);
  }

  private renderHeader(): void {
    this.stateEl.textContent = this.closed ? 'Closed' : 'Open';
    this.stateEl.dataset.closed = String(this.closed);
    const visible = [...this.comments.values()].filter((c) => c.status === 'visible').length;
    const held = [...this.comments.values()].filter((c) => c.status === 'pending').length;
    const parts = [plural(visible, 'visible comment')];
    if (held) parts.push(`${held} held`);
    if (this.readers !== null) parts.push(plural(this.readers, 'reader'));
    this.statsEl.textContent = parts.join(' · ');
  }

  private render(): void {
    this.renderHeader();
    // Roots newest first, replies oldest first under their parent; orphans as roots.
    const children = new Map<string | null, Comment[]>();
    for (const c of this.comments.values()) {
      const parent = c.parentId && this.comments.has(c.parentId) ? c.parentId : null;
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(c);
    }
    const ordered: { c: Comment; depth: number }[] = [];
    const walk = (parent: string | null, depth: number) => {
      const list = children.get(parent) ?? [];
      list.sort((a, b) => (parent === null ? b.createdAt.localeCompare(a.createdAt) : a.createdAt.localeCompare(b.createdAt)));
      for (const c of list) {
        ordered.push({ c, depth });
        walk(c.id, depth + 1);
      }
    };
    walk(null, 0);

    const els: HTMLElement[] = [];
    const seen = new Set<string>();
    for (const { c, depth } of ordered) {
      let card = this.cards.get(c.id);
      if (!card) {
        card = new CommentCard(this.ctx, 'thread', c);
        this.cards.set(c.id, card);
      } else if (card.comment !== c) {
        card.setComment(c);
      }
      card.setDepth(Math.min(depth, MAX_INDENT));
      seen.add(c.id);
      els.push(card.el);
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.dispose();
        this.cards.delete(id);
      }
    }
    reconcile(this.list, els);
    this.emptyEl.hidden = ordered.length > 0;
    this.olderBtn.hidden = !this.hasOlder;
  }
}
