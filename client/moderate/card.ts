/**
 * One comment with its moderation actions, used by the queue, the live feed and the thread box.
 * Updated in place (so the focus and a half-typed reason survive live updates); every piece of
 * user text goes through textContent.
 */
import type { Comment } from '../../shared/schemas.js';
import { ClientError } from '../discussion-client.js';
import { button, firstButton, h, nextId } from './dom.js';
import { actionError, exactTime, plural, timeEl } from './format.js';
import type { CommentView, Ctx } from './state.js';

export type CardKind = 'queue' | 'feed' | 'thread';

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

export class CommentCard implements CommentView {
  readonly el: HTMLLIElement;
  readonly commentId: string;
  comment: Comment;

  private readonly statusEl: HTMLSpanElement;
  private readonly bannedEl: HTMLSpanElement;
  private readonly editedEl: HTMLSpanElement;
  private readonly resolvedEl: HTMLSpanElement;
  private readonly bodyEl: HTMLParagraphElement;
  private readonly reportsEl: HTMLDivElement;
  /** An edit of a visible comment waiting for review: the proposed text. */
  private readonly pendingEditEl: HTMLDivElement;
  private readonly notesEl: HTMLOListElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly approveBtn: HTMLButtonElement;
  private readonly removeBtn: HTMLButtonElement;
  private readonly restoreBtn: HTMLButtonElement;
  private readonly banBtn: HTMLButtonElement | null = null;
  private readonly unbanBtn: HTMLButtonElement | null = null;
  private readonly banGroup: HTMLElement | null = null;
  private readonly reasonInput: HTMLInputElement | null = null;
  private readonly alsoRemove: HTMLInputElement | null = null;
  private busy = false;
  private expanded = false;
  private readonly moreBtn: HTMLButtonElement;

