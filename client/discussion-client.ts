/**
 * Typed SDK over socket.io-client for livethread (PROTOCOL.md §2).
 *
 * Keeps `epoch` and `head` per article, applies events in `seq` order exactly once, and catches up
 * with `thread:join { since, epoch }` after a gap, a reconnect or a `thread:resync`. Posts carry a
 * `clientId` and are retried with the same one, so a retry never doubles a comment.
 *
 * @example
 * const client = new DiscussionClient({ url: 'http://localhost:3000', token });
 * await client.join('demo', { onChange: (thread) => render(thread.comments) });
 * await client.post({ articleId: 'demo', body: 'Hello' });
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Ack, ClientToServerEvents, PresencePayload, ServerToClientEvents } from '../shared/events.js';
import { EMPTY_EPOCH, PAGE_ROOTS } from '../shared/constants.js';
import type { Doc } from '../shared/markdown.js';
import type { Comment, ErrorBody, ErrorCode, JoinResult, Sort, ThreadEvent } from '../shared/schemas.js';
import { chooseTransports, rememberedTransport, sessionMemory, transportsStartingWith, type TransportMemory } from './transport-choice.js';
import { pageHidden } from './page-events.js';
import { DEFAULT_WAKE, watchWake, type WakeOptions } from './wake.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class ClientError extends Error {
  readonly code: ErrorCode | 'timeout';
  readonly retryAfterMs?: number;
  readonly issues?: unknown;
  constructor(body: ErrorBody | { code: 'timeout'; message: string }) {
    super(body.message);
    this.name = 'ClientError';
    this.code = body.code;
    if ('retryAfterMs' in body) this.retryAfterMs = body.retryAfterMs;
    if ('issues' in body) this.issues = body.issues;
  }
}

export interface ThreadState {
  articleId: string;
  epoch: string;
  /** `seq` of the last applied event. */
  head: number;
  /** Every known comment by id (tombstones included); the widget builds the tree. */
  comments: Map<string, Comment>;
  /** The order of root threads this state was loaded in (`setSort` changes it). */
  sort: Sort;
  /** Visible comments of the article, not the number loaded (kept right by events). */
  count: number;
  /** The vote counts are as of this scores version (`thread:scores` brings newer ones). */
  scoresVersion: number;
  /** Cursor for the next root threads (newest and oldest); null when everything is loaded. */
  cursor: string | null;
  /** top: ids of the root threads still to load, best first (`loadOlder` takes them in pages). */
  rank: string[];
  /** A permalink's page: the cursor for the threads on its other side (`loadNewer`). */
  before: string | null;
  /** rootId → cursor of that thread's earlier replies (`loadReplies`), for threads with more. */
  replyCursors: Map<string, string>;
  /** A permalink's page: rootId → cursor of that thread's later replies (`loadReplies(…, true)`). */
  laterReplies: Map<string, string>;
  /** A permalink's page: the comment it was opened for. */
  target: string | null;
  /** How long an author may edit a comment (seconds from its creation). */
  editWindowSeconds: number | null;
  closed: boolean;
}

export type ChangeReason = 'snapshot' | 'reset' | 'event' | 'page' | 'replies' | 'scores' | 'local';

export interface ThreadListener {
  /** After any change to the thread state. */
  onChange?(thread: ThreadState, reason: ChangeReason, event?: ThreadEvent): void;
  /** Each event applied, in order. */
  onEvent?(event: ThreadEvent, thread: ThreadState): void;
  /** Live reader and typing counts (throttled by the server). */
  onPresence?(presence: PresencePayload): void;
}

