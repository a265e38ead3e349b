/**
 * Reply e-mails, from the event log through a durable outbox.
 *
 * One node at a time (the lease `~mail` in the WebhookStore) reads the change feed after its own
 * mark and each article's log after its own cursor, like a webhook endpoint. For every
 * `comment.created` (a comment readers can now see: a held one arrives here when approved) it
 * finds who should hear of it: the authors of every comment above it, and the thread's followers;
 * never its own author, nobody unsubscribed, nobody with the article open in a widget right now
 * (they saw it arrive live). Each recipient gets the comment added to their batch for the thread
 * in the outbox: the first waits NOTIFY_DELAY_MS for company, and after an e-mail about a thread
 * the next waits until NOTIFY_COALESCE_MS has passed, so a busy thread is one e-mail, not ten.
 *
 * Due batches are sent by the same node: each comment is read again and only the ones still
 * visible go in (a removed one is left out; a batch with none left is dropped). A batch leaves the
 * outbox only after the SMTP server accepted it; its Message-ID is fixed when it is created, so
 * the one resend a crash can cause is recognisable. Addresses are never logged.
 */
import { PassRunner } from './pass-runner.js';
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config.js';
import { DomainError } from '../core/errors.js';
import type {
  CommentStore,
  MailBatch,
  MailPerson,
  MailStore,
  StoredComment,
  User,
  WebhookEndpointState,
  WebhookStore,
} from '../core/ports.js';
import type { AppServer } from '../gateway/handlers.js';
import { articleOfRoom } from '../gateway/rooms.js';
import { withoutAddresses } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { PersonalDataSource } from '../core/people.js';
import { MailLinks, type UnsubscribeScope } from './mail-links.js';
import { headerText, renderConfirm, renderModeration, renderReplies, type RenderedMail } from './mail-render.js';

/** The mail pipeline's place in the change feed and the lease (WebhookStore's endpoint names). */
const MAIL_KEY = '~mail';
const FEED_PAGE = 100;
const EVENTS_PAGE = { limit: 50, maxBytes: 512 * 1024 };
const DUE_PAGE = 20;
/** Ancestors looked at for a reply (deeper threads notify the nearest 100). */
const MAX_DEPTH = 100;
const MAX_RECIPIENTS = 1000;
const WATCH_TICK_MS = 2000;
const WATCH_TTL_MS = 3 * WATCH_TICK_MS;
const RETRY_MS = 60_000;
const DAY_MS = 24 * 3600_000;
const FOLLOWS_MAX = 200;
/** Addresses remembered per node to skip writing an unchanged one (cleared when full). */
const SEEN_MAX = 10_000;
const CONFIRM_EVERY_MS = 60_000;
const ACTIVITY_PAGE = 100;
/** What moderators are e-mailed about (from the activity log). */
const MOD_MAIL_TYPES = new Set<string>(['comment.held', 'comment.reported']);
/** The "thread" of a moderator's batches: every article's held and reported comments together. */
const MOD_THREAD = '~moderation';
/** The moderators' queue digest, in `lastMailed`. */
const QUEUE_DIGEST = '~queue-digest';
const DIGEST_ITEMS = 50;

interface ModItem {
  reported: boolean;
  comment: StoredComment;
}
/** One confirmation per address this often, whoever asks. */
const CONFIRM_TO_EVERY_MS = 15 * 60_000;

export const EmailAddress = z.email({ message: 'expected an e-mail address' }).max(254);

export interface MailDeps {
  config: Config;
  store: CommentStore;
  hooks: WebhookStore;
  mail: MailStore;
  logger: Logger;
  metrics: Metrics;
  io?: AppServer;
  /** Replaces the SMTP transport (tests). */
  transport?: Transporter;
}

export type MailSettingsPatch = {
  replies?: boolean;
  digest?: 'instant' | 'daily';
  follow?: { articleId: string; rootId: string; on: boolean };
};

