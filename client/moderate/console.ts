/**
 * The moderator console (`GET /moderate`, bundled as /moderate.js).
 *
 * Sign in with a moderator token (pasted, or from a `#token=` link that is taken out of the
 * address bar at once) → a DiscussionClient on this origin → `mod:watch` (the queue and the
 * recent activity, then every `mod:event`) → the review queue, the feed, and the tabs beside them:
 * articles, a thread, search, a user's card, bans and the audit log, all kept current from
 * `mod:event`. After a reconnect the console watches again from the last activity it saw, so the
 * feed takes in what it missed. On a phone every view is a tab. User text is only ever set with
 * textContent.
 */
import type { ModEventPayload } from '../../shared/moderation.js';
import { ClientError, DiscussionClient } from '../discussion-client.js';
import { ArticlesView } from './articles.js';
import { AuditLoadError, AuditView, fetchAuditLog } from './audit.js';
import { askBan } from './ban.js';
import { BansView } from './bans.js';
import { h } from './dom.js';
import { FeedView } from './feed.js';
import { describeError, plural, refreshTimes, tokenInfo, type TokenInfo } from './format.js';
import { QueueView } from './queue.js';
import { SearchView } from './search.js';
import { BanList, CardRegistry, type Ctx } from './state.js';
import { ThreadBox } from './thread.js';
import { UserView } from './user.js';
import { WebhooksView } from './webhooks.js';

const TOKEN_KEY = 'livethread:modtoken';
const BASE_TITLE = 'Moderation · livethread';
/** `mod:watch` answers at most this many activity entries (ACTIVITY_PAGE on the server). */
const ACTIVITY_PAGE = 200;
/** A catch-up reads at most this many pages; the feed shows 200 entries anyway. */
const CATCH_UP_PAGES = 5;
/** One column with tabs up to this width (keep in step with the media query in moderate.html). */
const PHONE_QUERY = '(max-width: 600px)';