export interface DiscussionClientOptions {
  url?: string;
  token?: string | null;
  /** A socket to use instead of creating one (tests, custom transports). */
  socket?: ClientSocket;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** How long to wait for an ack. */
  ackTimeoutMs?: number;
  /** How long an event ahead of its turn waits for the gap to fill before a catch-up. */
  gapWaitMs?: number;
  /** Upper bound of the random delay before re-joining after `thread:resync`. */
  resyncJitterMs?: number;
  /** How often a timed-out post is sent again with the same clientId. */
  postRetries?: number;
  /**
   * Where the transport that worked is remembered for the next page view (default: sessionStorage
   * when there is one). Ignored when `socketOptions.transports` names the transports.
   */
  transportMemory?: TransportMemory | null;
  /** How long a WebSocket may take to open before the next attempt starts with polling. */
  websocketOpenMs?: number;
  /** When a page counts as woken up (see wake.ts); false: never check on wake-up. */
  wake?: WakeOptions | false;
  /** How long the catch-up after a wake-up may go unanswered before the connection is dropped as dead. */
  wakeCheckMs?: number;
  /**
   * The token's `exp` passed while connected: the server treats this client as anonymous until
   * `setToken` gives it a fresh one.
   */
  onSessionExpired?: () => void;
}

interface Subscription {
  state: ThreadState | null;
  listeners: Set<ThreadListener>;
  /** Events that arrived while a join was in flight. */
  buffered: ThreadEvent[];
  /** Events ahead of `head + 1`, waiting for the gap to fill. */
  ahead: Map<number, ThreadEvent>;
  gapTimer: ReturnType<typeof setTimeout> | null;
  joining: Promise<void> | null;
  joinAgain: boolean;
  /** A head the server reported that no event has brought us to yet. */
  expectHead: number;
  wantFresh: boolean;
  /** What a fresh join asks for: the sort order, and a permalink's comment (once). */
  sort: Sort;
  around: string | null;
}