  constructor(
    private readonly ctx: Ctx,
    readonly kind: CardKind,
    comment: Comment,
  ) {
    this.comment = comment;
    this.commentId = comment.id;
    const author = comment.author;

    this.statusEl = h('span', { class: 'lm-badge lm-status-badge' });
    this.bannedEl = h('span', { class: 'lm-badge lm-badge-banned', hidden: true }, 'Banned');
    this.editedEl = h('span', { class: 'lm-edited', hidden: true }, 'edited');
    this.resolvedEl = h('span', { class: 'lm-badge lm-badge-resolved', hidden: true }, 'Resolved');
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
    this.reportsEl = h('div', { class: 'lm-reports', hidden: true });
    this.pendingEditEl = h('div', { class: 'lm-pending-edit', hidden: true });
    this.notesEl = h('ol', { class: 'lm-notes', hidden: true });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });

    const who = author?.name ?? 'unknown author';
    this.approveBtn = button('lm-btn lm-btn-approve lm-approve', 'Approve', () => this.approve(), {
      'aria-label': `Approve comment by ${who}`,
    });
    this.removeBtn = button('lm-btn lm-btn-danger lm-remove', 'Remove', () => this.remove(), {
      'aria-label': `Remove comment by ${who}`,
    });
    this.restoreBtn = button('lm-btn lm-restore', 'Restore', () => this.restore(), {
      'aria-label': `Restore comment by ${who}`,
    });

    const actions = h('div', { class: 'lm-actions' }, this.approveBtn, this.removeBtn, this.restoreBtn);
    if (kind !== 'thread') {
      const reasonId = nextId('lm-reason');
      this.reasonInput = h('input', {
        id: reasonId,
        class: 'lm-input lm-reason',
        type: 'text',
        maxlength: 500,
        placeholder: 'Reason (optional)',
        autocomplete: 'off',
      });
      const reasonLabel = h(
        'label',
        { class: 'lm-sr-only', for: reasonId },
        `Reason for removing or banning (optional), comment by ${who}`,
      );
      // Enter in the reason field removes (or restores nothing): the common case, by keyboard.
      this.reasonInput.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' && !ev.isComposing) {
          ev.preventDefault();
          if (!this.removeBtn.hidden) this.remove();
        }
      });
      this.banBtn = button('lm-btn lm-btn-ban lm-ban', 'Ban author', () => this.ban(), {
        'aria-label': `Ban author (${who})`,
      });
      this.unbanBtn = button('lm-btn lm-unban', 'Unban author', () => this.unban(), {
        'aria-label': `Unban author (${who})`,
      });
      this.alsoRemove = h('input', { type: 'checkbox', class: 'lm-ban-remove-comments' });
      this.banGroup = h(
        'span',
        { class: 'lm-ban-group' },
        this.banBtn,
        this.unbanBtn,
        h('label', { class: 'lm-check' }, this.alsoRemove, 'also remove their comments'),
      );
      actions.append(reasonLabel, this.reasonInput, this.banGroup);
    }

    const meta = h(
      'div',
      { class: 'lm-meta' },
      h(
        'span',
        { class: 'lm-author' },
        h('strong', { class: 'lm-author-name', dir: 'auto', title: author?.name ?? '' }, author?.name ?? '(no author)'),
        author ? h('code', { class: 'lm-author-id', title: `Author id: ${author.id}` }, author.id) : null,
        this.bannedEl,
      ),
      kind !== 'thread'
        ? h(
            'span',
            { class: 'lm-where' },
            'on ',
            (() => {
              const b = button('lm-link lm-article', comment.articleId, () => this.ctx.openThread(comment.articleId), {
                title: `Show thread ${comment.articleId}`,
              });
              return b;
            })(),
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
      this.bodyEl,
      this.moreBtn,
      this.pendingEditEl,
      this.reportsEl,
      this.notesEl,
      actions,
      this.errorEl,
    );
    this.render();
    ctx.registry.add(this);
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
          r.reason ? h('q', { class: 'lm-report-reason' }, r.reason) : h('span', { class: 'lm-muted' }, 'no reason given'),
          h(
            'span',
            { class: 'lm-report-by' },
            ' by ',
            h('code', { class: 'lm-uid', title: r.userId }, r.userId),
            ' · ',
            timeEl(r.at, 'relative'),
          ),
        ),
      );
    }
    this.reportsEl.replaceChildren(h('p', { class: 'lm-reports-title' }, plural(reports.length, 'report')), list);
  }

  /** A line of history under the comment (the live feed: "Approved by Mia"). */
  addNote(text: string, at: string, tone: 'info' | 'good' | 'bad' = 'info'): void {
    this.notesEl.hidden = false;
    this.notesEl.append(h('li', { class: `lm-note lm-note-${tone}` }, timeEl(at, 'clock'), ' ', h('span', null, text)));
  }

  setResolved(resolved: boolean): void {
    this.el.classList.toggle('lm-resolved', resolved);
    this.resolvedEl.hidden = !resolved;
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
    if (pendingEdit) {
      this.pendingEditEl.replaceChildren(
        h('p', { class: 'lm-pending-edit-title' }, `Edit waiting for review (${pendingEdit.reason})`),
        h('p', { class: 'lm-body lm-pending-edit-body' }, pendingEdit.body),
      );
    }
    const hadFocus = this.el.contains(document.activeElement) ? document.activeElement : null;
    this.approveBtn.hidden = c.status !== 'pending' && !pendingEdit;
    this.approveBtn.textContent = pendingEdit ? 'Approve edit' : 'Approve';
    this.removeBtn.hidden = c.status !== 'pending' && c.status !== 'visible';
    this.restoreBtn.hidden = c.status !== 'removed';
    if (this.banGroup) this.banGroup.hidden = !c.author;
    if (this.banBtn) this.banBtn.hidden = banned;
    if (this.unbanBtn) this.unbanBtn.hidden = !banned;
    if (this.alsoRemove) (this.alsoRemove.parentElement as HTMLElement).hidden = banned;
    if (this.reasonInput) this.reasonInput.hidden = c.status === 'removed' && banned;
    // aria-disabled rather than disabled: a disabled button would drop the keyboard focus.
    for (const b of [this.approveBtn, this.removeBtn, this.restoreBtn, this.banBtn, this.unbanBtn]) {
      if (!b) continue;
      if (this.busy) b.setAttribute('aria-disabled', 'true');
      else b.removeAttribute('aria-disabled');
    }
    // A button that just disappeared had the focus: keep it in the card.
    if (hadFocus instanceof HTMLElement && (hadFocus.hidden || hadFocus.closest('[hidden]'))) {
      (firstButton(this.el.querySelector('.lm-actions')) ?? this.el).focus();
    }
  }

  private reason(): string | undefined {
    const r = this.reasonInput?.value.trim();
    return r ? r : undefined;
  }

  private async run(what: string, send: () => Promise<unknown>): Promise<void> {
    if (this.busy) return;
    this.errorEl.textContent = '';
    if (!this.ctx.isLive()) {
      this.errorEl.textContent = `Couldn't ${what}: not connected. Wait until the status says Live.`;
      return;
    }
    this.busy = true;
    this.el.setAttribute('aria-busy', 'true');
    this.render();
    try {
      await send();
      if (this.reasonInput) this.reasonInput.value = '';
    } catch (err) {
      this.errorEl.textContent = actionError(what, err);
      if (err instanceof ClientError && err.code === 'not_found') this.el.classList.add('lm-stale');
    } finally {
      this.busy = false;
      this.el.removeAttribute('aria-busy');
      this.render();
    }
  }

  private approve(): void {
    const { articleId, id, moderation } = this.comment;
    // The version shown: an edit made since is not approved unseen (the server answers conflict).
    const version = moderation?.version;
    void this.run('approve', () => this.ctx.client.request('mod:approve', { articleId, commentId: id, ...(version ? { version } : {}) }));
  }

  private remove(): void {
    const { articleId, id } = this.comment;
    const reason = this.reason();
    void this.run('remove', () => this.ctx.client.request('mod:remove', { articleId, commentId: id, ...(reason ? { reason } : {}) }));
  }

  private restore(): void {
    const { articleId, id } = this.comment;
    void this.run('restore', () => this.ctx.client.request('mod:restore', { articleId, commentId: id }));
  }

  private ban(): void {
    const userId = this.comment.author?.id;
    if (!userId) return;
    const reason = this.reason();
    const removeComments = this.alsoRemove?.checked ?? false;
    void this.run('ban', async () => {
      // Removing every comment of a prolific author takes a while: wait longer than usual.
      await this.ctx.client.request('mod:ban', { userId, removeComments, ...(reason ? { reason } : {}) }, 30_000);
      // The ack comes after the user.banned event; make sure the badge shows either way.
      this.ctx.bans.set(userId, true);
      if (this.alsoRemove) this.alsoRemove.checked = false;
    });
  }

  private unban(): void {
    const userId = this.comment.author?.id;
    if (!userId) return;
    void this.run('unban', async () => {
      await this.ctx.client.request('mod:unban', { userId });
      this.ctx.bans.set(userId, false);
    });
  }
}