type StatusState = 'signed-out' | 'connecting' | 'live' | 'reconnecting';
const STATUS_TEXT: Record<StatusState, string> = {
  'signed-out': 'Signed out',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

type View = 'queue' | 'feed' | 'articles' | 'thread' | 'search' | 'user' | 'bans' | 'audit' | 'webhooks';
type WorkView = Exclude<View, 'queue' | 'feed'>;
const VIEWS: { id: View; label: string }[] = [
  { id: 'queue', label: 'Queue' },
  { id: 'feed', label: 'Feed' },
  { id: 'articles', label: 'Articles' },
  { id: 'thread', label: 'Thread' },
  { id: 'search', label: 'Search' },
  { id: 'user', label: 'User' },
  { id: 'bans', label: 'Bans' },
  { id: 'audit', label: 'Audit log' },
  { id: 'webhooks', label: 'Webhooks' },
];
const isWork = (v: View): v is WorkView => v !== 'queue' && v !== 'feed';

const storage = {
  get(): string | null {
    try {
      return localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string): void {
    try {
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* storage may be off (private mode): the session still works, it is just not remembered */
    }
  },
  clear(): void {
    try {
      localStorage.removeItem(TOKEN_KEY);
    } catch {
      /* see above */
    }
  },
};

/**
 * A `#token=…` sign-in link (npm run moderator-link): takes the token and removes the fragment
 * from the address bar and the history entry, so that it is not left on screen, in a bookmark or
 * in a shared screenshot. Null when the URL has none.
 */
function takeTokenFromLink(): string | null {
  if (!location.hash) return null;
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token === null) return null;
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  return token.trim();
}

/** The tabs: on a wide screen they switch the right-hand column; on a phone, the whole page. */
class Tabs {
  readonly bar: HTMLElement;
  private readonly tabs = new Map<View, HTMLButtonElement>();
  private readonly badges = new Map<View, HTMLSpanElement>();
  private current: View = 'queue';
  private work: WorkView = 'articles';
  private readonly phone = window.matchMedia(PHONE_QUERY);

  constructor(
    private readonly root: HTMLElement,
    private readonly panels: Map<View, HTMLElement>,
    private readonly onShown: (work: WorkView | null, visible: Set<View>) => void,
  ) {
    this.bar = h('div', { class: 'lm-tabs', role: 'tablist', 'aria-label': 'Views' });
    for (const { id, label } of VIEWS) {
      const badge = h('span', { class: 'lm-tab-badge', hidden: true });
      const tab = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `lm-tab-${id}`,
          class: `lm-tab lm-tab-${id}`,
          'aria-controls': `lm-panel-${id}`,
          'data-view': id,
        },
        label,
        badge,
      );
      tab.addEventListener('click', () => this.select(id));
      this.tabs.set(id, tab);
      this.badges.set(id, badge);
      this.bar.append(tab);
    }
    this.bar.addEventListener('keydown', (ev) => this.onKey(ev));
    this.phone.addEventListener('change', () => this.render());
    this.render();
  }

  get isPhone(): boolean {
    return this.phone.matches;
  }

  select(view: View, focusTab = false): void {
    this.current = view;
    if (isWork(view)) this.work = view;
    this.render();
    if (focusTab) this.tabs.get(view)?.focus();
  }

  setBadge(view: View, n: number): void {
    const badge = this.badges.get(view)!;
    badge.hidden = n === 0;
    badge.textContent = String(n);
    const tab = this.tabs.get(view)!;
    const label = VIEWS.find((v) => v.id === view)!.label;
    tab.setAttribute('aria-label', n ? `${label} (${n})` : label);
  }

  private render(): void {
    const phone = this.phone.matches;
    // A wide screen shows the queue and the feed all the time; the tabs pick the third column.
    const selected: View = phone ? this.current : isWork(this.current) ? this.current : this.work;
    for (const [id, tab] of this.tabs) {
      const on = id === selected;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    for (const [id, panel] of this.panels) if (isWork(id)) panel.hidden = id !== this.work;
    this.root.dataset.view = phone ? this.current : this.work;
    const visible = new Set<View>(phone ? [this.current] : ['queue', 'feed', this.work]);
    this.onShown(visible.has(this.work) ? this.work : null, visible);
  }

  private onKey(ev: KeyboardEvent): void {
    const shown = [...this.tabs.values()].filter((t) => t.offsetParent !== null);
    const at = shown.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    let next: HTMLButtonElement | undefined;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') next = shown[(at + 1) % shown.length];
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') next = shown[(at - 1 + shown.length) % shown.length];
    else if (ev.key === 'Home') next = shown[0];
    else if (ev.key === 'End') next = shown[shown.length - 1];
    if (!next) return;
    ev.preventDefault();
    this.select(next.dataset.view as View, true);
  }
}

/** The page chrome: top bar, sign-in card, and the console's columns and tabs. */
class Shell {
  readonly statusEl: HTMLElement;
  private readonly statusText: HTMLSpanElement;
  readonly userBox: HTMLElement;
  readonly userName: HTMLElement;
  readonly userId: HTMLElement;
  readonly signOutBtn: HTMLButtonElement;

  readonly signinView: HTMLElement;
  readonly form: HTMLFormElement;
  readonly tokenInput: HTMLInputElement;
  readonly signinBtn: HTMLButtonElement;
  readonly cancelBtn: HTMLButtonElement;
  readonly signinError: HTMLParagraphElement;
  readonly signinNote: HTMLParagraphElement;

  readonly consoleView: HTMLElement;
  readonly panels = new Map<View, HTMLElement>();
  readonly headings = new Map<View, HTMLHeadingElement>();
  readonly feedHeadingExtra: HTMLElement;
  readonly globalError: HTMLParagraphElement;
  readonly announcer: HTMLElement;
  readonly tabs: Tabs;
  /** Set by the session: told which views are on screen. */
  onShown: (work: WorkView | null, visible: Set<View>) => void = () => undefined;