export class Mail {
  readonly enabled: boolean;
  private readonly transport: Transporter | null;
  private readonly links: MailLinks | null;
  private readonly holder = createHash('sha256').update(`${process.pid}:${Math.random()}`).digest('hex').slice(0, 16);
  private readonly startedAt = new Date().toISOString();
  private readonly seen = new Map<string, string>();
  /** Writes of a token's address under way, per user: settings wait for them (same record). */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly confirmations = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private readonly runner = new PassRunner(
    () => this.pass(),
    (err: unknown) => this.deps.logger.error({ err: withoutAddresses(String((err as Error)?.message ?? err)) }, 'mail: a pass failed'),
    () => !this.closed && this.enabled,
  );
  private closed = false;
  private digestCheckedAt = 0;
  /** Times of recent comments per thread (see heat). */
  private readonly recent = new Map<string, number[]>();
  /** The lease went to another node during this pass. */
  private lost = false;

  constructor(private readonly deps: MailDeps) {
    const { SMTP_URL, MAIL_FROM, PUBLIC_URL, AUTH_SECRET } = deps.config;
    this.enabled = Boolean(SMTP_URL && MAIL_FROM && PUBLIC_URL);
    this.transport = this.enabled
      ? (deps.transport ??
        nodemailer.createTransport({ url: SMTP_URL, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }))
      : null;
    this.links = this.enabled ? new MailLinks(AUTH_SECRET, PUBLIC_URL!) : null;
  }

  start(): void {
    if (!this.enabled) return;
    const poll = setInterval(() => this.wake(), this.deps.config.NOTIFY_POLL_MS);
    poll.unref();
    this.timers.push(poll);
    const io = this.deps.io;
    if (io) {
      const watch = setInterval(() => void this.noteWatching(), WATCH_TICK_MS);
      watch.unref();
      this.timers.push(watch);
      // At once when someone opens an article, not only at the next tick.
      io.of('/').adapter.on('join-room', (room: string, id: string) => {
        const articleId = articleOfRoom(room);
        const viewer = articleId ? io.of('/').sockets.get(id)?.data.viewer : null;
        if (articleId && viewer) {
          this.deps.mail.noteWatching([{ userId: viewer.id, articleId }], WATCH_TTL_MS).catch(() => undefined);
        }
      });
      // Leaving (or closing the page) ends it at once, unless another of their sockets on this
      // node still has the article open; other nodes renew theirs at their next tick.
      io.of('/').adapter.on('leave-room', (room: string, id: string) => {
        const articleId = articleOfRoom(room);
        const viewer = articleId ? io.of('/').sockets.get(id)?.data.viewer : null;
        if (!articleId || !viewer) return;
        // Only the article's room, not every socket of the node: a storm of leaves stays linear.
        const sockets = io.of('/').sockets;
        for (const other of io.of('/').adapter.rooms.get(room) ?? []) {
          if (other !== id && sockets.get(other)?.data.viewer?.id === viewer.id) return;
        }
        this.deps.mail.noteWatching([{ userId: viewer.id, articleId }], 1).catch(() => undefined);
      });
    }
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.runner.idle();
    await this.deps.hooks.releaseLease(MAIL_KEY, this.holder).catch(() => undefined);
    this.transport?.close();
  }

  /** Who has an article open on this node, signed in (renewed every tick). */
  private async noteWatching(): Promise<void> {
    const pairs: { userId: string; articleId: string }[] = [];
    for (const socket of this.deps.io!.of('/').sockets.values()) {
      const viewer = socket.data.viewer;
      if (!viewer) continue;
      for (const room of socket.rooms) {
        const articleId = articleOfRoom(room);
        if (articleId) pairs.push({ userId: viewer.id, articleId });
      }
      if (pairs.length >= 50_000) break;
    }
    await this.deps.mail.noteWatching(pairs, WATCH_TTL_MS).catch(() => undefined);
  }

  wake(): void {
    this.runner.wake();
  }

  private async pass(): Promise<void> {
    const { hooks } = this.deps;
    const lease = this.deps.config.NOTIFY_LEASE_MS;
    if (!(await hooks.claimLease(MAIL_KEY, this.holder, lease))) return;
    // Renewed while this pass works (a send can take longer than the lease): a node that dies
    // stops renewing, and another takes over once the lease runs out.
    const beat = setInterval(
      () => {
        hooks.claimLease(MAIL_KEY, this.holder, lease).then(
          (held) => {
            if (!held) this.lost = true;
          },
          () => undefined,
        );
      },
      Math.max(100, Math.floor(lease / 3)),
    );
    this.lost = false;
    try {
      await this.work();
    } finally {
      clearInterval(beat);
    }
  }

