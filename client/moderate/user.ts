/**
 * A user's card (`mod:user`), opened from an author's name anywhere in the console: who they are,
 * their ban (until when, why, by whom) with Ban and Lift, the hold on their comments, moderators'
 * notes with a form to add one, reports against them, and their newest comments across articles
 * with their status and actions. Read again when a `mod:event` concerns them; the focus and a
 * half-written note survive that.
 */
import type { ModEventPayload, UserCard } from '../../shared/moderation.js';
import { banUntil } from './ban.js';
import { confirmDialog } from './dialog.js';
import { CommentCard } from './card.js';
import { button, fill, h, nextId, reconcile } from './dom.js';
import { actionError, exactTime, plural, timeEl } from './format.js';
import { clip, NOTE_MAX, USER_ID_MAX } from './limits.js';
import { isGuest, type Ctx } from './state.js';

/** Events about the user shown are read together, after this pause. */
const RELOAD_DELAY_MS = 300;

export class UserView {
  readonly el: HTMLElement;
  private readonly lookupInput: HTMLInputElement;
  private readonly card: HTMLElement;
  private readonly emptyEl: HTMLParagraphElement;
  private readonly statusEl: HTMLParagraphElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly nameEl: HTMLHeadingElement;
  private readonly idEl: HTMLElement;
  private readonly badges: HTMLElement;
  private readonly summaryEl: HTMLParagraphElement;
  private readonly banText: HTMLParagraphElement;
  private readonly banBtn: HTMLButtonElement;
  private readonly liftBtn: HTMLButtonElement;
  private readonly holdText: HTMLParagraphElement;
  private readonly holdBtn: HTMLButtonElement;
  private readonly actionError: HTMLParagraphElement;
  private readonly eraseBtn: HTMLButtonElement;
  private readonly notesList: HTMLOListElement;
  private readonly noteInput: HTMLTextAreaElement;
  private readonly noteBtn: HTMLButtonElement;
  private readonly noteError: HTMLParagraphElement;
  private readonly reportsEl: HTMLParagraphElement;
  private readonly commentsTitle: HTMLHeadingElement;
  private readonly commentsList: HTMLUListElement;
  private readonly cards = new Map<string, CommentCard>();