  constructor(root: HTMLElement) {
    this.statusText = h('span', { class: 'lm-status-text' }, STATUS_TEXT['signed-out']);
    this.statusEl = h(
      'p',
      { class: 'lm-status', role: 'status', 'data-state': 'signed-out' },
      h('span', { class: 'lm-dot', 'aria-hidden': 'true' }),
      this.statusText,
    );
    this.userName = h('strong');
    this.userId = h('code');
    this.signOutBtn = h('button', { type: 'button', class: 'lm-btn lm-btn-quiet lm-signout' }, 'Sign out');
    this.userBox = h(
      'div',
      { class: 'lm-user-box', hidden: true },
      h('span', { class: 'lm-user-label' }, 'Signed in as ', this.userName, ' ', this.userId),
      this.signOutBtn,
    );

    const topbar = h(
      'header',
      { class: 'lm-topbar' },
      h(
        'h1',
        { class: 'lm-brand' },
        h('span', { class: 'lm-logo', 'aria-hidden': 'true' }),
        h('span', { class: 'lm-brand-name' }, 'livethread'),
        ' ',
        h('span', { class: 'lm-brand-sub' }, 'Moderation'),
      ),
      this.statusEl,
      h('div', { class: 'lm-topbar-end' }, this.userBox),
    );

    // ── sign-in ──
    this.tokenInput = h('input', {
      id: 'lm-token',
      class: 'lm-input lm-token',
      type: 'password',
      name: 'token',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'lm-token-hint',
    });
    this.signinBtn = h('button', { type: 'submit', class: 'lm-btn lm-btn-primary lm-signin' }, 'Sign in');
    this.cancelBtn = h('button', { type: 'button', class: 'lm-btn lm-btn-quiet lm-cancel', hidden: true }, 'Cancel');
    this.signinError = h('p', { class: 'lm-error lm-signin-error', role: 'alert' });
    this.signinNote = h('p', { class: 'lm-note-line', role: 'status' });
    this.form = h(
      'form',
      { class: 'lm-signin-form', novalidate: true, 'aria-labelledby': 'lm-signin-title' },
      h('h2', { id: 'lm-signin-title', class: 'lm-signin-title' }, 'Moderator sign-in'),
      h('p', { class: 'lm-lede' }, 'Review held and reported comments and act on any thread, live.'),
      h('label', { class: 'lm-label', for: 'lm-token' }, 'Moderator token'),
      this.tokenInput,
      h(
        'p',
        { id: 'lm-token-hint', class: 'lm-hint' },
        'Open the sign-in link from ',
        h('code', null, 'npm run moderator-link -- --sub you --name You'),
        ', or paste a token signed with role “moderator” (',
        h('code', null, 'npm run token -- --sub you --name You --role moderator'),
        '). It is kept in this browser until you sign out.',
      ),
      h('div', { class: 'lm-row' }, this.signinBtn, this.cancelBtn),
      this.signinNote,
      this.signinError,
    );
    this.signinView = h('section', { class: 'lm-signin-view' }, h('div', { class: 'lm-card' }, this.form));

    // ── console ──
    const panel = (id: View, title: string, cls: string, extra?: Node) => {
      const headingId = `lm-${id}-title`;
      const heading = h('h2', { id: headingId, class: 'lm-heading', tabindex: -1 }, title);
      const section = h(
        'section',
        { class: `lm-panel lm-panel-${id} ${cls}`, id: `lm-panel-${id}`, role: 'tabpanel', 'aria-labelledby': headingId },
        h('div', { class: 'lm-col-head' }, heading, extra ?? null),
      );
      this.panels.set(id, section);
      this.headings.set(id, heading);
      return section;
    };
    this.feedHeadingExtra = h('span', { class: 'lm-col-extra' });
    const queueCol = panel('queue', 'Review queue', 'lm-col lm-col-queue');
    const feedCol = panel('feed', 'Activity', 'lm-col lm-col-feed', this.feedHeadingExtra);
    const work = h('div', { class: 'lm-col lm-col-work' });
    for (const v of VIEWS) {
      if (!isWork(v.id)) continue;
      work.append(panel(v.id, v.id === 'audit' ? 'Audit log' : v.id === 'user' ? 'User card' : v.label, 'lm-work-panel'));
    }
    this.globalError = h('p', { class: 'lm-error lm-global-error', role: 'alert' });
    this.consoleView = h('div', { class: 'lm-console', hidden: true });
    this.tabs = new Tabs(this.consoleView, this.panels, (w, visible) => this.onShown(w, visible));
    this.consoleView.append(this.globalError, h('div', { class: 'lm-grid' }, this.tabs.bar, queueCol, feedCol, work));

    this.announcer = h('div', { class: 'lm-sr-only', 'aria-live': 'polite' });
    root.replaceChildren(topbar, h('main', { class: 'lm-main', id: 'lm-main' }, this.signinView, this.consoleView), this.announcer);
  }

