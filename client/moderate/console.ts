/**
 * The moderator console (`GET /moderate`, bundled as /moderate.js).
 *
 * Sign in with a moderator token → a DiscussionClient on this origin → `mod:watch` (the queue,
 * and every `mod:event` from then on) → the Held/Reported queue, the live feed, the Thread box
 * and the audit log, all kept current from `mod:event`. After a reconnect the console watches
 * again and reloads the queue and the audit log. User text is only ever set with textContent.
 */
import type { ModEventPayload } from '../../shared/events.js';
import { ClientError, DiscussionClient } from '../discussion-client.js';
import { AuditLoadError, AuditView, fetchAuditLog } from './audit.js';
import { h } from './dom.js';
import { FeedView } from './feed.js';
import { describeError, refreshTimes, tokenInfo, type TokenInfo } from './format.js';
import { QueueView } from './queue.js';
import { BanList, CardRegistry, type Ctx } from './state.js';
import { ThreadBox } from './thread.js';

const TOKEN_KEY = 'livethread:modtoken';
const BASE_TITLE = 'Moderation · livethread';

type StatusState = 'signed-out' | 'connecting' | 'live' | 'reconnecting';
const STATUS_TEXT: Record<StatusState, string> = {
  'signed-out': 'Signed out',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

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

/** The page chrome: top bar, sign-in card, and the console's columns. */
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
  readonly queueCol: HTMLElement;
  readonly queueHeading: HTMLHeadingElement;
  readonly feedCol: HTMLElement;
  readonly feedHeadingExtra: HTMLElement;
  readonly threadCol: HTMLElement;
  readonly auditCol: HTMLElement;
  readonly globalError: HTMLParagraphElement;
  readonly announcer: HTMLElement;

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
      { class: 'lm-user', hidden: true },
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
        'Paste a token signed with role “moderator”, for example from ',
        h('code', null, 'npm run token -- --sub you --name You --role moderator'),
        '. It is kept in this browser until you sign out.',
      ),
      h('div', { class: 'lm-row' }, this.signinBtn, this.cancelBtn),
      this.signinNote,
      this.signinError,
    );
    this.signinView = h('section', { class: 'lm-signin-view' }, h('div', { class: 'lm-card' }, this.form));

    // ── console ──
    const col = (id: string, title: string, cls: string, extra?: Node) => {
      const heading = h('h2', { id, class: 'lm-heading', tabindex: -1 }, title);
      const section = h(
        'section',
        { class: `lm-col ${cls}`, 'aria-labelledby': id },
        h('div', { class: 'lm-col-head' }, heading, extra ?? null),
      );
      return { section, heading };
    };
    const queue = col('lm-queue-heading', 'Review queue', 'lm-col-queue');
    this.queueCol = queue.section;
    this.queueHeading = queue.heading;
    this.feedHeadingExtra = h('span', { class: 'lm-col-extra' });
    this.feedCol = col('lm-feed-heading', 'Live feed', 'lm-col-feed', this.feedHeadingExtra).section;
    this.threadCol = col('lm-thread-heading', 'Thread', 'lm-col-thread').section;
    this.auditCol = col('lm-audit-heading', 'Audit log', 'lm-col-audit').section;
    this.globalError = h('p', { class: 'lm-error lm-global-error', role: 'alert' });
    this.consoleView = h(
      'div',
      { class: 'lm-console', hidden: true },
      this.globalError,
      h('div', { class: 'lm-grid' }, this.queueCol, this.feedCol, h('div', { class: 'lm-side' }, this.threadCol, this.auditCol)),
    );

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
  private readonly audit: AuditView;
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
    this.bans = new BanList(() => this.registry.refreshAll());
    const ctx: Ctx = {
      client: this.client,
      registry: this.registry,
      bans: this.bans,
      openThread: (articleId) => this.thread.open(articleId),
      isLive: () => this.watching && this.client.connected,
      names: new Map(),
    };
    this.ctx = ctx;
    this.queue = new QueueView(
      ctx,
      (n) => this.setCount(n),
      (text) => shell.announce(text),
    );
    this.feed = new FeedView(ctx, 'lm-feed-heading');
    this.thread = new ThreadBox(ctx, 'lm-thread-heading');
    this.audit = new AuditView(ctx, 'lm-audit-heading', () => void this.loadAudit());
    shell.queueCol.append(this.queue.el);
    shell.feedHeadingExtra.replaceChildren(this.feed.counter);
    shell.feedCol.append(this.feed.el);
    shell.threadCol.append(this.thread.el);
    shell.auditCol.append(this.audit.el);

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

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.watching = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.auditAbort?.abort();
    this.thread.dispose();
    this.queue.clear();
    this.feed.clear();
    this.audit.clear();
    this.registry.clear();
    this.bans.clear();
    this.client.close();
    for (const v of [this.queue.el, this.feed.el, this.thread.el, this.audit.el]) v.remove();
    this.shell.feedHeadingExtra.replaceChildren();
    this.setCount(0);
  }

  private onConnectError(err: Error): void {
    if (this.ended) return;
    if (err.message === 'unauthorized') {
      this.onEnd(
        'The server refused this token (unauthorized): it is malformed, signed with another secret, or expired. Paste a fresh moderator token.',
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
    try {
      const { queue } = await this.client.request('mod:watch', {});
      if (this.ended) return;
      this.watching = true;
      this.shell.globalError.textContent = '';
      this.queue.load(queue);
      for (const e of this.duringWatch ?? []) this.queue.onModEvent(e);
      this.duringWatch = null;
      for (const item of queue) if (item.comment.author) this.ctx.names.set(item.comment.author.id, item.comment.author.name);
      this.shell.setStatus('live');
      this.registry.refreshAll();
      if (!this.started) {
        this.started = true;
        this.showConsole();
      } else {
        this.feed.marker('Reconnected. Queue and audit log reloaded; feed events sent while offline are not shown.');
      }
      void this.loadAudit();
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
    shell.queueHeading.focus();
  }

  private async loadAudit(): Promise<void> {
    this.auditAbort?.abort();
    const abort = new AbortController();
    this.auditAbort = abort;
    try {
      const entries = await fetchAuditLog(this.token, abort.signal);
      if (this.ended || abort.signal.aborted) return;
      this.audit.load(entries);
      this.bans.fromAudit(this.audit.all());
    } catch (err) {
      if (this.ended || abort.signal.aborted) return;
      if (err instanceof AuditLoadError && err.status === 401) {
        this.onEnd('The server refused this token for the audit log (unauthorized). Sign in again.', true);
        return;
      }
      this.audit.showError(err instanceof AuditLoadError ? err.message : 'the request failed');
    }
  }

  private onModEvent(e: ModEventPayload): void {
    if (this.ended) return;
    const c = e.comment;
    if (c) {
      this.registry.update(c);
      if (c.author) this.ctx.names.set(c.author.id, c.author.name);
    }
    const userId = e.audit?.userId;
    if (userId && e.type === 'user.banned') this.bans.set(userId, true);
    if (userId && e.type === 'user.unbanned') this.bans.set(userId, false);
    this.duringWatch?.push(e);
    this.queue.onModEvent(e);
    this.feed.onModEvent(e);
    this.thread.onModEvent(e);
    if (e.audit) this.audit.add(e.audit);
  }

  private setCount(n: number): void {
    document.title = n > 0 ? `(${n}) ${BASE_TITLE}` : BASE_TITLE;
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
      if (token.split('.').length !== 3) {
        s.signinError.textContent = 'That does not look like a token: a token has three parts separated by dots.';
        s.tokenInput.focus();
        return;
      }
      storage.set(token);
      this.start(token);
    });
    s.cancelBtn.addEventListener('click', () => this.stop(null, true));
    s.signOutBtn.addEventListener('click', () => this.stop(null, true));
    setInterval(() => refreshTimes(document), 30_000);

    const saved = storage.get();
    if (saved) {
      s.tokenInput.value = saved;
      this.start(saved);
    } else {
      s.tokenInput.focus();
    }
  }

  private start(token: string): void {
    this.session?.end();
    const s = this.shell;
    s.setStatus('connecting');
    s.signinBtn.disabled = true;
    s.signinBtn.textContent = 'Signing in…';
    s.cancelBtn.hidden = false;
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
