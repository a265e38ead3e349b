/**
 * One live comment thread, rendered into a shadow root: the composition of the widget's parts.
 *
 * The SDK keeps the thread state (ordered, exactly once). This class holds the session and the
 * subscription, carries out what the reader does, and schedules renders: each render lays the
 * thread out (thread-layout.ts, pure) and brings one CommentView per comment up to date
 * (comment-view.ts), moving only what changed, so an open reply box, a half-typed edit or the
 * focus survive live updates. Posts on their way are pending-posts.ts; what the reader is reading
 * stays put thanks to reading-position.ts; the account line is account-area.ts.
 */
import { ClientError, type ChangeReason, type ThreadListener, type ThreadState } from '../discussion-client.js';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { AccountArea } from './account-area.js';
import { CommentView, type CommentActions, type CommentCtx } from './comment-view.js';
import { Composer } from './composer.js';
import { button, fill, h, nextId, reconcile } from './dom.js';
import { errorText } from './format.js';
import { localeFor, type Locale } from './i18n.js';
import { PendingPosts } from './pending-posts.js';
import { ReadingPosition } from './reading-position.js';
import type { Session } from './session.js';
import { CSS } from './styles.js';
import { layoutThread, MAX_DEPTH, type LaidOutComment, type SortOrder } from './thread-layout.js';
import { Timers, type TimerHandle } from './timers.js';

export type Theme = 'light' | 'dark' | 'auto';

const ORDER_KEY = 'livethread:order';

export class ThreadWidget {
  private readonly root: HTMLElement;
  private readonly countEl: HTMLSpanElement;
  private readonly statusEl: HTMLSpanElement;
  private readonly statusText: HTMLSpanElement;
  private readonly sortButtons: HTMLButtonElement[];
  private readonly account: AccountArea;
  private readonly composeEl: HTMLDivElement;
  private readonly reading: ReadingPosition;
  private readonly olderTop: HTMLDivElement;
  private readonly olderBottom: HTMLDivElement;
  private readonly olderButton: HTMLButtonElement;
  private readonly threadEl: HTMLDivElement;
  private readonly messageEl: HTMLDivElement;
  private readonly announcer: HTMLDivElement;
  private readonly rootComposer: Composer;

  private state: ThreadState | null = null;
  private order: SortOrder;
  private readonly views = new Map<string, CommentView>();
  private readonly timers = new Timers();
  private readonly commentActions: CommentActions = {
    reply: (c) => this.openReply(c),
    edit: (c) => this.startEdit(c),
    delete: (c) => void this.remove(c),
    report: (c, control) => void this.report(c, control),
    loadEarlier: (rootId) => this.session.client.loadReplies(this.articleId, rootId),
    remove: (c) => this.moderate(c, 'remove'),
    ban: (c) => this.moderate(c, 'ban'),
  };
  private readonly pending: PendingPosts;
  private readonly previewer = (text: string) => this.session.client.preview(text);
  /** Deleted by the reader, waiting for the event that turns them into tombstones. */
  private readonly deleting = new Set<string>();
  private readonly replyComposers = new Map<string, Composer>();
  private readonly editComposers = new Map<string, Composer>();
  private readonly newNames: string[] = [];
  private afterRender: (() => void)[] = [];
  /** One object, so that joining again (Try again) does not subscribe twice. */
  private readonly listener: ThreadListener = {
    onChange: (thread, reason) => this.onChange(thread, reason),
    onEvent: (event) => this.onEvent(event),
    onPresence: (p) => this.showPresence(p.readers, p.typing),
  };
  private readonly presenceEl: HTMLElement;
  private readonly reported = new Set<string>();
  private renderQueued = false;
  private closedShown: boolean | null = null;
  private announceTimer: TimerHandle | null = null;
  private readonly shadow: ShadowRoot;
  /** Undo what the widget registered outside itself (socket and session listeners). */
  private readonly cleanup: (() => void)[] = [];
  private destroyed = false;
  private readonly t: Locale;
  /**
   * The div holds thread.html (the server's rendering of this thread): it stays on screen, through
   * a slot, until the first render puts the widget's own elements in its place, laid out the same.
   */
  private takeover: boolean;