  setStatus(state: StatusState): void {
    this.statusEl.dataset.state = state;
    this.statusText.textContent = STATUS_TEXT[state];
  }

  announce(text: string): void {
    // A fresh node each time so that the same text twice is read twice.
    this.announcer.replaceChildren(h('p', null, text));
  }
}

/** One signed-in connection with its views. */
class Session {
  readonly client: DiscussionClient;
  private readonly registry = new CardRegistry();
  private readonly ctx: Ctx;
  private readonly bans: BanList;
  private readonly queue: QueueView;
  private readonly feed: FeedView;
  private readonly thread: ThreadBox;
  private readonly articles: ArticlesView;
  private readonly search: SearchView;
  private readonly user: UserView;
  private readonly bansView: BansView;
  private readonly audit: AuditView;
  private readonly webhooks: WebhooksView;
  private readonly views: HTMLElement[];
  private watching = false;
  private started = false;
  private ended = false;
  private auditAbort: AbortController | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * mod:events that arrive while mod:watch is in flight: the server may have read the queue
   * before them, so they are applied to the queue again once it is loaded.
   */
  private duringWatch: ModEventPayload[] | null = null;

  constructor(
    private readonly shell: Shell,
    private readonly token: string,
    private readonly info: TokenInfo | null,
    private readonly onEnd: (error: string | null, forgetToken: boolean) => void,
  ) {
    this.client = new DiscussionClient({ url: location.origin, token, socketOptions: { reconnectionDelayMax: 5000 } });
    this.bans = new BanList();
    this.bans.onChange(() => this.registry.refreshAll());
    const tabs = shell.tabs;
    const ctx: Ctx = {
      client: this.client,
      registry: this.registry,
      bans: this.bans,
      openThread: (articleId) => {
        tabs.select('thread');
        this.thread.open(articleId);
      },
      openUser: (userId) => {
        tabs.select('user');
        this.user.open(userId);
      },
      banUser: (userId, opts) => this.banUser(userId, opts?.comments),
      isLive: () => this.watching && this.client.connected,
      names: new Map(),
    };
    this.ctx = ctx;
    this.queue = new QueueView(
      ctx,
      (n) => this.setCount(n),
      (text) => shell.announce(text),
    );
    this.feed = new FeedView(ctx, 'lm-feed-title');
    this.thread = new ThreadBox(ctx, 'lm-thread-title');
    this.articles = new ArticlesView(ctx, 'lm-articles-title');
    this.search = new SearchView(ctx, 'lm-search-title');
    this.user = new UserView(ctx, 'lm-user-title', (userId) => {
      tabs.select('search');
      this.search.byAuthor(userId);
    });
    this.bansView = new BansView(ctx, 'lm-bans-title', (n) => tabs.setBadge('bans', n));
    this.audit = new AuditView(ctx, 'lm-audit-title', () => void this.loadAudit());
    this.webhooks = new WebhooksView(token, 'lm-webhooks-title');
    const put: [View, HTMLElement][] = [
      ['queue', this.queue.el],
      ['feed', this.feed.el],
      ['thread', this.thread.el],
      ['articles', this.articles.el],
      ['search', this.search.el],
      ['user', this.user.el],
      ['bans', this.bansView.el],
      ['audit', this.audit.el],
      ['webhooks', this.webhooks.el],
    ];
    for (const [view, el] of put) shell.panels.get(view)!.append(el);
    this.views = put.map(([, el]) => el);
    shell.feedHeadingExtra.replaceChildren(this.feed.counter);
    shell.onShown = (work) => {
      this.articles.setShown(work === 'articles');
      if (work === 'webhooks') void this.webhooks.load();
    };

    const socket = this.client.socket;
    socket.on('connect', () => void this.watch());
    socket.on('disconnect', (reason) => {
      this.watching = false;
      if (this.ended) return;
      this.shell.setStatus('reconnecting');
      this.registry.refreshAll();
      // The server closed this socket on purpose: socket.io does not come back by itself.
      if (reason === 'io server disconnect') this.retryTimer = setTimeout(() => socket.connect(), 2000);
    });
    socket.on('connect_error', (err) => this.onConnectError(err));
    socket.io.on('reconnect_attempt', () => {
      if (!this.ended) this.shell.setStatus(this.started ? 'reconnecting' : 'connecting');
    });
    socket.on('mod:event', (e) => this.onModEvent(e));
  }