export function newClientId(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = c.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class DiscussionClient {
  readonly socket: ClientSocket;
  private readonly subs = new Map<string, Subscription>();
  private readonly ackTimeoutMs: number;
  private readonly gapWaitMs: number;
  private readonly resyncJitterMs: number;
  private readonly postRetries: number;
  private readonly wakeCheckMs: number;
  private readonly stops: (() => void)[] = [];
  /** Connections made so far: tells a request sent on an earlier one. */
  private connections = 0;
  private closed = false;

  constructor(opts: DiscussionClientOptions = {}) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.gapWaitMs = opts.gapWaitMs ?? 250;
    this.resyncJitterMs = opts.resyncJitterMs ?? 500;
    this.postRetries = opts.postRetries ?? 3;
    this.wakeCheckMs = opts.wakeCheckMs ?? 3000;
    const memory = opts.transportMemory === undefined ? sessionMemory() : opts.transportMemory;
    const chosen = !opts.socket && !opts.socketOptions?.transports;
    this.socket =
      opts.socket ??
      (io(opts.url ?? '', {
        transports: transportsStartingWith(rememberedTransport(memory) ?? 'websocket'),
        // A refused WebSocket falls back to long-polling within the same attempt.
        tryAllTransports: true,
        // After a node dies, its readers come back spread over time, not in one burst: the first
        // delay is anywhere between 0.25 and 1.75 s.
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        randomizationFactor: 0.75,
        ...opts.socketOptions,
        auth: opts.token ? { token: opts.token } : {},
      }) as ClientSocket);
    if (chosen) this.stops.push(chooseTransports(this.socket, { memory, websocketOpenMs: opts.websocketOpenMs ?? 5000 }));
    if (opts.wake !== false) this.stops.push(watchWake(() => this.wake(), opts.wake ?? DEFAULT_WAKE));
    this.socket.on('thread:event', (e) => this.onEvent(e));
    this.socket.on('thread:scores', (p) => {
      const sub = this.subs.get(p.articleId);
      const state = sub?.state;
      if (!sub || !state || p.version <= state.scoresVersion) return;
      applyScores(state, p.scores, p.version);
      this.notify(sub, 'scores');
    });
    this.socket.on('session:expired', () => opts.onSessionExpired?.());
    this.socket.on('thread:presence', (p) => {
      const sub = this.subs.get(p.articleId);
      if (!sub) return;
      for (const l of sub.listeners) l.onPresence?.(p);
      // The server is ahead of us and no event has come to say so: one was lost on the way.
      const state = sub.state;
      if (!state || sub.joining || p.head === undefined || p.epoch === undefined) return;
      const sawEmpty = state.epoch === EMPTY_EPOCH && state.head === 0;
      if (p.epoch !== state.epoch && !sawEmpty) {
        // The article's history was lost and started again: reload.
        sub.wantFresh = true;
        void this.rejoin(p.articleId, sub);
      } else if (p.head > state.head) {
        sub.expectHead = Math.max(sub.expectHead, p.head);
        this.armGapTimer(sub);
      }
    });
    this.socket.on('thread:resync', ({ articleId }) => {
      const sub = this.subs.get(articleId);
      if (!sub) return;
      setTimeout(() => this.rejoin(articleId, sub), Math.random() * this.resyncJitterMs);
    });
    // A server that shuts down drops the transport, but should one disconnect us explicitly,
    // come back after a moment (to whichever node the balancer picks) instead of staying away.
    this.socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect' && !this.closed)
        setTimeout(() => this.closed || this.socket.connect(), 500 + Math.random() * 1000);
    });
    // The server could not check the token just now (its store is away): a refusal socket.io
    // does not retry by itself, but a moment later it may well succeed.
    this.socket.on('connect_error', (err) => {
      if (err.message === 'unavailable' && !this.socket.active && !this.closed)
        setTimeout(() => this.closed || this.socket.connect(), 1000 + Math.random() * 2000);
    });
    // Rooms do not survive a reconnect (nor a new token): join every thread again, catching up
    // from `head`. A join already on its way (sent while offline) is left to finish.
    this.socket.on('connect', () => {
      this.connections++;
      for (const [articleId, sub] of this.subs) if (!sub.joining) void this.rejoin(articleId, sub);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Signs in (or out, with null) and reconnects; joined threads are re-joined. */
  setToken(token: string | null): void {
    this.socket.auth = token ? { token } : {};
    this.socket.disconnect().connect();
  }

  /** Sends one event and resolves with its ack's result; rejects with a ClientError. */
  async request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs = this.ackTimeoutMs,
  ): Promise<Extract<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0], { ok: true }>> {
    let ack: Ack<object>;
    try {
      const timed = this.socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<object>> };
      ack = await timed.emitWithAck(event, payload);
    } catch {
      throw new ClientError({ code: 'timeout', message: `no answer to ${event} within ${timeoutMs} ms` });
    }
    if (!ack.ok) throw new ClientError(ack.error);
    return ack as never;
  }

  /**
   * Joins a thread (snapshot), keeps it live, and resolves with its state. `sort` orders its root
   * threads; `around` opens it at a comment (a permalink: its page, with its thread).
   */
  async join(articleId: string, listener?: ThreadListener, opts: { sort?: Sort; around?: string } = {}): Promise<ThreadState> {
    let sub = this.subs.get(articleId);
    if (!sub) {
      sub = {
        sort: opts.sort ?? 'newest',
        around: opts.around ?? null,
        state: null,
        listeners: new Set(),
        buffered: [],
        ahead: new Map(),
        gapTimer: null,
        joining: null,
        joinAgain: false,
        wantFresh: true,
        expectHead: 0,
      };
      this.subs.set(articleId, sub);
    } else if (!sub.state) {
      // Not loaded yet (a first join failed): this join says what to load.
      if (opts.sort) sub.sort = opts.sort;
      sub.around = opts.around ?? null;
    }
    if (listener) sub.listeners.add(listener);
    if (!sub.state || sub.joining) await this.rejoin(articleId, sub);
    if (!sub.state) throw new ClientError({ code: 'unavailable', message: 'could not join the thread' });
    return sub.state;
  }

  /**
   * Leaves a thread. With a listener (one given to join), only that listener stops hearing it,
   * and the thread is left when no listener is left: two widgets on one page can show one thread.
   */
  async leave(articleId: string, listener?: ThreadListener): Promise<void> {
    const sub = this.subs.get(articleId);
    if (!sub) return;
    if (listener) {
      sub.listeners.delete(listener);
      if (sub.listeners.size > 0) return;
    }
    if (sub.gapTimer) clearTimeout(sub.gapTimer);
    this.subs.delete(articleId);
    if (this.socket.connected) await this.request('thread:leave', { articleId }).catch(() => undefined);
  }

  thread(articleId: string): ThreadState | null {
    return this.subs.get(articleId)?.state ?? null;
  }

  /** Reloads a thread in another order of its root threads (a fresh snapshot). */
  async setSort(articleId: string, sort: Sort): Promise<ThreadState | null> {
    const sub = this.subs.get(articleId);
    if (!sub) return null;
    sub.sort = sort;
    sub.around = null;
    sub.wantFresh = true;
    await this.rejoin(articleId, sub);
    return sub.state;
  }

  /**
   * Reloads a thread at a comment (a permalink followed on a page already showing the thread): the
   * page that holds it, with its thread. Rejects with `not_found` (the thread stays as it was) when
   * the reader may not see it.
   */
  async openAround(articleId: string, commentId: string): Promise<ThreadState | null> {
    const sub = this.subs.get(articleId);
    if (!sub) return null;
    sub.around = commentId;
    sub.wantFresh = true;
    await this.rejoin(articleId, sub);
    return sub.state;
  }

  /**
   * Loads the next page of root threads in the thread's order (older ones in newest order, newer
   * ones in oldest order, the next of the ranking in top order); resolves false when there is none.
   * Threads already shown are not shown again, whatever changed meanwhile.
   */
  async loadOlder(articleId: string): Promise<boolean> {
    const sub = this.subs.get(articleId);
    const state = sub?.state;
    if (!sub || !state) return false;
    if (state.sort === 'top') {
      const wanted = state.rank.slice(0, PAGE_ROOTS);
      if (wanted.length === 0) return false;
      const r = await this.request('thread:page', { articleId, sort: 'top', roots: wanted });
      const got = new Set(r.comments.filter((c) => c.parentId === null).map((c) => c.id));
      // Roots the answer could not hold (its size bound) stay first in line.
      state.rank = [...wanted.filter((id) => !got.has(id)), ...state.rank.slice(wanted.length)];
      if (got.size === 0) state.rank = state.rank.slice(1); // a root that is gone: skip it
      this.mergePage(sub, r.comments, r.replyCursors);
      return true;
    }
    if (!state.cursor) return false;
    const r = await this.request('thread:page', { articleId, sort: state.sort, cursor: state.cursor });
    state.cursor = r.cursor;
    this.mergePage(sub, r.comments, r.replyCursors);
    return true;
  }

  /** A permalink's page: loads the threads on its other side (newer, in newest order). */
  async loadNewer(articleId: string): Promise<boolean> {
    const sub = this.subs.get(articleId);
    const state = sub?.state;
    if (!sub || !state?.before) return false;
    const r = await this.request('thread:page', { articleId, sort: state.sort, cursor: state.before, backward: true });
    state.before = r.cursor;
    this.mergePage(sub, r.comments, r.replyCursors);
    return true;
  }

  private mergePage(sub: Subscription, comments: Comment[], replyCursors: Record<string, string> | undefined): void {
    const state = sub.state!;
    for (const c of comments) if (!state.comments.has(c.id)) state.comments.set(c.id, c);
    for (const [rootId, c] of Object.entries(replyCursors ?? {})) state.replyCursors.set(rootId, c);
    this.notify(sub, 'page');
  }

  /** Loads earlier replies of one root thread (or, `later`, a permalink's later ones); resolves false when there are none. */
  async loadReplies(articleId: string, rootId: string, later = false): Promise<boolean> {
    const sub = this.subs.get(articleId);
    const cursors = later ? sub?.state?.laterReplies : sub?.state?.replyCursors;
    const cursor = cursors?.get(rootId);
    if (!sub?.state || !cursors || !cursor) return false;
    const r = await this.request('thread:replies', { articleId, rootId, cursor, ...(later ? { later: true } : {}) });
    for (const c of r.comments) if (!sub.state.comments.has(c.id)) sub.state.comments.set(c.id, c);
    if (r.cursor) cursors.set(rootId, r.cursor);
    else cursors.delete(rootId);
    this.notify(sub, 'replies');
    return true;
  }

  /** Votes on a comment (1 up, -1 down, 0 takes the vote back); the counts are in the state at once. */
  async vote(input: {
    articleId: string;
    commentId: string;
    value: -1 | 0 | 1;
  }): Promise<{ up: number; down: number; myVote: -1 | 0 | 1 }> {
    const r = await this.request('comment:vote', input);
    const sub = this.subs.get(input.articleId);
    const c = sub?.state?.comments.get(input.commentId);
    if (sub && c) {
      const { myVote: _old, ...rest } = c;
      sub.state!.comments.set(c.id, { ...rest, up: r.up, down: r.down, ...(r.myVote ? { myVote: r.myVote } : {}) });
      this.notify(sub, 'local');
    }
    return { up: r.up, down: r.down, myVote: r.myVote };
  }

  /** How a text would look once posted: its document (the widget renders it). */
  async preview(body: string): Promise<Doc> {
    return (await this.request('comment:preview', { body })).doc;
  }

  /**
   * Posts a comment. A timed-out attempt is sent again with the same `clientId`; the server
   * stores it once and acks the same comment every time.
   */
  async post(input: { articleId: string; body: string; parentId?: string | null; clientId?: string }): Promise<Comment> {
    const payload = { ...input, clientId: input.clientId ?? newClientId() };
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.request('comment:post', payload);
        this.applyOwn(input.articleId, r.comment);
        return r.comment;
      } catch (e) {
        if (!(e instanceof ClientError) || e.code !== 'timeout' || attempt >= this.postRetries || this.closed) throw e;
      }
    }
  }

  async edit(input: { articleId: string; commentId: string; body: string }): Promise<Comment> {
    const r = await this.request('comment:edit', input);
    this.applyOwn(input.articleId, r.comment);
    return r.comment;
  }

  async delete(input: { articleId: string; commentId: string }): Promise<void> {
    await this.request('comment:delete', input);
  }

  async report(input: { articleId: string; commentId: string; reason?: string }): Promise<void> {
    await this.request('comment:report', input);
  }

  private lastTyping = new Map<string, number>();
  /** Tells the others "someone is replying"; call on input, it sends at most every 2 s. */
  typing(articleId: string): void {
    // Nobody types into a page they cannot see: a background tab sends nothing.
    if (pageHidden()) return;
    const now = Date.now();
    if (now - (this.lastTyping.get(articleId) ?? 0) < 2000 || !this.socket.connected) return;
    this.lastTyping.set(articleId, now);
    this.request('thread:typing', { articleId }).catch(() => undefined);
  }

  /**
   * Checks the connection and catches up now: after a sleep, a network change or a long time in
   * the background (called by itself on those in browsers; see wake.ts). Disconnected, it
   * reconnects without waiting for the next retry; connected, it re-joins every thread from its
   * head (one `since` join each), and a connection that does not answer within `wakeCheckMs` is
   * dropped as dead, so the reconnection catches up instead.
   */
  wake(): void {
    if (this.closed) return;
    if (!this.socket.connected) {
      this.socket.disconnect().connect();
      return;
    }
    const engine = this.socket.io.engine;
    const joins = [...this.subs].filter(([, sub]) => sub.state && !sub.joining).map(([id, sub]) => this.rejoin(id, sub));
    if (joins.length === 0) return;
    let answered = false;
    const timer = setTimeout(() => {
      if (!answered && this.socket.io.engine === engine && !this.closed) engine.close();
    }, this.wakeCheckMs);
    void Promise.allSettled(joins).then(() => {
      answered = true;
      clearTimeout(timer);
    });
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const sub of this.subs.values()) if (sub.gapTimer) clearTimeout(sub.gapTimer);
    this.subs.clear();
    this.socket.disconnect();
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────

  /** The author's own comment from an ack: shown at once (a held one is only in the ack). */
  private applyOwn(articleId: string, comment: Comment): void {
    const sub = this.subs.get(articleId);
    if (!sub?.state) return;
    const known = sub.state.comments.get(comment.id);
    if (!known || comment.status === 'pending' || (known.editedAt ?? '') < (comment.editedAt ?? '')) {
      sub.state.comments.set(comment.id, comment);
      this.notify(sub, 'local');
    }
  }

  /** Joins (or re-joins with `since`) one at a time per thread; a request during one repeats it. */
  private rejoin(articleId: string, sub: Subscription): Promise<void> {
    if (this.subs.get(articleId) !== sub) return Promise.resolve();
    if (sub.joining) {
      sub.joinAgain = true;
      return sub.joining;
    }
    sub.joining = (async () => {
      do {
        sub.joinAgain = false;
        sub.buffered = [];
        const state = sub.state;
        const payload =
          state && !sub.wantFresh
            ? { articleId, since: state.head, epoch: state.epoch, scores: state.scoresVersion, sort: state.sort }
            : { articleId, sort: sub.sort, ...(sub.around ? { around: sub.around } : {}) };
        const sentOn = this.connections;
        try {
          const r = await this.request('thread:join', payload);
          if (this.subs.get(articleId) !== sub) {
            // Left while the join was on its way: the server put us in the room after the leave.
            if (!this.subs.has(articleId) && this.socket.connected) void this.request('thread:leave', { articleId }).catch(() => undefined);
            return;
          }
          this.applyJoin(sub, r);
        } catch (e) {
          if (this.subs.get(articleId) !== sub) return;
          // A permalink to a comment the reader may not see: say so, and load the thread as it was.
          if (sub.around && e instanceof ClientError && e.code === 'not_found') {
            sub.around = null;
            sub.wantFresh = sub.state === null;
            throw e;
          }
          // Not connected: the reconnect handler joins again. Otherwise surface the error.
          if (!this.socket.connected) return;
          // Sent on a connection that died since (its answer never came): ask the new one.
          if (this.connections !== sentOn) {
            sub.joinAgain = true;
            continue;
          }
          // Asked to slow down (many threads re-joined at once): come back when told to.
          if (e instanceof ClientError && e.code === 'rate_limited' && sub.state) {
            setTimeout(() => void this.rejoin(articleId, sub), (e.retryAfterMs ?? 1000) + Math.random() * 200);
            return;
          }
          if (!sub.state) throw e;
        }
      } while (sub.joinAgain);
    })().finally(() => {
      sub.joining = null;
    });
    return sub.joining;
  }

  private applyJoin(sub: Subscription, r: JoinResult): void {
    if ('events' in r) {
      for (const e of r.events) this.applyInOrder(sub, e);
      const state = sub.state!;
      if (r.count !== undefined) state.count = r.count;
      if (r.scores && r.scoresVersion !== undefined && r.scoresVersion > state.scoresVersion) {
        applyScores(state, r.scores, r.scoresVersion);
        this.notify(sub, 'scores');
      }
      // The answer stopped at its size bound: ask for the rest from where it ended.
      if (r.more) sub.joinAgain = true;
    } else {
      const comments = new Map<string, Comment>();
      for (const c of r.comments) comments.set(c.id, c);
      sub.around = null;
      // A permalink's page comes in newest (or oldest) order, whatever was asked: it is the order shown now.
      if (r.sort) sub.sort = r.sort;
      sub.state = {
        articleId: r.articleId,
        epoch: r.epoch,
        head: r.head,
        sort: r.sort ?? sub.sort,
        count: r.count ?? [...comments.values()].filter((c) => c.status === 'visible').length,
        scoresVersion: r.scoresVersion ?? 0,
        comments,
        cursor: r.cursor,
        rank: r.rank ?? [],
        before: r.before ?? null,
        replyCursors: new Map(Object.entries(r.replyCursors ?? {})),
        laterReplies: new Map(Object.entries(r.laterReplies ?? {})),
        target: r.target ?? null,
        editWindowSeconds: r.editWindowSeconds ?? null,
        closed: r.closed ?? false,
      };
      sub.ahead.clear();
      sub.expectHead = 0;
      sub.wantFresh = false;
      this.notify(sub, r.reset ? 'reset' : 'snapshot');
    }
    const buffered = sub.buffered.sort((a, b) => a.seq - b.seq);
    sub.buffered = [];
    for (const e of buffered) this.receive(sub, e);
  }

  private onEvent(e: ThreadEvent): void {
    const sub = this.subs.get(e.articleId);
    if (!sub) return;
    if (sub.joining || !sub.state) {
      sub.buffered.push(e);
      return;
    }
    this.receive(sub, e);
  }

  private receive(sub: Subscription, e: ThreadEvent): void {
    const state = sub.state!;
    if (e.epoch !== state.epoch) {
      // An article we saw empty has started its history: we hold nothing that could conflict with it.
      if (state.epoch === EMPTY_EPOCH && state.head === 0) state.epoch = e.epoch;
      else {
        sub.wantFresh = true;
        void this.rejoin(state.articleId, sub);
        return;
      }
    }
    if (e.seq <= state.head) return;
    if (e.seq === state.head + 1) {
      this.applyInOrder(sub, e);
      return;
    }
    sub.ahead.set(e.seq, e);
    this.armGapTimer(sub);
  }

  /** Two nodes may publish seq 6 before seq 5: wait briefly for the late one, then catch up. */
  private armGapTimer(sub: Subscription): void {
    sub.gapTimer ??= setTimeout(() => {
      sub.gapTimer = null;
      const state = sub.state;
      if (state && (sub.ahead.size > 0 || state.head < sub.expectHead)) void this.rejoin(state.articleId, sub);
    }, this.gapWaitMs);
  }

  private applyInOrder(sub: Subscription, first: ThreadEvent): void {
    const state = sub.state!;
    let e: ThreadEvent | undefined = first;
    while (e) {
      if (e.seq === state.head + 1) {
        state.head = e.seq;
        applyEvent(state, e);
        for (const l of sub.listeners) l.onEvent?.(e, state);
        this.notify(sub, 'event', e);
      }
      sub.ahead.delete(e.seq);
      e = sub.ahead.get(state.head + 1);
    }
    for (const seq of sub.ahead.keys()) if (seq <= state.head) sub.ahead.delete(seq);
    if (sub.ahead.size === 0 && state.head >= sub.expectHead && sub.gapTimer) {
      clearTimeout(sub.gapTimer);
      sub.gapTimer = null;
    }
  }

  private notify(sub: Subscription, reason: ChangeReason, e?: ThreadEvent): void {
    if (!sub.state) return;
    for (const l of sub.listeners) l.onChange?.(sub.state, reason, e);
  }
}