  private async work(): Promise<void> {
    const { hooks } = this.deps;
    const state = (await hooks.endpointState(MAIL_KEY)) ?? {
      since: this.startedAt,
      mark: 0,
      activity: 0,
      failures: 0,
      failingSince: null,
      retryAt: null,
      failing: false,
      lastSuccessAt: null,
      lastError: null,
      replaySince: null,
    };
    for (;;) {
      const feed = await hooks.changedSince(state.mark, FEED_PAGE);
      for (const { articleId, mark } of feed.articles) {
        if (this.lost) return;
        await this.readArticle(articleId, state.since);
        state.mark = mark;
        await hooks.setEndpointState(MAIL_KEY, state);
      }
      if (feed.articles.length < FEED_PAGE || this.closed) break;
    }
    await this.readActivity(state);
    await this.sendDue();
    await this.queueDigests();
  }

  /** Queues e-mail for each new visible comment of the article after the pipeline's cursor. */
  private async readArticle(articleId: string, since: string): Promise<void> {
    const { store, hooks } = this.deps;
    const logSize = this.deps.config.EVENT_LOG_SIZE;
    let cursor = await hooks.cursor(MAIL_KEY, articleId);
    for (let guard = 0; guard < 10_000 && !this.closed; guard++) {
      const head = (await store.heads([articleId]))[articleId];
      if (!head || head.head === 0) return;
      const fresh = !cursor || cursor.epoch !== head.epoch;
      const from = fresh ? Math.max(0, head.head - logSize) : cursor!.seq;
      if (from >= head.head) return;
      const r = await store.eventsSince(articleId, from, EVENTS_PAGE);
      if (r.kind === 'gone') {
        this.deps.logger.warn({ articleId }, 'mail: fell behind the event log; some comments were not e-mailed');
        cursor = { epoch: r.epoch ?? head.epoch, seq: r.head };
        await hooks.setCursor(MAIL_KEY, articleId, cursor);
        return;
      }
      for (const e of r.events) {
        if (e.type === 'comment.created' && !(fresh && e.at < since)) {
          const c = e.comment ?? (e.commentId ? await store.get(articleId, e.commentId) : null);
          if (c) await this.queueFor(c);
        }
        cursor = { epoch: r.epoch, seq: e.seq };
        await hooks.setCursor(MAIL_KEY, articleId, cursor);
      }
      if (r.events.length === 0 || (!r.more && cursor!.seq >= r.head)) return;
    }
  }

  /** Held and reported comments from the activity log: queued for the moderators with an address. */
  private async readActivity(state: WebhookEndpointState): Promise<void> {
    const { store, mail, hooks, config, metrics } = this.deps;
    for (let guard = 0; guard < 200 && !this.closed && !this.lost; guard++) {
      const entries = await store.activity(state.activity, ACTIVITY_PAGE);
      if (entries.length === 0) return;
      const mods = entries.some((e) => MOD_MAIL_TYPES.has(e.type) && e.at >= state.since) ? await mail.moderators() : [];
      for (const e of entries) {
        if (MOD_MAIL_TYPES.has(e.type) && e.at >= state.since && e.articleId && e.commentId) {
          for (const userId of mods) {
            const person = await mail.person(userId);
            if (!person?.email || person.none) continue;
            const now = Date.now();
            const last = await mail.lastMailed(userId, MOD_THREAD);
            const sendAt = Math.max(now + config.NOTIFY_DELAY_MS, last === null ? 0 : last + config.NOTIFY_COALESCE_MS);
            const key = `${userId}\n${MOD_THREAD}`;
            const id = createHash('sha256').update(`${key}\n${e.seq}`).digest('base64url').slice(0, 24);
            const item = `${e.type}\n${e.articleId}\n${e.commentId}`;
            const r = await mail.queueMail({ key, id, userId, articleId: '', rootId: '', sendAt }, item);
            if (r === 'added') metrics.mailSuppressed.inc({ reason: 'coalesced' });
          }
        }
        state.activity = e.seq;
      }
      await hooks.setEndpointState(MAIL_KEY, state);
      if (entries.length < ACTIVITY_PAGE) return;
    }
  }