  /** Every 30 s: relative times, and bans whose time is up. */
  tick(): void {
    this.bans.expire();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.watching = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.auditAbort?.abort();
    this.thread.dispose();
    this.articles.dispose();
    this.search.dispose();
    this.user.dispose();
    this.queue.clear();
    this.feed.clear();
    this.audit.clear();
    this.registry.clear();
    this.bans.clear();
    this.client.close();
    for (const v of this.views) v.remove();
    this.shell.feedHeadingExtra.replaceChildren();
    this.shell.onShown = () => undefined;
    this.shell.tabs.setBadge('bans', 0);
    this.setCount(0);
  }

  private onConnectError(err: Error): void {
    if (this.ended) return;
    if (err.message === 'unauthorized') {
      this.onEnd(
        'The server refused this token (unauthorized): it is malformed, signed with another secret, or expired. Ask for a fresh sign-in link or paste a fresh moderator token.',
        true,
      );
      return;
    }
    // A middleware refusal is final (socket.io does not retry); a network failure is retried.
    if (!this.client.socket.active) {
      this.onEnd(`The server refused the connection (${err.message}).`, false);
      return;
    }
    this.shell.setStatus(this.started ? 'reconnecting' : 'connecting');
    if (!this.started) this.shell.signinNote.textContent = "Can't reach the server yet; still trying…";
  }

  private async watch(): Promise<void> {
    if (this.ended) return;
    this.duringWatch = [];
    // After a reconnect: what happened since the last activity this console saw.
    const catchingUp = this.started;
    const since = catchingUp ? this.feed.since() : undefined;
    try {
      const { queue, activity } = await this.client.request('mod:watch', since !== undefined ? { since } : {});
      if (this.ended) return;
      this.watching = true;
      this.shell.globalError.textContent = '';
      this.queue.load(queue);
      for (const e of this.duringWatch ?? []) this.queue.onModEvent(e);
      this.duringWatch = null;
      for (const item of queue) if (item.comment.author) this.ctx.names.set(item.comment.author.id, item.comment.author.name);
      for (const a of activity) {
        if (a.comment?.author) this.ctx.names.set(a.comment.author.id, a.comment.author.name);
        // The comments of the log are as they are now: newer than what the cards show.
        if (a.comment) this.registry.update(a.comment);
      }
      let added = this.feed.backfill(activity, true);
      this.shell.setStatus('live');
      this.registry.refreshAll();
      if (!this.started) {
        this.started = true;
        this.showConsole();
      }
      void this.loadBans();
      void this.loadAudit();
      if (catchingUp) {
        added += await this.catchUp(activity.length);
        this.feed.marker(
          added
            ? `Reconnected: ${plural(added, 'event')} from while this console was away added below.`
            : 'Reconnected: nothing was missed.',
        );
        this.articles.onActivity();
        this.user.refresh();
      }
    } catch (err) {
      this.duringWatch = null;
      if (this.ended) return;
      if (err instanceof ClientError && (err.code === 'forbidden' || err.code === 'unauthorized')) {
        const who = this.info?.name ? `${this.info.name}${this.info.role ? ` (role “${this.info.role}”)` : ''}` : 'this user';
        this.onEnd(`This token is not a moderator's: the server answered “${err.code}” to mod:watch for ${who}.`, true);
        return;
      }
      // Anything else (timeout, unavailable): say so and try again while connected.
      const text = `Couldn't start watching: ${describeError(err)} Retrying…`;
      if (this.started) this.shell.globalError.textContent = text;
      else this.shell.signinNote.textContent = text;
      this.retryTimer = setTimeout(() => {
        if (this.client.connected) void this.watch();
      }, 3000);
    }
  }