/** The thread state after one event (pure on the state it is given). */
export function applyEvent(state: ThreadState, e: ThreadEvent): void {
  if (e.count !== undefined) state.count = e.count;
  switch (e.type) {
    case 'comment.hidden': {
      // Held for review after it was public: it leaves the thread until a moderator brings it back.
      const id = e.comment?.id ?? e.commentId;
      if (id) state.comments.delete(id);
      return;
    }
    case 'thread.closed':
      state.closed = true;
      return;
    case 'thread.reopened':
      state.closed = false;
      return;
    default:
      if (e.comment) state.comments.set(e.comment.id, withVotesOf(state.comments.get(e.comment.id), e.comment));
  }
}

/** An event's comment carries no votes (`thread:scores` does): keep the ones known. */
function withVotesOf(known: Comment | undefined, c: Comment): Comment {
  if (!known || c.up !== undefined) return c;
  return {
    ...c,
    ...(known.up !== undefined ? { up: known.up } : {}),
    ...(known.down !== undefined ? { down: known.down } : {}),
    ...(known.myVote ? { myVote: known.myVote } : {}),
  };
}

/** Vote counts that changed, as of scores version `version`, on the comments the state holds. */
export function applyScores(state: ThreadState, scores: Record<string, [number, number]>, version: number): void {
  for (const [id, [up, down]] of Object.entries(scores)) {
    const c = state.comments.get(id);
    if (c) state.comments.set(id, { ...c, up, down });
  }
  state.scoresVersion = version;
}