  private async queueFor(c: StoredComment): Promise<void> {
    const { store, mail, metrics, config } = this.deps;
    if (c.status !== 'visible' || !c.author) return;
    const authorId = c.author.id;
    const recipients = new Map<string, 'reply' | 'follow'>();
    let parentId = c.parentId;
    for (let depth = 0; parentId && depth < MAX_DEPTH; depth++) {
      const p = await store.get(c.articleId, parentId);
      if (!p) break;
      if (p.author && p.author.id !== authorId && !recipients.has(p.author.id)) recipients.set(p.author.id, 'reply');
      parentId = p.parentId;
    }
    // Followers hear of what comes below the root (the root itself came before anyone followed).
    const followers = c.id === c.rootId ? [] : await mail.followers(c.articleId, c.rootId, MAX_RECIPIENTS);
    for (const f of followers) {
      if (f !== authorId && !recipients.has(f) && recipients.size < MAX_RECIPIENTS) recipients.set(f, 'follow');
    }
    const threadKey = `${c.articleId}\n${c.rootId}`;
    const hot = this.heat(threadKey);
    for (const [userId, reason] of recipients) {
      const person = await mail.person(userId);
      if (!person?.email) continue;
      if (person.none || (reason === 'reply' && !person.replies) || person.muted?.includes(threadKey)) {
        metrics.mailSuppressed.inc({ reason: 'unsubscribed' });
        continue;
      }
      if (reason === 'follow' && !person.follows.includes(threadKey)) continue;
      if (await mail.isWatching(userId, c.articleId)) {
        metrics.mailSuppressed.inc({ reason: 'watching' });
        continue;
      }
      const now = Date.now();
      const last = await mail.lastMailed(userId, threadKey);
      const sendAt =
        person.digest === 'daily'
          ? now + DAY_MS
          : Math.max(now + config.NOTIFY_DELAY_MS, last === null ? 0 : last + config.NOTIFY_COALESCE_MS);
      const key = `${userId}\n${threadKey}`;
      const id = createHash('sha256').update(`${key}\n${c.id}`).digest('base64url').slice(0, 24);
      // A hot thread: its followers get it in a daily digest (replies to them still come promptly).
      const digest = reason === 'follow' && hot >= config.NOTIFY_HOT_PER_HOUR;
      const r = await mail.queueMail(
        { key, id, userId, articleId: c.articleId, rootId: c.rootId, sendAt: digest ? Math.max(sendAt, now + DAY_MS) : sendAt },
        c.id,
      );
      if (r === 'added') metrics.mailSuppressed.inc({ reason: 'coalesced' });
      if (r === 'added' && digest && hot === config.NOTIFY_HOT_PER_HOUR) await mail.reschedule(key, now + DAY_MS);
    }
  }

  /**
   * New comments of a thread within the last hour, counting this one (kept by the node that
   * holds the e-mail lease; a new holder starts counting afresh). At most 10,000 threads.
   */
  private heat(threadKey: string): number {
    const now = Date.now();
    const times = (this.recent.get(threadKey) ?? []).filter((t) => t > now - 3600_000);
    times.push(now);
    this.recent.delete(threadKey);
    if (this.recent.size >= 10_000) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(threadKey, times.slice(-1000));
    return times.length;
  }

  private async sendDue(): Promise<void> {
    const { mail, hooks } = this.deps;
    for (let guard = 0; guard < 50 && !this.closed; guard++) {
      const due = await mail.dueMail(Date.now(), DUE_PAGE);
      if (due.length === 0) return;
      for (const b of due) {
        // Checked before each send: no other node sends while this one does.
        if (this.lost || !(await hooks.claimLease(MAIL_KEY, this.holder, this.deps.config.NOTIFY_LEASE_MS))) return;
        await this.sendBatch(b);
      }
    }
  }