  /** More pages of a catch-up that filled its first page. Returns how many entries were new. */
  private async catchUp(firstPage: number): Promise<number> {
    let added = 0;
    let last = firstPage;
    for (let page = 1; last >= ACTIVITY_PAGE && page < CATCH_UP_PAGES && !this.ended; page++) {
      try {
        const { activity } = await this.client.request('mod:watch', { since: this.feed.since() });
        added += this.feed.backfill(activity, true);
        last = activity.length;
      } catch {
        break; // the feed goes on live; what is left shows after the next reconnect
      }
    }
    return added;
  }

  private showConsole(): void {
    const shell = this.shell;
    shell.signinView.hidden = true;
    shell.consoleView.hidden = false;
    shell.userName.textContent = this.info?.name ?? 'moderator';
    shell.userId.textContent = this.info?.sub ?? '';
    shell.userBox.hidden = false;
    shell.signinNote.textContent = '';
    shell.signinError.textContent = '';
    shell.tokenInput.value = '';
    shell.tabs.select('queue');
    shell.headings.get('queue')?.focus();
  }

  private async loadBans(): Promise<void> {
    try {
      const { bans } = await this.client.request('mod:bans', {});
      if (this.ended) return;
      for (const b of bans) if (b.by.name) this.ctx.names.set(b.by.id, b.by.name);
      this.bans.load(bans);
      this.bansView.clearError();
    } catch (err) {
      if (!this.ended) this.bansView.showError(err);
    }
  }

  private async loadAudit(): Promise<void> {
    this.auditAbort?.abort();
    const abort = new AbortController();
    this.auditAbort = abort;
    try {
      const entries = await fetchAuditLog(this.token, abort.signal);
      if (this.ended || abort.signal.aborted) return;
      this.audit.load(entries);
    } catch (err) {
      if (this.ended || abort.signal.aborted) return;
      if (err instanceof AuditLoadError && err.status === 401) {
        this.onEnd('The server refused this token for the audit log (unauthorized). Sign in again.', true);
        return;
      }
      this.audit.showError(err instanceof AuditLoadError ? err.message : 'the request failed');
    }
  }

  /** The ban dialog, then `mod:ban`. False when the moderator cancelled. */
  private async banUser(userId: string, comments?: number): Promise<boolean> {
    const payload = await askBan({ userId, name: this.ctx.names.get(userId) ?? null, ...(comments !== undefined ? { comments } : {}) });
    if (!payload) return false;
    // Removing every comment of a prolific author takes a while: wait longer than usual.
    await this.client.request('mod:ban', payload, 30_000);
    // The ack may come before the user.banned event: read the bans so every view shows it now.
    await this.loadBans();
    if (!this.bans.has(userId)) this.bans.mark(userId);
    return true;
  }

