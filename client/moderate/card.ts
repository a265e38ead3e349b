/**
 * One comment with its moderation actions, used by the queue, the live feed, the thread view,
 * search results and the user card. Updated in place (so the focus and a half-typed reason survive
 * live updates); every piece of user text goes through textContent.
 */
import type { Comment } from '../../shared/schemas.js';
import { ClientError } from '../discussion-client.js';
import { button, firstButton, h, nextId } from './dom.js';
import { actionError, exactTime, plural, timeEl } from './format.js';
import { clip, REASON_MAX } from './limits.js';
import type { CommentView, Ctx } from './state.js';

export type CardKind = 'queue' | 'feed' | 'thread' | 'search' | 'user';

export interface Report {
  userId: string;
  reason: string | null;
  at: string;
}

const STATUS_LABEL: Record<Comment['status'], string> = {
  pending: 'Held',
  visible: 'Visible',
  removed: 'Removed',
  deleted: 'Deleted by author',
};

export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}

export interface CardOptions {
  /** A checkbox to pick the card for a bulk action (the queue). */
  onSelect?: (card: CommentCard, selected: boolean) => void;
}

export class CommentCard implements CommentView {
  readonly el: HTMLLIElement;
  readonly commentId: string;
  comment: Comment;

  private readonly statusEl: HTMLSpanElement;
  private readonly bannedEl: HTMLSpanElement;
  private readonly editedEl: HTMLSpanElement;
  private readonly resolvedEl: HTMLSpanElement;
  private readonly whyEl: HTMLParagraphElement;
  private readonly textEl: HTMLDivElement;
  private readonly bodyEl: HTMLParagraphElement;
  private readonly reportsEl: HTMLDivElement;
  /** An edit of a visible comment waiting for review: the proposed text, beside the current one. */
  private readonly pendingEditEl: HTMLDivElement;
  private readonly notesEl: HTMLOListElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly approveBtn: HTMLButtonElement;
  private readonly removeBtn: HTMLButtonElement;
  private readonly restoreBtn: HTMLButtonElement;
  private readonly banBtn: HTMLButtonElement;
  private readonly unbanBtn: HTMLButtonElement;
  private readonly banGroup: HTMLElement;
  private readonly reasonInput: HTMLInputElement | null = null;
  readonly selectBox: HTMLInputElement | null = null;
  private busy = false;
  private expanded = false;
  private resolved = false;
  private readonly moreBtn: HTMLButtonElement;