  private async sendBatch(b: MailBatch): Promise<void> {
    const { mail, store, metrics } = this.deps;
    if (b.key.endsWith(`\n${MOD_THREAD}`)) return this.sendModeratorBatch(b);
    const threadKey = `${b.articleId}\n${b.rootId}`;
    const person = await mail.person(b.userId);
    if (!person?.email || person.none || person.muted?.includes(threadKey)) {
      await mail.finishMail(b.key);
      metrics.mailSuppressed.inc({ reason: 'unsubscribed' });
      return;
    }
    const following = person.follows.includes(threadKey);
    if (!following && !person.replies) {
      await mail.finishMail(b.key);
      metrics.mailSuppressed.inc({ reason: 'unsubscribed' });
      return;
    }
    const comments = await Promise.all(b.commentIds.map((id) => store.get(b.articleId, id)));
    const visible = comments.filter((c): c is StoredComment & { author: NonNullable<StoredComment['author']> } =>
      Boolean(c && c.status === 'visible' && c.author),
    );
    if (visible.length === 0) {
      await mail.finishMail(b.key);
      metrics.mailSuppressed.inc({ reason: 'removed' });
      return;
    }
    const links = this.links!;
    const unsubscribeThread = links.unsubscribeUrl(b.userId, { kind: 'thread', articleId: b.articleId, rootId: b.rootId });
    const unsubscribeAll = links.unsubscribeUrl(b.userId, { kind: 'all' });
    const oneClick = following ? unsubscribeThread : links.unsubscribeUrl(b.userId, { kind: 'replies' });
    const rendered = renderReplies({
      recipientName: person.name,
      articleId: b.articleId,
      reason: following ? 'follow' : 'reply',
      items: visible.map((c) => ({ authorName: c.author.name, body: c.body, createdAt: c.createdAt, url: this.commentUrl(c) })),
      more: 0,
      unsubscribeThread,
      unsubscribeAll,
    });
    await this.deliver(b, person.email, rendered, oneClick, threadKey);
  }

  /**
   * The review queue, to each moderator with an address every NOTIFY_QUEUE_DIGEST_MS while it is
   * not empty (the first period starts when they are first seen here).
   */
  private async queueDigests(): Promise<void> {
    const { mail, store, config, metrics, logger } = this.deps;
    const now = Date.now();
    if (now - this.digestCheckedAt < Math.min(60_000, config.NOTIFY_QUEUE_DIGEST_MS / 4)) return;
    this.digestCheckedAt = now;
    let queue: Awaited<ReturnType<CommentStore['queue']>> | null = null;
    for (const userId of await mail.moderators()) {
      if (this.lost || this.closed) return;
      const last = await mail.lastMailed(userId, QUEUE_DIGEST);
      if (last === null) {
        await mail.setLastMailed(userId, QUEUE_DIGEST, now);
        continue;
      }
      if (now - last < config.NOTIFY_QUEUE_DIGEST_MS) continue;
      const person = await mail.person(userId);
      queue ??= await store.queue(DIGEST_ITEMS);
      if (!person?.email || person.none || queue.length === 0) {
        await mail.setLastMailed(userId, QUEUE_DIGEST, now);
        continue;
      }
      const items: { reported: boolean; articleId: string; authorName: string; body: string; reason: string | null }[] = [];
      for (const e of queue) {
        const c = await store.get(e.articleId, e.commentId);
        if (c)
          items.push({
            reported: e.reason === 'reported',
            articleId: e.articleId,
            authorName: c.author?.name ?? '(erased)',
            body: c.body,
            reason: c.heldReason ?? null,
          });
      }
      const unsubscribe = this.links!.unsubscribeUrl(userId, { kind: 'all' });
      const rendered = renderModeration({
        recipientName: person.name,
        items,
        consoleUrl: new URL('/moderate', config.PUBLIC_URL).href,
        unsubscribe,
      });
      try {
        await this.send(
          person.email,
          { ...rendered, subject: `The review queue: ${items.length} comment${items.length === 1 ? '' : 's'} waiting` },
          {
            headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
          },
        );
        metrics.mailSent.inc();
        await mail.setLastMailed(userId, QUEUE_DIGEST, now);
      } catch (err) {
        metrics.mailFailed.inc();
        logger.warn({ err: withoutAddresses((err as Error).message), userId }, 'mail: the queue digest could not be sent');
      }
    }
  }