  private onModEvent(e: ModEventPayload): void {
    if (this.ended) return;
    const c = e.comment;
    if (c) {
      this.registry.update(c);
      if (c.author) this.ctx.names.set(c.author.id, c.author.name);
    }
    const userId = e.audit?.userId ?? e.ban?.userId;
    if (e.type === 'user.banned' && userId) {
      if (e.ban) this.bans.set(e.ban);
      else this.bans.mark(userId);
    }
    if (e.type === 'user.unbanned' && userId) this.bans.delete(userId);
    this.duringWatch?.push(e);
    this.queue.onModEvent(e);
    this.feed.onModEvent(e);
    this.thread.onModEvent(e);
    this.user.onModEvent(e);
    this.articles.onActivity();
    if (e.audit) this.audit.add(e.audit);
  }

  private setCount(n: number): void {
    document.title = n > 0 ? `(${n}) ${BASE_TITLE}` : BASE_TITLE;
    this.shell.tabs.setBadge('queue', n);
  }
}

class ModeratorConsole {
  private readonly shell: Shell;
  private session: Session | null = null;

  constructor(root: HTMLElement) {
    this.shell = new Shell(root);
    const s = this.shell;
    s.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const token = s.tokenInput.value.trim();
      s.signinError.textContent = '';
      if (!token) {
        s.signinError.textContent = 'Paste a moderator token first.';
        s.tokenInput.focus();
        return;
      }
      if (!this.signIn(token)) s.tokenInput.focus();
    });
    s.cancelBtn.addEventListener('click', () => this.stop(null, true));
    s.signOutBtn.addEventListener('click', () => this.stop(null, true));
    setInterval(() => {
      refreshTimes(document);
      this.session?.tick();
    }, 30_000);
    // A sign-in link opened in a tab that already shows the console.
    window.addEventListener('hashchange', () => {
      const token = takeTokenFromLink();
      if (token !== null) this.fromLink(token);
    });

    const linked = takeTokenFromLink();
    const saved = storage.get();
    if (linked !== null) {
      this.fromLink(linked);
    } else if (saved) {
      s.tokenInput.value = saved;
      this.start(saved);
    } else {
      s.tokenInput.focus();
    }
  }

  private fromLink(token: string): void {
    if (!this.signIn(token)) {
      this.stop('This sign-in link is damaged: the token in it is not complete. Ask for a new link.', false);
    }
  }

  /** Stores and uses a token; false (with the reason shown) when it is not one. */
  private signIn(token: string): boolean {
    const s = this.shell;
    if (token.split('.').length !== 3) {
      s.signinError.textContent = 'That does not look like a token: a token has three parts separated by dots.';
      return false;
    }
    storage.set(token);
    this.start(token);
    return true;
  }

  private start(token: string): void {
    this.session?.end();
    const s = this.shell;
    s.setStatus('connecting');
    s.signinBtn.disabled = true;
    s.signinBtn.textContent = 'Signing in…';
    s.cancelBtn.hidden = false;
    s.signinError.textContent = '';
    s.signinNote.textContent = 'Connecting…';
    const session: Session = new Session(s, token, tokenInfo(token), (error, forget) => {
      if (this.session === session) this.stop(error, forget);
    });
    this.session = session;
  }

  /** Ends the session; `error` is shown on the sign-in card. */
  private stop(error: string | null, forgetToken: boolean): void {
    this.session?.end();
    this.session = null;
    const s = this.shell;
    if (forgetToken) {
      storage.clear();
      s.tokenInput.value = '';
    }
    s.setStatus('signed-out');
    s.consoleView.hidden = true;
    s.userBox.hidden = true;
    s.signinView.hidden = false;
    s.signinBtn.disabled = false;
    s.signinBtn.textContent = 'Sign in';
    s.cancelBtn.hidden = true;
    s.signinNote.textContent = '';
    s.signinError.textContent = error ?? '';
    s.tokenInput.focus();
  }
}

function boot(): void {
  const root = document.getElementById('lm-app') ?? document.body.appendChild(h('div', { id: 'lm-app' }));
  new ModeratorConsole(root);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