  constructor(
    private readonly ctx: Ctx,
    readonly kind: CardKind,
    comment: Comment,
    opts: CardOptions = {},
  ) {
    this.comment = comment;
    this.commentId = comment.id;
    const author = comment.author;

    this.statusEl = h('span', { class: 'lm-badge lm-status-badge' });
    this.bannedEl = h('span', { class: 'lm-badge lm-badge-banned', hidden: true }, 'Banned');
    this.editedEl = h('span', { class: 'lm-edited', hidden: true }, 'edited');
    this.resolvedEl = h('span', { class: 'lm-badge lm-badge-resolved', hidden: true }, 'Resolved');
    this.whyEl = h('p', { class: 'lm-why', hidden: true });
    this.bodyEl = h('p', { class: 'lm-body', dir: 'auto', id: nextId('lm-body') });
    this.moreBtn = button(
      'lm-link lm-more',
      'Show all',
      () => {
        this.expanded = !this.expanded;
        this.render();
      },
      { 'aria-controls': this.bodyEl.id, hidden: true },
    );
    this.pendingEditEl = h('div', { class: 'lm-pending-edit', hidden: true });
    this.textEl = h('div', { class: 'lm-text' }, this.bodyEl, this.pendingEditEl);
    this.reportsEl = h('div', { class: 'lm-reports', hidden: true });
    this.notesEl = h('ol', { class: 'lm-notes', hidden: true });
    this.errorEl = h('p', { class: 'lm-error lm-card-error', role: 'alert' });

    const who = author?.name ?? 'unknown author';
    this.approveBtn = button('lm-btn lm-btn-approve lm-approve', 'Approve', () => void this.approve(), {
      'aria-label': `Approve comment by ${who}`,
    });
    this.removeBtn = button('lm-btn lm-btn-danger lm-remove', 'Remove', () => void this.remove(), {
      'aria-label': `Remove comment by ${who}`,
    });
    this.restoreBtn = button('lm-btn lm-restore', 'Restore', () => void this.restore(), {
      'aria-label': `Restore comment by ${who}`,
    });

    const actions = h('div', { class: 'lm-actions' }, this.approveBtn, this.removeBtn, this.restoreBtn);
    if (kind === 'queue' || kind === 'feed') {
      const reasonId = nextId('lm-reason');
      this.reasonInput = h('input', {
        id: reasonId,
        class: 'lm-input lm-reason',
        type: 'text',
        maxlength: REASON_MAX,
        placeholder: 'Reason (optional)',
        autocomplete: 'off',
      });
      const reasonLabel = h('label', { class: 'lm-sr-only', for: reasonId }, `Reason for removing (optional), comment by ${who}`);
      // Enter in the reason field removes: the common case, by keyboard.
      this.reasonInput.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && !ev.isComposing) {
          ev.preventDefault();
          if (!this.removeBtn.hidden) void this.remove();
        }
      });
      actions.append(reasonLabel, this.reasonInput);
    }
    this.banBtn = button('lm-btn lm-btn-ban lm-ban', 'Ban author…', () => void this.ban(), {
      'aria-label': `Ban author (${who})…`,
      'aria-haspopup': 'dialog',
    });
    this.unbanBtn = button('lm-btn lm-unban', 'Unban author', () => void this.unban(), {
      'aria-label': `Unban author (${who})`,
    });
    this.banGroup = h('span', { class: 'lm-ban-group' }, this.banBtn, this.unbanBtn);
    actions.append(this.banGroup);

    if (opts.onSelect) {
      const onSelect = opts.onSelect;
      this.selectBox = h('input', { type: 'checkbox', class: 'lm-select', 'aria-label': `Select comment by ${who}` });
      this.selectBox.addEventListener('change', () => onSelect(this, this.selectBox!.checked));
    }

    const authorEl = author
      ? button('lm-link lm-author-name', author.name, () => this.ctx.openUser(author.id), {
          dir: 'auto',
          title: `${author.name}: show this user's card`,
          'data-user-id': author.id,
        })
      : h('strong', { class: 'lm-author-name' }, '(no author)');
    const meta = h(
      'div',
      { class: 'lm-meta' },
      this.selectBox,
      h(
        'span',
        { class: 'lm-author' },
        authorEl,
        author ? h('code', { class: 'lm-author-id', title: `Author id: ${author.id}` }, author.id) : null,
        this.bannedEl,
      ),
      kind !== 'thread'
        ? h(
            'span',
            { class: 'lm-where' },
            'on ',
            button('lm-link lm-article', comment.articleId, () => this.ctx.openThread(comment.articleId), {
              title: `Show thread ${comment.articleId}`,
            }),
          )
        : null,
      comment.parentId ? h('span', { class: 'lm-reply-tag', title: `Reply to ${comment.parentId}` }, 'reply') : null,
      h(
        'span',
        { class: 'lm-meta-end' },
        timeEl(comment.createdAt, kind === 'queue' ? 'relative' : 'clock'),
        this.editedEl,
        this.resolvedEl,
        this.statusEl,
      ),
    );

    this.el = h(
      'li',
      {
        class: `lm-item lm-item-${kind}`,
        'data-comment-id': comment.id,
        'data-article-id': comment.articleId,
        tabindex: -1,
      },
      meta,
      this.whyEl,
      this.textEl,
      this.moreBtn,
      this.reportsEl,
      this.notesEl,
      actions,
      this.errorEl,
    );
    this.render();
    ctx.registry.add(this);
  }

  get selected(): boolean {
    return this.selectBox?.checked ?? false;
  }

  set selected(on: boolean) {
    if (this.selectBox) this.selectBox.checked = on;
  }

  setComment(c: Comment): void {
    // A reader's copy of the comment (a public event) carries no moderation details: keep the
    // ones known, unless the comment was approved or edited publicly since.
    const keep = !c.moderation && this.comment.moderation && c.status === this.comment.status && c.editedAt === this.comment.editedAt;
    this.comment = keep ? { ...c, moderation: this.comment.moderation } : c;
    this.render();
  }

  refresh(): void {
    this.render();
  }

  /** Takes the card out of the shared registry (call when it leaves the page). */
  dispose(): void {
    this.ctx.registry.remove(this);
  }

  setDepth(depth: number): void {
    this.el.style.setProperty('--depth', String(depth));
    this.el.dataset.depth = String(depth);
  }

  setReports(reports: Report[]): void {
    this.reportsEl.hidden = reports.length === 0;
    if (reports.length === 0) {
      this.reportsEl.replaceChildren();
      return;
    }
    const list = h('ul', { class: 'lm-report-list' });
    for (const r of reports) {
      list.append(
        h(
          'li',
          null,
          r.reason ? h('q', { class: 'lm-report-reason', dir: 'auto' }, r.reason) : h('span', { class: 'lm-muted' }, 'no reason given'),
          h(
            'span',
            { class: 'lm-report-by' },
            ' by ',
            button('lm-link lm-uid', this.ctx.names.get(r.userId) ?? r.userId, () => this.ctx.openUser(r.userId), { title: r.userId }),
            ' · ',
            timeEl(r.at, 'relative'),
          ),
        ),
      );
    }
    this.reportsEl.replaceChildren(h('p', { class: 'lm-reports-title' }, plural(reports.length, 'report')), list);
  }

  /** A line of history under the comment (the live feed: "Approved by Mia"), in `order`. */
  addNote(text: string, at: string, tone: 'info' | 'good' | 'bad' = 'info', order = Number.MAX_SAFE_INTEGER): void {
    this.notesEl.hidden = false;
    const li = h('li', { class: `lm-note lm-note-${tone}`, 'data-order': order }, timeEl(at, 'clock'), ' ', h('span', null, text));
    // A missed event learnt after a reconnect goes in its place, not at the end.
    const after = [...this.notesEl.children].find((n) => Number((n as HTMLElement).dataset.order) > order) ?? null;
    this.notesEl.insertBefore(li, after);
  }

  setResolved(resolved: boolean): void {
    this.resolved = resolved;
    this.el.classList.toggle('lm-resolved', resolved);
    this.resolvedEl.hidden = !resolved;
    if (this.selectBox) {
      this.selectBox.hidden = resolved;
      if (resolved) this.selectBox.checked = false;
    }
  }

  get isResolved(): boolean {
    return this.resolved;
  }

  private render(): void {
    const c = this.comment;
    this.el.dataset.status = c.status;
    this.statusEl.textContent = STATUS_LABEL[c.status];
    this.statusEl.dataset.status = c.status;
    this.editedEl.hidden = !c.editedAt;
    if (c.editedAt) this.editedEl.title = `Edited ${exactTime(c.editedAt)}`;
    if (c.body === null) {
      this.bodyEl.textContent = '(no text)';
      this.bodyEl.classList.add('lm-muted');
    } else {
      if (this.bodyEl.textContent !== c.body) this.bodyEl.textContent = c.body;
      this.bodyEl.classList.remove('lm-muted');
    }
    // Why it is held or was removed, as the server said (spam signals, Akismet, the webhook, reports…).
    const why = c.status === 'pending' ? c.moderation?.heldReason : c.status === 'removed' ? (c.moderation?.removedReason ?? null) : null;
    this.whyEl.hidden = !why;
    this.whyEl.textContent = why ? `${c.status === 'pending' ? 'Held' : 'Removed'}: ${why}` : '';
    // Long bodies are cut to six lines until asked for.
    const long = !!c.body && (c.body.length > 420 || c.body.split('\n').length > 6);
    this.moreBtn.hidden = !long;
    this.bodyEl.dataset.clamped = String(long && !this.expanded);
    this.moreBtn.textContent = this.expanded ? 'Show less' : 'Show all';
    this.moreBtn.setAttribute('aria-expanded', String(this.expanded));
    const banned = this.ctx.bans.has(c.author?.id);
    this.bannedEl.hidden = !banned;

    const pendingEdit = c.status === 'visible' ? (c.moderation?.pendingEdit ?? null) : null;
    this.pendingEditEl.hidden = !pendingEdit;
    this.textEl.classList.toggle('lm-text-compare', !!pendingEdit);
    if (pendingEdit) {
      this.pendingEditEl.replaceChildren(
        h('p', { class: 'lm-compare-title' }, 'Proposed edit ', h('span', { class: 'lm-compare-why' }, `(${pendingEdit.reason})`)),
        h('p', { class: 'lm-body lm-pending-edit-body', dir: 'auto' }, pendingEdit.body),
      );
      if (!this.bodyEl.previousElementSibling) this.bodyEl.before(h('p', { class: 'lm-compare-title lm-compare-now' }, 'Readers see now'));
    } else {
      this.textEl.querySelector('.lm-compare-now')?.remove();
    }
    const hadFocus = this.el.contains(document.activeElement) ? document.activeElement : null;
    // In the queue, a reported comment that is still public can be kept: approving clears its reports.
    const keep = this.kind === 'queue' && c.status === 'visible' && !pendingEdit;
    this.approveBtn.hidden = c.status !== 'pending' && !pendingEdit && !keep;
    this.approveBtn.textContent = pendingEdit ? 'Approve edit' : keep ? 'Keep' : 'Approve';
    this.approveBtn.setAttribute(
      'aria-label',
      `${this.approveBtn.textContent} (comment by ${c.author?.name ?? 'unknown author'})${keep ? ': clears its reports' : ''}`,
    );
    this.removeBtn.hidden = c.status !== 'pending' && c.status !== 'visible';
    this.restoreBtn.hidden = c.status !== 'removed';
    this.banGroup.hidden = !c.author;
    this.banBtn.hidden = banned;
    this.unbanBtn.hidden = !banned;
    if (this.reasonInput) this.reasonInput.hidden = this.removeBtn.hidden;
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
    for (const b of [this.approveBtn, this.removeBtn, this.restoreBtn, this.banBtn, this.unbanBtn]) {
      if (this.busy) b.setAttribute('aria-disabled', 'true');
      else b.removeAttribute('aria-disabled');
    }
    // A button that just disappeared had the focus: keep it in the card.
    if (hadFocus instanceof HTMLElement && (hadFocus.hidden || hadFocus.closest('[hidden]'))) {
      (firstButton(this.el.querySelector('.lm-actions')) ?? this.el).focus();
    }
  }

  private reason(): string | undefined {
    const r = clip(this.reasonInput?.value ?? '', REASON_MAX);
    return r ? r : undefined;
  }

  /**
   * Sends one action; its error is shown on the card. Resolves with the error (null: done), so
   * that a bulk action can report each result and go on.
   */
  private async run(what: string, send: () => Promise<unknown>): Promise<unknown> {
    if (this.busy) return new Error('busy');
    this.errorEl.textContent = '';
    if (!this.ctx.isLive()) {
      const err = new Error('not connected. Wait until the status says Live.');
      this.errorEl.textContent = actionError(what, err);
      return err;
    }
    this.busy = true;
    this.el.setAttribute('aria-busy', 'true');
    this.render();
    try {
      await send();
      if (this.reasonInput) this.reasonInput.value = '';
      return null;
    } catch (err) {
      this.errorEl.textContent = actionError(what, err);
      if (err instanceof ClientError && err.code === 'not_found') this.el.classList.add('lm-stale');
      return err;
    } finally {
      this.busy = false;
      this.el.removeAttribute('aria-busy');
      this.render();
    }
  }

  /** Approves the version shown; resolves with the error, or null. */
  approve(): Promise<unknown> {
    const { articleId, id, moderation } = this.comment;
    // The version shown: an edit made since is not approved unseen (the server answers conflict).
    const version = moderation?.version;
    return this.run('approve', () => this.ctx.client.request('mod:approve', { articleId, commentId: id, ...(version ? { version } : {}) }));
  }

  /** Removes it (with the reason typed, if any); resolves with the error, or null. */
  remove(): Promise<unknown> {
    const { articleId, id } = this.comment;
    const reason = this.reason();
    return this.run('remove', () => this.ctx.client.request('mod:remove', { articleId, commentId: id, ...(reason ? { reason } : {}) }));
  }

  private restore(): Promise<unknown> {
    const { articleId, id } = this.comment;
    return this.run('restore', () => this.ctx.client.request('mod:restore', { articleId, commentId: id }));
  }

  private async ban(): Promise<void> {
    const userId = this.comment.author?.id;
    if (!userId || this.busy) return;
    if (this.comment.author) this.ctx.names.set(userId, this.comment.author.name);
    this.errorEl.textContent = '';
    if (!this.ctx.isLive()) {
      this.errorEl.textContent = "Couldn't ban: not connected. Wait until the status says Live.";
      return;
    }
    try {
      await this.ctx.banUser(userId);
    } catch (err) {
      this.errorEl.textContent = actionError('ban', err);
    }
  }

  private unban(): Promise<unknown> {
    const userId = this.comment.author?.id;
    if (!userId) return Promise.resolve(null);
    return this.run('unban', async () => {
      await this.ctx.client.request('mod:unban', { userId });
      this.ctx.bans.delete(userId);
    });
  }
}