  /** Held and reported comments for one moderator: the ones still waiting for a decision. */
  private async sendModeratorBatch(b: MailBatch): Promise<void> {
    const { mail, store, metrics, config } = this.deps;
    const person = await mail.person(b.userId);
    if (!person?.email || person.none) {
      await mail.finishMail(b.key);
      metrics.mailSuppressed.inc({ reason: 'unsubscribed' });
      return;
    }
    const items: ModItem[] = [];
    for (const item of b.commentIds) {
      const [type, articleId, commentId] = item.split('\n') as [string, string, string];
      const c = await store.get(articleId, commentId);
      // Decided already (approved, removed) by the time the e-mail goes: left out.
      const waiting = c && (c.status === 'pending' || (type === 'comment.reported' && c.status === 'visible'));
      if (c && waiting && !items.some((i) => i.comment.id === c.id)) items.push({ reported: type === 'comment.reported', comment: c });
    }
    if (items.length === 0) {
      await mail.finishMail(b.key);
      metrics.mailSuppressed.inc({ reason: 'removed' });
      return;
    }
    const consoleUrl = new URL('/moderate', config.PUBLIC_URL).href;
    const unsubscribe = this.links!.unsubscribeUrl(b.userId, { kind: 'all' });
    const rendered = renderModeration({
      recipientName: person.name,
      items: items.map(({ reported, comment }) => ({
        reported,
        articleId: comment.articleId,
        authorName: comment.author?.name ?? '(erased)',
        body: comment.body,
        reason: comment.heldReason ?? null,
      })),
      consoleUrl,
      unsubscribe,
    });
    await this.deliver(b, person.email, rendered, unsubscribe, MOD_THREAD);
  }

  /**
   * Sends one batch (its Message-ID fixed by the batch, so a resend after a crash is the same
   * e-mail) with one-click unsubscribe; on success the batch is done and `threadKey` marked mailed,
   * on failure it is tried again later.
   */
  private async deliver(b: MailBatch, to: string, rendered: RenderedMail, unsubscribe: string, threadKey: string): Promise<void> {
    const { mail, metrics, logger, config } = this.deps;
    try {
      await this.send(to, rendered, {
        messageId: `<${b.id}@${new URL(config.PUBLIC_URL!).hostname}>`,
        headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
      });
    } catch (err) {
      metrics.mailFailed.inc();
      logger.warn({ err: withoutAddresses((err as Error).message), userId: b.userId }, 'mail: sending failed; retrying later');
      await mail.reschedule(b.key, Date.now() + RETRY_MS);
      return;
    }
    await mail.finishMail(b.key);
    await mail.setLastMailed(b.userId, threadKey, Date.now());
    metrics.mailSent.inc();
  }

  private commentUrl(c: StoredComment): string {
    const u = new URL('/', this.deps.config.PUBLIC_URL);
    u.searchParams.set('article', c.articleId);
    u.hash = `comment-${c.id}`;
    return u.href;
  }

  private async send(to: string, m: RenderedMail, extra: { messageId?: string; headers?: Record<string, string> } = {}): Promise<void> {
    try {
      await this.transport!.sendMail({
        from: this.deps.config.MAIL_FROM,
        to,
        subject: headerText(m.subject, 200),
        text: m.text,
        html: m.html,
        ...(extra.messageId ? { messageId: extra.messageId } : {}),
        ...(extra.headers ? { headers: extra.headers } : {}),
      });
    } catch (err) {
      throw sendFailure(err);
    }
  }

  // ── people ──

  /** A token with a verified address: remembered for this user (written only when it changed). */
  verifiedEmail(user: User, email: string): void {
    const seen = `${user.role}\n${email}`;
    if (!this.enabled || this.seen.get(user.id) === seen) return;
    if (this.seen.size >= SEEN_MAX) this.seen.clear();
    this.seen.set(user.id, seen);
    const write = (async () => {
      await this.deps.mail.setModerator(user.id, user.role === 'moderator');
      const person = (await this.deps.mail.person(user.id)) ?? newPerson(user);
      if (person.email === email && person.name === user.name) return;
      await this.deps.mail.savePerson({ ...person, email, name: user.name, pending: null });
    })()
      .catch((err: unknown) => {
        this.seen.delete(user.id);
        this.deps.logger.warn({ err: withoutAddresses((err as Error).message), userId: user.id }, 'mail: could not remember an address');
      })
      .finally(() => {
        if (this.writing.get(user.id) === write) this.writing.delete(user.id);
      });
    this.writing.set(user.id, write);
  }