  private userId: string | null = null;
  private data: UserCard | null = null;
  private generation = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private busy = false;

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
    private readonly searchByAuthor: (userId: string) => void,
  ) {
    const lookupId = nextId('lm-user-lookup');
    this.lookupInput = h('input', {
      id: lookupId,
      class: 'lm-input lm-user-lookup',
      type: 'text',
      maxlength: USER_ID_MAX,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'a user id',
    });
    const lookup = h(
      'form',
      { class: 'lm-user-lookup-form', novalidate: true, 'aria-labelledby': headingId },
      h('label', { class: 'lm-label', for: lookupId }, 'Look up a user'),
      h('div', { class: 'lm-row' }, this.lookupInput, h('button', { type: 'submit', class: 'lm-btn lm-btn-small' }, 'Show')),
    );
    lookup.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const id = clip(this.lookupInput.value, USER_ID_MAX);
      if (id) this.open(id);
    });
    this.emptyEl = h('p', { class: 'lm-empty' }, "Click an author's name anywhere in the console to see their card here.");
    this.statusEl = h('p', { class: 'lm-hint', role: 'status' });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });

    this.nameEl = h('h3', { class: 'lm-user-name', dir: 'auto', tabindex: -1 });
    this.idEl = h('code', { class: 'lm-user-id' });
    this.badges = h('span', { class: 'lm-user-badges' });
    this.summaryEl = h('p', { class: 'lm-user-summary' });

    this.banText = h('p', { class: 'lm-user-ban-text' });
    this.banBtn = button('lm-btn lm-btn-ban lm-user-ban', 'Ban…', () => void this.ban(), { 'aria-haspopup': 'dialog' });
    this.liftBtn = button('lm-btn lm-user-unban', 'Lift ban', () => void this.lift());
    this.holdText = h('p', { class: 'lm-user-hold-text' });
    this.holdBtn = button('lm-btn lm-user-hold', 'Hold their comments', () => void this.toggleHold(), { 'aria-pressed': 'false' });
    this.actionError = h('p', { class: 'lm-error', role: 'alert' });
    this.eraseBtn = button('lm-btn lm-btn-danger lm-user-erase', 'Erase user…', () => void this.erase(), { 'aria-haspopup': 'dialog' });

    const noteId = nextId('lm-note');
    this.notesList = h('ol', { class: 'lm-list lm-user-notes', 'aria-label': 'Notes by moderators' });
    this.noteInput = h('textarea', {
      id: noteId,
      class: 'lm-input lm-note-input',
      rows: 2,
      maxlength: NOTE_MAX,
      placeholder: 'Only moderators see notes.',
    });
    this.noteBtn = h('button', { type: 'submit', class: 'lm-btn lm-btn-small lm-note-add' }, 'Add note');
    this.noteError = h('p', { class: 'lm-error', role: 'alert' });
    const noteForm = h(
      'form',
      { class: 'lm-note-form', novalidate: true },
      h('label', { class: 'lm-label', for: noteId }, 'Add a note'),
      this.noteInput,
      h('div', { class: 'lm-row' }, this.noteBtn),
      this.noteError,
    );
    noteForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.addNote();
    });
    this.reportsEl = h('p', { class: 'lm-user-reports', hidden: true });
    this.commentsTitle = h('h4', { class: 'lm-user-section-title' }, 'Comments');
    this.commentsList = h('ul', { class: 'lm-list lm-user-comments', 'aria-label': 'Their comments, newest first' });

    const section = (title: string, ...children: (Node | null)[]) =>
      h('section', { class: 'lm-user-section' }, h('h4', { class: 'lm-user-section-title' }, title), ...children);
    this.card = h(
      'div',
      { class: 'lm-user-card', hidden: true },
      h('div', { class: 'lm-user-head' }, this.nameEl, this.idEl, this.badges),
      this.summaryEl,
      section('Ban', this.banText, h('div', { class: 'lm-row' }, this.banBtn, this.liftBtn)),
      section('Hold', this.holdText, h('div', { class: 'lm-row' }, this.holdBtn)),
      this.actionError,
      section(
        'Personal data',
        h(
          'p',
          { class: 'lm-hint' },
          'Erasing turns their comments into tombstones for every reader, forgets their name, email, votes and reports, and signs them out.',
        ),
        h('div', { class: 'lm-row' }, this.eraseBtn),
      ),
      section('Notes', this.notesList, noteForm),
      this.reportsEl,
      h(
        'section',
        { class: 'lm-user-section lm-user-comments-section' },
        h(
          'div',
          { class: 'lm-subhead-inline' },
          this.commentsTitle,
          button('lm-link lm-user-search', 'Search all', () => this.userId && this.searchByAuthor(this.userId)),
        ),
        this.commentsList,
      ),
    );
    this.el = h('div', { class: 'lm-panel-body lm-user' }, lookup, this.emptyEl, this.statusEl, this.errorEl, this.card);
    ctx.bans.onChange(() => this.renderBan());
  }

  get current(): string | null {
    return this.userId;
  }

  open(userId: string): void {
    if (userId !== this.userId) {
      this.userId = userId;
      this.data = null;
      this.clearCards();
      this.card.hidden = true;
      this.noteInput.value = '';
      this.noteError.textContent = '';
      this.actionError.textContent = '';
    }
    this.lookupInput.value = userId;
    void this.load(true);
  }

  /** A `mod:event` about this user (a ban, hold, note, a comment of theirs): read the card again. */
  onModEvent(e: ModEventPayload): void {
    if (!this.userId) return;
    const about = e.audit?.userId ?? e.ban?.userId ?? e.comment?.author?.id ?? e.report?.userId ?? null;
    if (about !== this.userId && e.comment?.author?.id !== this.userId) return;
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.load(false);
    }, RELOAD_DELAY_MS);
  }

  /** Reads the card shown again (after a reconnect). */
  refresh(): void {
    if (this.userId) void this.load(false);
  }

  dispose(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.clearCards();
  }

  private async load(focus: boolean): Promise<void> {
    const userId = this.userId;
    if (!userId) return;
    const gen = ++this.generation;
    this.errorEl.textContent = '';
    this.emptyEl.hidden = true;
    if (!this.ctx.isLive()) {
      this.errorEl.textContent = "Couldn't load this user: not connected. Wait until the status says Live.";
      return;
    }
    if (!this.data) this.statusEl.textContent = `Loading ${userId}…`;
    this.el.setAttribute('aria-busy', 'true');
    try {
      const card = await this.ctx.client.request('mod:user', { userId });
      if (gen !== this.generation || userId !== this.userId) return;
      this.statusEl.textContent = '';
      this.data = card;
      this.render(card);
      if (focus) this.nameEl.focus();
    } catch (err) {
      if (gen !== this.generation) return;
      this.statusEl.textContent = '';
      this.errorEl.textContent = actionError(`load user ${userId}`, err);
    } finally {
      if (gen === this.generation) this.el.removeAttribute('aria-busy');
    }
  }

  private render(u: UserCard): void {
    if (u.name) this.ctx.names.set(u.userId, u.name);
    for (const c of u.comments) if (c.author) this.ctx.names.set(c.author.id, c.author.name);
    // A ban read with the card is the newest word on it.
    if (u.ban) this.ctx.bans.set(u.ban);
    else this.ctx.bans.delete(u.userId);

    this.card.hidden = false;
    this.card.dataset.userId = u.userId;
    this.nameEl.textContent = u.name ?? '(no comments, no name known)';
    this.idEl.textContent = u.userId;
    this.summaryEl.textContent = `${plural(u.total, 'comment')} in all${u.total > u.comments.length ? `; the newest ${u.comments.length} are below` : ''}.`;

    this.renderBan();
    this.holdBtn.setAttribute('aria-pressed', String(u.hold !== null));
    this.holdBtn.textContent = u.hold ? 'Stop holding their comments' : 'Hold their comments for review';
    this.holdText.replaceChildren(
      ...(u.hold
        ? [
            'Every new comment of theirs waits for review. Since ',
            timeEl(u.hold.at, 'relative'),
            ` by ${u.hold.by.name}`,
            u.hold.reason ? h('span', null, ': ', h('q', { dir: 'auto' }, u.hold.reason)) : '',
            '.',
          ]
        : ['Not held: their comments go public under the usual rules.']),
    );

    // Notes, newest first.
    this.notesList.replaceChildren(
      ...[...u.notes]
        .reverse()
        .map((n) =>
          h(
            'li',
            { class: 'lm-user-note' },
            h('p', { class: 'lm-user-note-text', dir: 'auto' }, n.text),
            h('p', { class: 'lm-user-note-by' }, `${n.by.name} · `, timeEl(n.at, 'relative')),
          ),
        ),
    );
    if (u.notes.length === 0) this.notesList.append(h('li', { class: 'lm-empty' }, 'No notes yet.'));

    const reports = u.reports.reduce((n, r) => n + r.reports.length, 0);
    this.reportsEl.hidden = reports === 0;
    this.reportsEl.textContent = `${plural(reports, 'report')} against ${plural(u.reports.length, 'comment')} of theirs.`;

    this.commentsTitle.textContent = `Comments (${u.comments.length})`;
    const els: HTMLElement[] = [];
    const seen = new Set<string>();
    for (const c of u.comments) {
      let card = this.cards.get(c.id);
      if (!card) {
        card = new CommentCard(this.ctx, 'user', c);
        this.cards.set(c.id, card);
      } else card.setComment(c);
      const r = u.reports.find((x) => x.commentId === c.id);
      card.setReports(r?.reports ?? []);
      seen.add(c.id);
      els.push(card.el);
    }
    for (const [id, card] of this.cards) {
      if (!seen.has(id)) {
        card.dispose();
        this.cards.delete(id);
      }
    }
    reconcile(this.commentsList, els);
    if (u.comments.length === 0) this.commentsList.replaceChildren(h('li', { class: 'lm-empty' }, 'No comments.'));
  }

  private renderBan(): void {
    const userId = this.userId;
    if (!userId || !this.data) return;
    const ban = this.ctx.bans.get(userId);
    const guest = isGuest(userId);
    fill(
      this.badges,
      guest ? h('span', { class: 'lm-badge' }, 'Guest') : null,
      ban ? h('span', { class: 'lm-badge lm-badge-banned' }, 'Banned') : null,
      this.data.hold ? h('span', { class: 'lm-badge lm-badge-held' }, 'Held') : null,
    );
    this.banText.replaceChildren(
      ...(ban
        ? [
            h('strong', null, `Banned ${banUntil(ban.until)}`),
            ban.until ? h('span', { class: 'lm-muted-plain' }, ' (ends ', timeEl(ban.until, 'relative'), ')') : '',
            ban.by.name ? ` by ${ban.by.name}` : '',
            ban.at ? h('span', { title: exactTime(ban.at) }, ', ', timeEl(ban.at, 'relative')) : '',
            ban.reason ? h('span', null, '. Reason: ', h('q', { dir: 'auto' }, ban.reason)) : '. No reason given',
            ban.address ? '. Also covers the address they wrote from.' : '.',
          ]
        : ['Not banned.']),
    );
    this.banBtn.hidden = !!ban;
    this.liftBtn.hidden = !ban;
  }

  private async act(what: string, send: (userId: string) => Promise<unknown>): Promise<void> {
    const userId = this.userId;
    if (!userId || this.busy) return;
    this.actionError.textContent = '';
    if (!this.ctx.isLive()) {
      this.actionError.textContent = `Couldn't ${what}: not connected. Wait until the status says Live.`;
      return;
    }
    this.busy = true;
    this.card.setAttribute('aria-busy', 'true');
    try {
      await send(userId);
      await this.load(false);
    } catch (err) {
      this.actionError.textContent = actionError(what, err);
    } finally {
      this.busy = false;
      this.card.removeAttribute('aria-busy');
    }
  }

  private async ban(): Promise<void> {
    await this.act('ban', async (userId) => {
      await this.ctx.banUser(userId, this.data ? { comments: this.data.total } : {});
    });
    // The Lift button replaced Ban: keep the focus in the card.
    if (this.banBtn.hidden && document.activeElement === document.body) this.liftBtn.focus();
  }

  private async lift(): Promise<void> {
    await this.act('lift the ban', async (userId) => {
      await this.ctx.client.request('mod:unban', { userId });
      this.ctx.bans.delete(userId);
    });
    // Ban replaced the Lift button: keep the focus in the card.
    if (this.liftBtn.hidden && document.activeElement === document.body) this.banBtn.focus();
  }

  /** Erasure (GDPR article 17) on the user's behalf, after a confirmation naming what goes. */
  private async erase(): Promise<void> {
    const userId = this.userId;
    if (!userId) return;
    const name = this.data?.name ?? userId;
    const yes = await confirmDialog({
      title: `Erase ${name}?`,
      text: [
        h(
          'p',
          {},
          'Their comments become tombstones on every open page (replies keep their place); their name, email, votes, reports, notes and hold are forgotten; their sessions end and their tokens stop working.',
        ),
        h('p', {}, 'This cannot be undone. The audit log records that a user was erased, without their data.'),
      ],
      confirm: 'Erase',
      danger: true,
      className: 'lm-dialog-erase',
    });
    if (!yes) return;
    await this.act('erase this user', (id) => this.ctx.client.request('mod:erase', { userId: id }));
  }

  private async toggleHold(): Promise<void> {
    const hold = !this.data?.hold;
    await this.act(hold ? 'hold their comments' : 'stop holding their comments', (userId) =>
      this.ctx.client.request('mod:hold', { userId, hold }),
    );
  }

  private async addNote(): Promise<void> {
    const userId = this.userId;
    if (!userId) return;
    this.noteError.textContent = '';
    const text = clip(this.noteInput.value, NOTE_MAX);
    if (!text) {
      this.noteError.textContent = 'Write the note first.';
      this.noteInput.focus();
      return;
    }
    if (!this.ctx.isLive()) {
      this.noteError.textContent = "Couldn't add the note: not connected. Wait until the status says Live.";
      return;
    }
    this.noteBtn.disabled = true;
    try {
      await this.ctx.client.request('mod:note', { userId, text });
      this.noteInput.value = '';
      await this.load(false);
      this.noteInput.focus();
    } catch (err) {
      this.noteError.textContent = actionError('add the note', err);
    } finally {
      this.noteBtn.disabled = false;
    }
  }

  private clearCards(): void {
    for (const c of this.cards.values()) c.dispose();
    this.cards.clear();
    this.commentsList.replaceChildren();
  }
}
