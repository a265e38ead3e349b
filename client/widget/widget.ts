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
import { CommentView, type CommentActions, type CommentCtx, type VoteView } from './comment-view.js';
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
import { Diagnostics } from './diagnostics.js';
import { everyWhileVisible } from './visibility.js';

export type Theme = 'light' | 'dark' | 'auto';

const ORDER_KEY = 'livethread:order';
/** `#lt-<commentId>`: a permalink to a comment of the thread on this page. */
const PERMALINK_RE = /^#lt-([A-Za-z0-9_-]{1,64})$/;
/** How long the comment a permalink opened stays highlighted. */
const TARGET_MS = 6000;

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
  private readonly newerButton: HTMLButtonElement;
  private readonly noticeEl: HTMLParagraphElement;
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
    report: (c, reason) => this.report(c, reason),
    vote: (c, value) => this.vote(c, value),
    link: (c) => void this.copyLink(c),
    loadEarlier: (rootId, later) => this.session.client.loadReplies(this.articleId, rootId, later),
    remove: (c) => this.moderate(c, 'remove'),
    ban: (c) => this.moderate(c, 'ban'),
  };
  /** Votes on their way, shown at once (rolled back if refused); one request at a time per comment. */
  private readonly myVotes = new Map<string, VoteView>();
  private readonly voting = new Set<string>();
  /** Top: root comments that came live, not in a snapshot or a page (they go first). */
  private readonly arrived = new Set<string>();
  private readonly seenRoots = new Set<string>();
  /** A permalink's comment already brought into view (once per page load or link followed). */
  private targetShown: string | null = null;
  /** Reply pressed while signed out: its box opens once the reader has signed in. */
  private replyAfterSignIn: string | null = null;
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
  private readonly diagnostics: Diagnostics;

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
        ['top', s.top],
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
    this.olderButton = button('lt-btn lt-btn-secondary lt-load-older', s.loadMore, () => void this.loadOlder());
    this.newerButton = button('lt-btn lt-btn-secondary lt-load-newer', s.loadNewer, () => void this.loadNewer());
    this.noticeEl = h('p', { class: 'lt-permalink-note', role: 'status', hidden: true });
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
      this.noticeEl,
      this.olderTop,
      this.threadEl,
      this.messageEl,
      this.olderBottom,
      this.announcer,
    );
    this.reading = new ReadingPosition({
      root: this.root,
      thread: this.threadEl,
      order: () => this.state?.sort ?? this.order,
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
    this.diagnostics = new Diagnostics(host, session.client.socket);
    this.cleanup.push(() => this.diagnostics.stop());
    this.cleanup.push(
      session.onChange(() => {
        if (session.unavailable) {
          this.showUnavailable();
          return;
        }
        this.renderAccount();
        this.schedule();
        this.replyAfterSigningIn();
      }),
    );
    const onHash = () => this.followPermalink();
    window.addEventListener('hashchange', onHash);
    this.cleanup.push(() => window.removeEventListener('hashchange', onHash));
    this.renderAccount();
    this.cleanup.push(everyWhileVisible(this.timers, 30_000, () => this.refreshTimes()));
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
    const around = permalinkTarget();
    try {
      let state: ThreadState;
      try {
        state = await this.session.client.join(this.articleId, this.listener, { sort: this.order, ...(around ? { around } : {}) });
      } catch (err) {
        if (!around || !(err instanceof ClientError) || err.code !== 'not_found') throw err;
        this.showNotice(this.t.s.linkedUnavailable);
        state = await this.session.client.join(this.articleId, this.listener, { sort: this.order });
      }
      if (this.destroyed) return;
      this.state = state;
      this.diagnostics.thread(state.epoch, state.head);
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
    this.diagnostics.thread(thread.epoch, thread.head);
    if (reason === 'reset' || reason === 'snapshot') {
      this.reading.reset();
      this.arrived.clear();
      this.seenRoots.clear();
      this.showOrder(thread.sort);
    }
    // Top keeps the order roots were loaded in; the ones that came live go first.
    const live = reason === 'event' || reason === 'local';
    for (const c of thread.comments.values()) {
      if (c.parentId !== null || this.seenRoots.has(c.id)) continue;
      this.seenRoots.add(c.id);
      if (live) this.arrived.add(c.id);
    }
    this.schedule();
  }

  /** A permalink followed on this page (the hash changed): bring the comment into view, loading its page if needed. */
  private followPermalink(): void {
    const id = permalinkTarget();
    if (!id || !this.state) return;
    const view = this.views.get(id);
    if (view?.article.isConnected) {
      this.showTarget(id);
      return;
    }
    this.session.client.openAround(this.articleId, id).catch((err: unknown) => {
      if (err instanceof ClientError && err.code === 'not_found') this.showNotice(this.t.s.linkedUnavailable);
    });
  }

  /** Scrolls to a comment and highlights it (the comment a permalink names). */
  private showTarget(id: string): void {
    this.targetShown = id;
    const c = this.state?.comments.get(id);
    if (c && c.status !== 'visible' && c.status !== 'pending') this.showNotice(this.t.s.linkedRemoved);
    const article = this.views.get(id)?.article;
    if (!article?.isConnected) return;
    for (const el of this.threadEl.querySelectorAll('.lt-target')) el.classList.remove('lt-target');
    article.classList.add('lt-target');
    article.focus({ preventScroll: true });
    article.scrollIntoView({ block: 'center' });
    this.timers.after(TARGET_MS, () => article.classList.add('lt-target-seen'));
  }

  private showNotice(text: string): void {
    this.noticeEl.textContent = text;
    this.noticeEl.hidden = false;
  }

  private showOrder(order: SortOrder): void {
    this.order = order;
    for (const b of this.sortButtons) b.setAttribute('aria-pressed', String(b.dataset.order === order));
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
    // A reply in a thread not loaded yet (a later page) shows with its thread, not behind the button.
    if (c.parentId !== null && !this.views.has(c.rootId)) return;
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
      this.replyAfterSignIn = c.id;
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
      created.setOffline(!this.session.client.connected);
      this.replyComposers.set(c.id, composer);
    }
    const open = composer;
    this.afterRender.push(() => open.focus());
    this.schedule();
  }

  /** Reply was pressed while signed out: now that the reader is in, its box opens. */
  private replyAfterSigningIn(): void {
    const id = this.replyAfterSignIn;
    if (!id || !this.session.user) return;
    this.replyAfterSignIn = null;
    const c = this.state?.comments.get(id);
    if (c) this.openReply(c);
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
    composer.setOffline(!this.session.client.connected);
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

  private async report(c: Comment, reason: string | undefined): Promise<boolean> {
    try {
      await this.session.client.report({ articleId: this.articleId, commentId: c.id, ...(reason ? { reason } : {}) });
      this.reported.add(c.id);
      this.announce(this.t.s.reportThanks);
      this.schedule();
      return true;
    } catch (err) {
      this.views.get(c.id)?.showError(errorText(err, 'delete', this.t));
      return false;
    }
  }

  /** What a comment's votes look like now: the reader's vote on its way, or the stored counts. */
  private votesOf(c: Comment): VoteView {
    return this.myVotes.get(c.id) ?? { up: c.up ?? 0, down: c.down ?? 0, myVote: c.myVote ?? 0 };
  }

  /** Shows the vote at once and sends it; a refused one is rolled back and says why. */
  private vote(c: Comment, value: -1 | 0 | 1): void {
    if (!this.session.user) {
      this.account.promptSignIn();
      return;
    }
    const cur = this.votesOf(c);
    this.myVotes.set(c.id, {
      up: cur.up - (cur.myVote === 1 ? 1 : 0) + (value === 1 ? 1 : 0),
      down: cur.down - (cur.myVote === -1 ? 1 : 0) + (value === -1 ? 1 : 0),
      myVote: value,
    });
    this.schedule();
    if (!this.voting.has(c.id)) void this.sendVotes(c.id);
  }

  /** One vote request at a time per comment, so that the last click is the one stored. */
  private async sendVotes(id: string): Promise<void> {
    this.voting.add(id);
    try {
      for (;;) {
        const want = this.myVotes.get(id);
        if (!want || this.destroyed) return;
        try {
          await this.session.client.vote({ articleId: this.articleId, commentId: id, value: want.myVote });
        } catch (err) {
          this.myVotes.delete(id);
          this.views.get(id)?.showError(voteErrorText(err, this.t));
          if (err instanceof ClientError && err.code === 'unauthorized') this.session.expire();
          return;
        }
        // The SDK holds the stored counts now, unless the reader changed their mind meanwhile.
        if (this.myVotes.get(id) === want) {
          this.myVotes.delete(id);
          return;
        }
      }
    } finally {
      this.voting.delete(id);
      this.schedule();
    }
  }

  /** Copies the host page's address with `#lt-<id>`; where copying is refused, puts it in the address bar. */
  private async copyLink(c: Comment): Promise<void> {
    const url = new URL(location.href);
    url.hash = `lt-${c.id}`;
    try {
      await navigator.clipboard.writeText(url.href);
      this.announce(this.t.s.linkCopied);
      this.views.get(c.id)?.flash('.lt-permalink', this.t.s.copied);
    } catch {
      history.replaceState(history.state, '', url.href);
      this.announce(this.t.s.linkInAddressBarSaid);
      this.views.get(c.id)?.flash('.lt-permalink', this.t.s.linkInAddressBar);
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
    await this.loading(this.olderButton, () => this.session.client.loadOlder(this.articleId));
  }

  /** A permalink's page: the threads on its other side. */
  private async loadNewer(): Promise<void> {
    await this.loading(this.newerButton, () => this.session.client.loadNewer(this.articleId));
  }

  private async loading(b: HTMLButtonElement, load: () => Promise<unknown>): Promise<void> {
    b.disabled = true;
    b.textContent = this.t.s.loading;
    try {
      await load();
      delete b.dataset.failed;
    } catch {
      b.dataset.failed = 'true';
      b.textContent = this.t.s.loadFailed;
    } finally {
      b.disabled = false;
      this.schedule();
    }
  }

  /** Another order: the server sends the thread again in it (pages continue in it). */
  private setOrder(order: SortOrder): void {
    if (order === this.order) return;
    this.showOrder(order);
    try {
      localStorage.setItem(ORDER_KEY, order);
    } catch {
      // not remembered; fine
    }
    this.session.client.setSort(this.articleId, order).catch(() => this.schedule());
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
    const now = Date.now();
    const editWindowMs = state.editWindowSeconds === null ? null : state.editWindowSeconds * 1000;
    const ctx: CommentCtx = {
      me,
      canReply: !state.closed && (me !== null || this.session.canSignInAsGuest),
      t: this.t,
      moderator: this.session.isModerator,
      editWindowMs,
      now,
    };
    const layout = layoutThread({
      state,
      pending: this.pending.standIns(),
      hidden: this.reading.hidden,
      deleting: this.deleting,
      // The order the thread was loaded in: a new one shows once the server has sent it.
      order: state.sort,
      arrived: this.arrived,
      me,
      onScreen: this.views,
      maxDepth: MAX_DEPTH,
    });

    const used = new Set<string>();
    const place = (node: LaidOutComment): HTMLElement => {
      const c = node.comment;
      const view = this.viewFor(c.id);
      used.add(view.key);
      const local = {
        edit: this.editComposers.get(c.id)?.el,
        reply: this.replyComposers.get(c.id)?.el,
        reported: this.reported.has(c.id),
        votes: this.votesOf(c),
      };
      view.update(node, ctx, local);
      view.setReplies(node.children.map(place), node.earlierReplies ? c.id : null, node.laterReplies ? c.id : null);
      return view.item;
    };
    const roots = layout.roots.map(place);
    // The article's visible comments (as GET /api/counts says), not the number loaded.
    const count = state.count;
    reconcile(this.threadEl, roots);
    this.closeEditsAtWindowEnd(state, me, editWindowMs, now);

    for (const key of this.views.keys()) if (!used.has(key)) this.views.delete(key);
    for (const id of this.replyComposers.keys()) if (!used.has(id)) this.replyComposers.delete(id);
    for (const id of this.editComposers.keys()) if (!used.has(id)) this.editComposers.delete(id);

    this.countEl.textContent = count > 0 ? String(count) : '';
    this.countEl.parentElement?.setAttribute('aria-label', count > 0 ? this.t.f('commentsCount', { n: count }) : this.t.s.comments);
    if (roots.length === 0) {
      fill(this.messageEl, h('p', { class: 'lt-empty' }, state.closed ? this.t.s.noComments : this.t.s.noCommentsYet));
    } else this.messageEl.replaceChildren();

    this.reading.showWaiting(layout.waiting);

    // "Load more" continues the order at the end; a permalink's page also loads its other side above.
    const more = state.sort === 'top' ? state.rank.length > 0 : state.cursor !== null;
    let loaded = 0;
    for (const c of state.comments.values()) if (c.status === 'visible') loaded++;
    const left = Math.max(0, state.count - loaded);
    const label = (b: HTMLButtonElement, text: string) => {
      if (!b.disabled && !b.dataset.failed && b.textContent !== text) b.textContent = text;
    };
    label(this.olderButton, left > 0 ? this.t.f('loadMoreLeft', { n: left }) : this.t.s.loadMore);
    if (more) {
      if (this.olderButton.parentElement !== this.olderBottom) this.olderBottom.append(this.olderButton);
    } else this.olderBottom.replaceChildren();
    label(this.newerButton, state.sort === 'oldest' ? this.t.s.loadEarlier : this.t.s.loadNewer);
    if (state.before) {
      if (this.newerButton.parentElement !== this.olderTop) this.olderTop.append(this.newerButton);
    } else this.olderTop.replaceChildren();

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
    if (state.target && state.target !== this.targetShown) {
      const target = state.target;
      this.afterRender.push(() => this.showTarget(target));
    }
    const after = this.afterRender;
    this.afterRender = [];
    for (const fn of after) fn();
  }

  /** Edit is offered inside the edit window only: render again when the next of the reader's windows ends. */
  private editTimer: TimerHandle | null = null;
  private editTimerAt = 0;
  private closeEditsAtWindowEnd(state: ThreadState, me: string | null, windowMs: number | null, now: number): void {
    let next = Infinity;
    if (me !== null && windowMs !== null) {
      for (const c of state.comments.values()) {
        const end = Date.parse(c.createdAt) + windowMs;
        if (c.author?.id === me && end > now && end < next) next = end;
      }
    }
    if (next === this.editTimerAt) return;
    this.timers.cancel(this.editTimer);
    this.editTimerAt = next;
    this.editTimer =
      next === Infinity
        ? null
        : this.timers.after(next - now + 50, () => {
            this.editTimerAt = 0;
            this.schedule();
          });
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
    const composers = () => [this.rootComposer, ...this.replyComposers.values(), ...this.editComposers.values()];
    const live = () => {
      show('live', this.t.s.live);
      for (const c of composers()) c.setOffline(false);
    };
    const away = () => {
      show('reconnecting', this.t.s.reconnecting);
      for (const c of composers()) c.setOffline(true);
    };
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
    const stored = localStorage.getItem(ORDER_KEY);
    return stored === 'oldest' || stored === 'top' ? stored : 'newest';
  } catch {
    return 'newest';
  }
}

/** The comment the page's address names (`#lt-<commentId>`), if any. */
function permalinkTarget(): string | null {
  return PERMALINK_RE.exec(location.hash)?.[1] ?? null;
}

function voteErrorText(err: unknown, t: Locale): string {
  if (err instanceof ClientError && err.code === 'rate_limited') return t.s.errVoteRate;
  if (err instanceof ClientError && err.code === 'forbidden') return t.s.errVoteOwn;
  if (err instanceof ClientError && err.code === 'not_found') return t.s.errVoteGone;
  return errorText(err, 'delete', t);
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