  /** A person's record once this node's write of their token's address (if any) is done. */
  private async personOf(user: User): Promise<MailPerson> {
    await this.writing.get(user.id);
    return (await this.deps.mail.person(user.id)) ?? newPerson(user);
  }

  async settings(user: User): Promise<{
    available: boolean;
    email: string | null;
    pending: string | null;
    replies: boolean;
    digest: 'instant' | 'daily';
    follows: { articleId: string; rootId: string }[];
  }> {
    const p = this.enabled ? await this.personOf(user) : null;
    return {
      available: this.enabled,
      email: p?.email ?? null,
      pending: p?.pending?.email ?? null,
      replies: p ? p.replies && !p.none : true,
      digest: p?.digest ?? 'instant',
      follows: (p?.follows ?? []).map((k) => {
        const [articleId, rootId] = k.split('\n') as [string, string];
        return { articleId, rootId };
      }),
    };
  }

  async updateSettings(user: User, patch: MailSettingsPatch): Promise<void> {
    const { mail } = this.deps;
    const p = await this.personOf(user);
    if (patch.replies !== undefined) {
      p.replies = patch.replies;
      if (patch.replies) p.none = false;
    }
    if (patch.digest) p.digest = patch.digest;
    if (patch.follow) {
      const k = `${patch.follow.articleId}\n${patch.follow.rootId}`;
      p.follows = p.follows.filter((f) => f !== k);
      if (patch.follow.on) {
        // Only a thread that is there: made-up ids would each leave a followers set in the store.
        const root = await this.deps.store.get(patch.follow.articleId, patch.follow.rootId);
        if (!root || root.parentId !== null || root.status === 'pending') throw new DomainError('not_found', 'no such thread');
        if (p.follows.length >= FOLLOWS_MAX) throw new MailError('too_many', `at most ${FOLLOWS_MAX} threads can be followed`);
        if (!(await mail.setFollower(patch.follow.articleId, patch.follow.rootId, user.id, true))) {
          throw new MailError('too_many', 'this thread has too many followers');
        }
        p.follows.push(k);
        p.muted = (p.muted ?? []).filter((m) => m !== k);
        p.none = false;
      } else await mail.setFollower(patch.follow.articleId, patch.follow.rootId, user.id, false);
    }
    await mail.savePerson(p);
  }

  /** A guest (or anyone) gives an address: nothing is sent to it but the confirmation link. */
  async addEmail(user: User, email: string): Promise<void> {
    const now = Date.now();
    const last = this.confirmations.get(user.id);
    if (last !== undefined && now - last < CONFIRM_EVERY_MS) throw new MailError('too_soon', 'a confirmation was sent a moment ago');
    // Per address too: fresh guest sessions must not turn the service into a mailer at someone else's address.
    const to = `@${createHash('sha256').update(email.toLowerCase()).digest('base64url')}`;
    const lastTo = this.confirmations.get(to);
    if (lastTo !== undefined && now - lastTo < CONFIRM_TO_EVERY_MS) throw new MailError('too_soon', 'a confirmation was sent a moment ago');
    if (this.confirmations.size >= SEEN_MAX) this.confirmations.clear();
    this.confirmations.set(user.id, now);
    this.confirmations.set(to, now);
    const p = await this.personOf(user);
    p.pending = { email, at: new Date(now).toISOString() };
    await this.deps.mail.savePerson(p);
    try {
      await this.send(email, renderConfirm({ name: user.name, url: this.links!.confirmUrl(user.id, email, now) }));
    } catch (err) {
      this.deps.metrics.mailFailed.inc();
      this.deps.logger.warn({ err: withoutAddresses((err as Error).message), userId: user.id }, 'mail: the confirmation could not be sent');
      throw new MailError('unavailable', 'the confirmation e-mail could not be sent; try again later');
    }
  }