  constructor(
    private readonly host: HTMLElement,
    readonly articleId: string,
    private readonly session: Session,
    theme: Theme,
    /** The strings of the widget's language when not English (i18n.ts fetchTable). */
    strings: unknown = null,
  ) {
    const t = (this.t = localeFor(host, strings));
    const { s } = t;
    this.order = readOrder();
    this.pending = new PendingPosts(session.client, articleId);
    const titleId = nextId();
    this.countEl = h('span', { class: 'lt-count', 'aria-hidden': 'true' });
    this.presenceEl = h('span', { class: 'lt-presence', hidden: true });
    this.statusText = h('span', null, s.connecting);
    this.statusEl = h(
      'span',
      { class: 'lt-status', 'data-state': 'connecting', title: s.liveTitle },
      h('span', { class: 'lt-status-dot', 'aria-hidden': 'true' }),
      this.statusText,
    );
    this.sortButtons = (
      [
        ['newest', s.newest],
        ['oldest', s.oldest],
      ] as const
    ).map(([order, label]) =>
      button(`lt-sort-${order}`, label, () => this.setOrder(order), {
        'data-order': order,
        'aria-pressed': String(this.order === order),
      }),
    );
    this.account = new AccountArea(session, t);
    this.composeEl = h('div', { class: 'lt-compose' });
    const newBar = h('div', { class: 'lt-new-bar' });
    this.olderButton = button('lt-btn lt-btn-secondary lt-load-older', s.loadOlder, () => void this.loadOlder());
    this.olderTop = h('div', { class: 'lt-older' });
    this.olderBottom = h('div', { class: 'lt-older' });
    this.threadEl = h('div', { class: 'lt-thread' });
    this.messageEl = h('div', { class: 'lt-message' }, h('p', { class: 'lt-loading' }, s.loadingComments));
    this.announcer = h('div', { class: 'lt-announcer', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.rootComposer = new Composer({
      label: s.writeComment,
      placeholder: s.shareThoughts,
      submitLabel: s.post,
      onSubmit: (text) => this.post(text, null, this.rootComposer),
      onInput: () => this.typing(),
      timers: this.timers,
      preview: this.previewer,
      t,
    });

    this.root = h(
      'section',
      { class: 'lt-root', 'data-theme': theme, 'aria-labelledby': titleId, lang: t.lang, dir: t.dir },
      h(
        'header',
        { class: 'lt-header' },
        h('h2', { class: 'lt-title', id: titleId }, s.comments, this.countEl),
        h(
          'div',
          { class: 'lt-toolbar' },
          this.presenceEl,
          this.statusEl,
          h('div', { class: 'lt-sort', role: 'group', 'aria-label': s.sortLabel }, ...this.sortButtons),
        ),
      ),
      this.account.el,
      this.composeEl,
      newBar,
      this.olderTop,
      this.threadEl,
      this.messageEl,
      this.olderBottom,
      this.announcer,
    );
    this.reading = new ReadingPosition({
      root: this.root,
      thread: this.threadEl,
      order: () => this.order,
      itemOf: (id) => this.views.get(id)?.item,
      articleOf: (id) => this.views.get(id)?.article,
      render: () => this.render(),
      timers: this.timers,
      t,
    });
    newBar.append(this.reading.button);
    this.shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' });
    this.takeover = host.querySelector(':scope > .lt-root') !== null;
    this.shadow.replaceChildren(this.takeover ? h('slot') : this.root);
    adoptStyles(this.shadow);

    this.watchConnection();
    this.cleanup.push(
      session.onChange(() => {
        if (session.unavailable) {
          this.showUnavailable();
          return;
        }
        this.renderAccount();
        this.schedule();
      }),
    );
    this.renderAccount();
    this.timers.every(30_000, () => this.refreshTimes());
    void this.join();
  }

  /**
   * Unmounts the widget, for single-page apps: leaves the thread (the page's connection stays,
   * shared with other widgets), stops every timer and listener it started, drops what was on its
   * way (a post's or an edit's answer changes nothing any more) and empties the host element.
   * Calling it again does nothing.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    void this.session.client.leave(this.articleId, this.listener);
    for (const undo of this.cleanup.splice(0)) undo();
    this.timers.stop();
    this.pending.clear();
    this.views.clear();
    this.replyComposers.clear();
    this.editComposers.clear();
    this.shadow.replaceChildren();
    if (this.takeover) this.host.replaceChildren();
    try {
      this.shadow.adoptedStyleSheets = [];
    } catch {
      // a <style> element, gone with the children
    }
  }

  // ── data ──────────────────────────────────────────────────────────────────────────────

  private async join(): Promise<void> {
    try {
      const state = await this.session.client.join(this.articleId, this.listener);
      if (this.destroyed) return;
      this.state = state;
      this.schedule();
    } catch {
      // The SDK keeps the subscription and joins again after a reconnect; offer a retry anyway.
      if (this.destroyed || this.state || this.session.unavailable) return;
      fill(
        this.messageEl,
        h(
          'p',
          { class: 'lt-loading' },
          this.t.s.notLoaded,
          button('lt-link lt-retry', this.t.s.tryAgain, () => {
            fill(this.messageEl, h('p', { class: 'lt-loading' }, this.t.s.loadingComments));
            void this.join();
          }),
        ),
      );
    }
  }

  private onChange(thread: ThreadState, reason: ChangeReason): void {
    this.state = thread;
    if (reason === 'reset') this.reading.reset();
    this.schedule();
  }

  /** Decides, per new comment, whether it appears now or behind the "N new comments" button. */
  private onEvent(e: ThreadEvent): void {
    const c = e.comment;
    if (!c) return;
    if (e.type === 'comment.deleted' || e.type === 'comment.removed') {
      this.deleting.delete(c.id);
      return;
    }
    if (e.type !== 'comment.created' || c.status !== 'visible' || !c.author) return;
    if (this.views.has(c.id)) return;
    // The reader's own: shown through the stand-in of its post (see layoutThread's held own).
    if (c.author.id === this.session.user?.id) return;
    this.reading.arrived(c);
    this.newNames.push(c.author.name);
  }

  private post(text: string, parentId: string | null, composer: Composer): void {
    const user = this.session.user;
    const state = this.state;
    if (!user || !state) {
      this.account.promptSignIn();
      return;
    }
    const rootId = parentId ? (state.comments.get(parentId)?.rootId ?? parentId) : null;
    this.pending.send({ text, parentId, rootId, author: { id: user.id, name: user.name } }, composer, {
      saved: (standInId, saved) => {
        // The stand-in's element becomes the saved comment's: it stays in place, now final.
        const view = this.views.get(standInId);
        this.views.delete(standInId);
        if (view && !this.views.has(saved.id)) {
          view.rekey(saved.id);
          this.views.set(saved.id, view);
        } else view?.item.remove();
        this.announce(saved.status === 'pending' ? this.t.s.awaitingYours : this.t.s.posted);
        this.schedule();
      },
      failed: (standInId, err) => {
        this.views.get(standInId)?.item.remove();
        this.views.delete(standInId);
        if (parentId && this.state?.comments.has(parentId)) {
          // The reply box closed when the reply was sent: open it again, text and error kept.
          this.replyComposers.set(parentId, composer);
          this.afterRender.push(() => composer.focus());
        }
        if (err instanceof ClientError && err.code === 'unauthorized') this.session.expire();
        this.schedule();
      },
    });
    if (parentId) {
      this.replyComposers.delete(parentId);
      this.afterRender.push(() => this.focusAction(parentId, '.lt-reply'));
    }
    this.schedule();
  }

  private openReply(c: Comment): void {
    if (!this.session.user) {
      this.account.promptSignIn();
      return;
    }
    let composer = this.replyComposers.get(c.id);
    if (!composer) {
      const name = c.author?.name ?? this.t.s.thisComment;
      const created: Composer = new Composer({
        label: this.t.f('replyTo', { name }),
        placeholder: this.t.f('replyToPlaceholder', { name }),
        submitLabel: this.t.s.reply,
        t: this.t,
        rows: 2,
        className: 'lt-reply-form',
        onSubmit: (text) => this.post(text, c.id, created),
        onInput: () => this.typing(),
        timers: this.timers,
        preview: this.previewer,
        onCancel: () => {
          this.replyComposers.delete(c.id);
          this.afterRender.push(() => this.focusAction(c.id, '.lt-reply'));
          this.schedule();
        },
      });
      composer = created;
      this.replyComposers.set(c.id, composer);
    }
    const open = composer;
    this.afterRender.push(() => open.focus());
    this.schedule();
  }

  private startEdit(c: Comment): void {
    if (this.editComposers.has(c.id)) return;
    const composer: Composer = new Composer({
      label: this.t.s.editYours,
      submitLabel: this.t.s.save,
      t: this.t,
      initial: c.body ?? '',
      rows: 3,
      className: 'lt-edit-form',
      onSubmit: (text) => void this.saveEdit(c.id, composer, text),
      onCancel: () => this.closeEdit(c.id),
      timers: this.timers,
      preview: this.previewer,
    });
    this.editComposers.set(c.id, composer);
    this.afterRender.push(() => {
      composer.autosize();
      composer.focus();
    });
    this.schedule();
  }

  private closeEdit(id: string): void {
    this.editComposers.delete(id);
    this.afterRender.push(() => this.focusAction(id, '.lt-edit'));
    this.schedule();
  }

  private async saveEdit(id: string, composer: Composer, text: string): Promise<void> {
    const body = text.trim();
    if (body === this.state?.comments.get(id)?.body) {
      this.closeEdit(id);
      return;
    }
    composer.setError(null);
    composer.setBusy(true, this.t.s.saving);
    try {
      await this.session.client.edit({ articleId: this.articleId, commentId: id, body });
      this.closeEdit(id);
      this.announce(this.t.s.updated);
    } catch (err) {
      if (err instanceof ClientError && err.code === 'rate_limited') composer.rateLimited(err.retryAfterMs ?? 3000);
      else composer.setError(errorText(err, 'edit', this.t));
    } finally {
      composer.setBusy(false);
    }
  }

  /** "12 reading · someone is replying", from the server's throttled presence counts. */
  private showPresence(readers: number, typing: number): void {
    const parts: string[] = [];
    if (readers > 1) parts.push(this.t.f('reading', { n: readers }));
    if (typing === 1) parts.push(this.t.s.someoneReplying);
    else if (typing > 1) parts.push(this.t.f('peopleReplying', { n: typing }));
    this.presenceEl.textContent = parts.join(' · ');
    this.presenceEl.hidden = parts.length === 0;
  }

  private typing(): void {
    if (this.session.user) this.session.client.typing(this.articleId);
  }

  private async report(c: Comment, control: HTMLButtonElement): Promise<void> {
    control.disabled = true;
    try {
      await this.session.client.report({ articleId: this.articleId, commentId: c.id });
      this.reported.add(c.id);
      control.textContent = this.t.s.reported;
      this.announce(this.t.s.reportThanks);
    } catch (err) {
      control.disabled = false;
      control.title = errorText(err, 'comment', this.t);
    }
  }

  private async remove(c: Comment): Promise<void> {
    this.deleting.add(c.id);
    this.editComposers.delete(c.id);
    this.schedule();
    try {
      await this.session.client.delete({ articleId: this.articleId, commentId: c.id });
      this.announce(this.t.s.deleted);
    } catch (err) {
      this.deleting.delete(c.id);
      this.schedule();
      this.views.get(c.id)?.showError(errorText(err, 'delete', this.t));
    }
  }

  /** A moderator's Remove or Ban, as in the console: every reader sees the comment go live. */
  private async moderate(c: Comment, what: 'remove' | 'ban'): Promise<void> {
    const name = c.author?.name ?? '';
    try {
      if (what === 'remove') {
        await this.session.client.request('mod:remove', { articleId: this.articleId, commentId: c.id });
        this.announce(this.t.s.removed);
      } else if (c.author) {
        await this.session.client.request('mod:ban', { userId: c.author.id, removeComments: true });
        this.announce(this.t.f('banned', { name }));
      }
    } catch (err) {
      throw new Error(errorText(err, 'delete', this.t), { cause: err });
    }
  }

  private async loadOlder(): Promise<void> {
    const b = this.olderButton;
    b.disabled = true;
    b.textContent = this.t.s.loading;
    try {
      await this.session.client.loadOlder(this.articleId);
      b.textContent = this.t.s.loadOlder;
    } catch {
      b.textContent = this.t.s.loadFailed;
    } finally {
      b.disabled = false;
    }
  }

  private setOrder(order: SortOrder): void {
    if (order === this.order) return;
    this.order = order;
    try {
      localStorage.setItem(ORDER_KEY, order);
    } catch {
      // not remembered; fine
    }
    for (const b of this.sortButtons) b.setAttribute('aria-pressed', String(b.dataset.order === order));
    this.schedule();
  }

  // ── rendering ─────────────────────────────────────────────────────────────────────────

  private schedule(): void {
    if (this.renderQueued || this.destroyed) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  private render(): void {
    const state = this.state;
    if (!state || this.destroyed) return;
    const anchor = this.reading.anchor();
    const me = this.session.user?.id ?? null;
    const ctx: CommentCtx = {
      me,
      canReply: !state.closed && (me !== null || this.session.canSignInAsGuest),
      t: this.t,
      moderator: this.session.isModerator,
    };
    const layout = layoutThread({
      state,
      pending: this.pending.standIns(),
      hidden: this.reading.hidden,
      deleting: this.deleting,
      order: this.order,
      me,
      onScreen: this.views,
      maxDepth: MAX_DEPTH,
    });

    const used = new Set<string>();
    const place = (node: LaidOutComment): HTMLElement => {
      const c = node.comment;
      const view = this.viewFor(c.id);
      used.add(view.key);
      const local = { edit: this.editComposers.get(c.id)?.el, reply: this.replyComposers.get(c.id)?.el, reported: this.reported.has(c.id) };
      view.update(node, ctx, local);
      view.setReplies(node.children.map(place), node.earlierReplies ? c.id : null);
      return view.item;
    };
    const roots = layout.roots.map(place);
    const count = layout.count;
    reconcile(this.threadEl, roots);

    for (const key of this.views.keys()) if (!used.has(key)) this.views.delete(key);
    for (const id of this.replyComposers.keys()) if (!used.has(id)) this.replyComposers.delete(id);
    for (const id of this.editComposers.keys()) if (!used.has(id)) this.editComposers.delete(id);

    this.countEl.textContent = count > 0 ? String(count) : '';
    this.countEl.parentElement?.setAttribute('aria-label', count > 0 ? this.t.f('commentsCount', { n: count }) : this.t.s.comments);
    if (roots.length === 0) {
      fill(this.messageEl, h('p', { class: 'lt-empty' }, state.closed ? this.t.s.noComments : this.t.s.noCommentsYet));
    } else this.messageEl.replaceChildren();

    this.reading.showWaiting(layout.waiting);

    const olderHome = this.order === 'newest' ? this.olderBottom : this.olderTop;
    const olderAway = this.order === 'newest' ? this.olderTop : this.olderBottom;
    olderAway.replaceChildren();
    if (state.cursor) {
      if (this.olderButton.parentElement !== olderHome) olderHome.append(this.olderButton);
    } else olderHome.replaceChildren();

    if (this.closedShown !== state.closed) this.renderCompose();

    this.reading.highlightFresh();
    if (this.newNames.length > 0) {
      const [name] = this.newNames;
      this.announce(
        this.newNames.length === 1 ? this.t.f('newComment', { name: name ?? '' }) : this.t.f('newComments', { n: this.newNames.length }),
      );
      this.newNames.length = 0;
    }
    if (anchor) this.reading.keep(anchor);
    this.takeOver();
    const after = this.afterRender;
    this.afterRender = [];
    for (const fn of after) fn();
  }

  private viewFor(id: string): CommentView {
    let view = this.views.get(id);
    if (!view) {
      view = new CommentView(id, this.commentActions, this.timers, this.t);
      this.views.set(id, view);
    }
    return view;
  }

  private refreshTimes(): void {
    if (document.hidden) return;
    const now = Date.now();
    for (const view of this.views.values()) view.refreshTime(now);
  }

  /** Who is signed in (or a guest sign-in form) and the composer below it. */
  private renderAccount(): void {
    this.account.render();
    this.renderCompose();
    if (this.account.takeComposerFocus()) this.rootComposer.focus();
  }

  private renderCompose(): void {
    const closed = this.state?.closed ?? false;
    this.closedShown = this.state ? closed : null;
    if (closed) fill(this.composeEl, h('p', { class: 'lt-closed' }, this.t.s.closed));
    else if (this.session.user) {
      fill(this.composeEl, this.rootComposer.el);
      this.rootComposer.autosize();
    } else this.composeEl.replaceChildren();
  }

  private focusAction(commentId: string, selector: string): void {
    this.views.get(commentId)?.focus(selector);
  }

  private announce(message: string): void {
    // Cleared first so that the same words twice are announced twice.
    this.announcer.textContent = '';
    this.timers.cancel(this.announceTimer);
    this.announceTimer = this.timers.after(60, () => (this.announcer.textContent = message));
  }

  /** The widget's elements replace thread.html's, in the same task: no frame shows neither. */
  private takeOver(): void {
    if (!this.takeover) return;
    this.takeover = false;
    this.shadow.replaceChildren(this.root);
    this.host.replaceChildren();
  }

  /** The server refuses this page: say so calmly, once, with nothing to click. */
  private showUnavailable(): void {
    // thread.html in the div stays: the host put it there, and it reads fine without us.
    if (this.takeover) return;
    // Presence, "Live" and sorting mean nothing without a connection.
    const toolbar = this.statusEl.parentElement;
    if (toolbar) toolbar.hidden = true;
    this.account.clear();
    this.composeEl.replaceChildren();
    fill(this.messageEl, h('p', { class: 'lt-unavailable' }, this.t.s.unavailable));
  }

  private watchConnection(): void {
    const socket = this.session.client.socket;
    const show = (state: 'live' | 'reconnecting', text: string) => {
      this.statusEl.dataset.state = state;
      this.statusText.textContent = text;
    };
    const live = () => show('live', this.t.s.live);
    const away = () => show('reconnecting', this.t.s.reconnecting);
    if (socket.connected) live();
    socket.on('connect', live);
    socket.on('disconnect', away);
    socket.on('connect_error', away);
    socket.io.on('reconnect_attempt', away);
    this.cleanup.push(() => {
      socket.off('connect', live);
      socket.off('disconnect', away);
      socket.off('connect_error', away);
      socket.io.off('reconnect_attempt', away);
    });
  }
}

function readOrder(): SortOrder {
  try {
    return localStorage.getItem(ORDER_KEY) === 'oldest' ? 'oldest' : 'newest';
  } catch {
    return 'newest';
  }
}

/**
 * A constructed stylesheet is CSSOM, so it works under a host page's strict style-src too;
 * browsers without it get a <style> element.
 */
let sheet: CSSStyleSheet | null = null;
function adoptStyles(shadow: ShadowRoot): void {
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    shadow.adoptedStyleSheets = [sheet];
  } catch {
    shadow.prepend(h('style', null, CSS));
  }
}