  /** A confirmation link: valid and still the address pending, it becomes the person's address. */
  async confirm(q: Record<string, unknown>, apply: boolean): Promise<'confirmed' | 'valid' | 'invalid'> {
    const link = this.links?.readConfirm(q, Date.now());
    if (!link) return 'invalid';
    const p = await this.deps.mail.person(link.userId);
    if (!p || (p.pending?.email !== link.email && p.email !== link.email)) return 'invalid';
    if (!apply) return 'valid';
    await this.deps.mail.savePerson({ ...p, email: link.email, pending: null, none: false });
    return 'confirmed';
  }

  /** What is kept about a person for e-mail, for their personal export (PROTOCOL.md "People's data"). */
  /** Erasure: the address, a pending one, the settings and the threads followed are forgotten. */
  async erase(userId: string): Promise<void> {
    const { mail } = this.deps;
    const p = await mail.person(userId);
    for (const k of p?.follows ?? []) {
      const [articleId, rootId] = k.split('\n') as [string, string];
      await mail.setFollower(articleId, rootId, userId, false);
    }
    await mail.forgetPerson(userId);
    this.seen.delete(userId);
    this.confirmations.delete(userId);
  }

  /** One-click unsubscribe (GET only checks the link; POST applies it). */
  async unsubscribe(q: Record<string, unknown>, apply: boolean): Promise<UnsubscribeScope | null> {
    const link = this.links?.readUnsubscribe(q);
    if (!link) return null;
    if (!apply) return link.scope;
    const { mail } = this.deps;
    const p = await mail.person(link.userId);
    if (!p) return link.scope;
    const s = link.scope;
    if (s.kind === 'all') {
      p.none = true;
      p.replies = false;
    } else if (s.kind === 'replies') p.replies = false;
    else {
      const k = `${s.articleId}\n${s.rootId}`;
      p.follows = p.follows.filter((f) => f !== k);
      p.muted = [...(p.muted ?? []).filter((m) => m !== k), k].slice(-FOLLOWS_MAX);
      await mail.setFollower(s.articleId, s.rootId, p.userId, false);
    }
    await mail.savePerson(p);
    this.deps.metrics.mailUnsubscribed.inc({ scope: s.kind });
    return s;
  }
}

/** What e-mail keeps about a person, for their export and erasure (core/people.ts). */
export function mailPersonalData(mail: MailStore): PersonalDataSource {
  return {
    name: 'email',
    async export(userId) {
      const p = await mail.person(userId);
      if (!p) return null;
      return {
        email: p.email,
        pending: p.pending,
        replies: p.replies,
        digest: p.digest,
        unsubscribedFromAll: p.none,
        follows: p.follows.map((k) => ({ articleId: k.split('\n')[0], rootId: k.split('\n')[1] })),
        muted: p.muted.map((k) => ({ articleId: k.split('\n')[0], rootId: k.split('\n')[1] })),
      };
    },
    async erase(userId) {
      const p = await mail.person(userId);
      for (const k of p?.follows ?? []) {
        const [articleId, rootId] = k.split('\n') as [string, string];
        await mail.setFollower(articleId, rootId, userId, false);
      }
      await mail.forgetPerson(userId);
    },
  };
}

export class MailError extends Error {
  constructor(
    readonly code: 'too_many' | 'too_soon' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

function newPerson(user: User): MailPerson {
  return {
    userId: user.id,
    name: user.name,
    email: null,
    pending: null,
    replies: true,
    digest: 'instant',
    none: false,
    follows: [],
    muted: [],
  };
}

/**
 * What a failed send may say in a log or an answer: mail servers quote the recipient back
 * (`550 <x@y>: Recipient address rejected`), and nodemailer's error carries it in its message,
 * `response`, `rejected` and `rejectedErrors`. A new error, without `cause`, with addresses blanked.
 */
function sendFailure(err: unknown): Error {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; responseCode?: unknown };
  const message = (typeof e.message === 'string' ? e.message : String(err)).replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '<address>');
  const failure = new Error(`sending failed: ${message.slice(0, 300)}`) as Error & { code?: string; responseCode?: number };
  if (typeof e.code === 'string') failure.code = e.code;
  if (typeof e.responseCode === 'number') failure.responseCode = e.responseCode;
  return failure;
}
