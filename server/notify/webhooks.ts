/**
 * Webhooks by the Standard Webhooks specification, delivered from the event log.
 *
 * Every node marks the articles it commits to in the store's change feed (change-feed.ts): that
 * is a wake-up, not the delivery. For each endpoint one node at a time
 * (a lease in the store) reads the feed after the endpoint's mark, and for each article sends the
 * events of its log after the endpoint's cursor, in `seq` order, one at a time, saving the cursor
 * after each success. So delivery is at least once and in order per article; a receiver that was
 * down gets everything it missed once it is back, and a node that dies mid-delivery leaves the
 * cursor where the next holder of the lease resumes (the receiver may see the last event twice,
 * with the same `webhook-id`). Moderation events (held, reported, approved, banned, unbanned) come
 * the same way from the activity log.
 *
 * A failure stops the endpoint (later events wait behind it, to keep the order) and retries with
 * exponential backoff; after WEBHOOK_FAIL_AFTER_MS of failures the endpoint is marked failing
 * (log, metric, console) and retried every WEBHOOK_RETRY_MAX_MS until it answers again.
 */
import type { WebhookEndpointStatus } from '../../shared/moderation.js';
import { PassRunner } from './pass-runner.js';
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { Config, WebhookEndpointConfig } from '../config.js';
import type {
  ActivityEntry,
  CommentStore,
  CommitSubscriber,
  ModEvent,
  StoredComment,
  WebhookCursor,
  WebhookDelivery,
  WebhookEndpointState,
  WebhookStore,
} from '../core/ports.js';
import { modView } from '../core/thread.js';
import type { Metrics } from '../metrics.js';
import { checkLiteralHost, guardedLookup } from './address-guard.js';
import { formatBody, type WebhookEnvelope, type WebhookEventType } from './webhook-format.js';
import { activityWebhookId, eventWebhookId, secretKey, signedHeaders } from './webhook-signing.js';

/** Moderation events that are sent (the public ones come from the event log). */
const MOD_TYPES = new Set<string>(['comment.held', 'comment.reported', 'comment.approved', 'user.banned', 'user.unbanned']);
/** Articles read from the change feed per pass. */
const FEED_PAGE = 100;
const EVENTS_PAGE = { limit: 50, maxBytes: 512 * 1024 };
const ACTIVITY_PAGE = 100;
/** A delivery must finish well within the lease. */
const LEASE_MS = 60_000;
/**
 * How often the node delivering for an endpoint compares every article's head with its cursor: a
 * node that died between a commit and marking the article left it out of the change feed.
 */
const SWEEP_MS = 3600_000;
/** Bytes of a receiver's answer that are read (and thrown away). */
const ANSWER_MAX_BYTES = 16 * 1024;

export interface Endpoint extends WebhookEndpointConfig {
  /** Names it in the store: a hash of the URL, so the URL (a secret for Slack) is not a key. */
  key: string;
  /** For people: scheme, host and format; never the path or query. */
  label: string;
}

export function endpointOf(c: WebhookEndpointConfig): Endpoint {
  const url = new URL(c.url);
  return {
    ...c,
    key: createHash('sha256').update(`${c.format}:${c.url}`).digest('base64url').slice(0, 16),
    label: `${c.format === 'standard' ? '' : `${c.format}:`}${url.protocol}//${url.host}/…`,
  };
}

export interface WebhookDeps {
  config: Pick<
    Config,
    | 'WEBHOOK_URLS'
    | 'WEBHOOK_SECRET'
    | 'WEBHOOK_ALLOW_PRIVATE'
    | 'WEBHOOK_TIMEOUT_MS'
    | 'WEBHOOK_POLL_MS'
    | 'WEBHOOK_RETRY_MIN_MS'
    | 'WEBHOOK_RETRY_MAX_MS'
    | 'WEBHOOK_FAIL_AFTER_MS'
    | 'EVENT_LOG_SIZE'
    | 'PUBLIC_URL'
  >;
  store: CommentStore;
  hooks: WebhookStore;
  logger: Logger;
  metrics: Metrics;
  now?: () => Date;
}

/** The result of one POST. */
interface Attempt {
  status: number;
  ok: boolean;
  latencyMs: number;
  error: string | null;
}

export class Webhooks implements CommitSubscriber {
  readonly name = 'webhooks';
  readonly endpoints: Endpoint[];
  private readonly key: Buffer | null;
  private readonly holder = randomUUID();
  private readonly startedAt: string;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Delivery passes, one at a time per node. */
  private readonly runner = new PassRunner(
    () => this.pass(),
    (err: unknown) => this.deps.logger.error({ err }, 'webhooks: a delivery pass failed'),
    () => !this.closed && this.endpoints.length > 0,
  );
  /** When this node last swept, per endpoint. */
  private readonly swept = new Map<string, number>();

  constructor(private readonly deps: WebhookDeps) {
    this.endpoints = deps.config.WEBHOOK_URLS.map(endpointOf);
    this.key = deps.config.WEBHOOK_SECRET ? secretKey(deps.config.WEBHOOK_SECRET) : null;
    this.now = deps.now ?? (() => new Date());
    this.startedAt = this.now().toISOString();
  }

  /** Starts polling (the lease decides which node delivers). */
  start(): void {
    if (this.endpoints.length === 0 || this.timer) return;
    this.timer = setInterval(() => this.wake(), this.deps.config.WEBHOOK_POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.runner.idle();
    await Promise.allSettled(this.endpoints.map((ep) => this.deps.hooks.releaseLease(ep.key, this.holder)));
  }

  moderators(event: ModEvent): void {
    if (this.endpoints.length && MOD_TYPES.has(event.type)) this.wake();
  }

  /** Runs a pass soon; passes never overlap on one node. */
  wake(): void {
    this.runner.wake();
  }

  private async pass(): Promise<void> {
    const { hooks } = this.deps;
    for (const ep of this.endpoints) {
      if (this.closed) return;
      if (!(await hooks.claimLease(ep.key, this.holder, this.leaseMs))) continue;
      // Renewed while this node works for the endpoint (a replay's rewind or a slow receiver can
      // take longer than the lease); a node that dies stops renewing and another takes over.
      const beat = setInterval(() => void hooks.claimLease(ep.key, this.holder, this.leaseMs).catch(() => undefined), this.leaseMs / 3);
      try {
        await this.runEndpoint(ep);
      } finally {
        clearInterval(beat);
      }
    }
  }

  /** Longer than any one delivery may take. */
  private get leaseMs(): number {
    return Math.max(LEASE_MS, 2 * this.deps.config.WEBHOOK_TIMEOUT_MS);
  }

  private async state(ep: Endpoint): Promise<WebhookEndpointState> {
    const { hooks, store } = this.deps;
    const known = await hooks.endpointState(ep.key);
    if (known) return known;
    // First seen: deliver what happened since this node started, not the site's whole history.
    const recent = await store.activity(null, ACTIVITY_PAGE);
    const before = recent.filter((e) => e.at < this.startedAt);
    const activity = before.length ? before.at(-1)!.seq : recent.length ? recent[0]!.seq - 1 : 0;
    const state: WebhookEndpointState = {
      since: this.startedAt,
      mark: 0,
      activity,
      failures: 0,
      failingSince: null,
      retryAt: null,
      failing: false,
      lastSuccessAt: null,
      lastError: null,
      replaySince: null,
    };
    await hooks.setEndpointState(ep.key, state);
    return state;
  }

  private async runEndpoint(ep: Endpoint): Promise<void> {
    const { hooks } = this.deps;
    const state = await this.state(ep);
    if (state.retryAt && Date.parse(state.retryAt) > this.now().getTime()) return;
    if (state.replaySince) {
      await this.rewind(ep, state);
      await hooks.setEndpointState(ep.key, state);
    }
    const swept = this.swept.get(ep.key);
    if (swept === undefined) this.swept.set(ep.key, Date.now());
    else if (Date.now() - swept > SWEEP_MS) {
      this.swept.set(ep.key, Date.now());
      await this.sweep(ep);
    }
    // Public events, article by article from the change feed.
    for (;;) {
      const feed = await hooks.changedSince(state.mark, FEED_PAGE);
      for (const { articleId, mark } of feed.articles) {
        if (!(await this.deliverArticle(ep, state, articleId))) return;
        state.mark = mark;
        await hooks.setEndpointState(ep.key, state);
      }
      if (feed.articles.length < FEED_PAGE || this.closed) break;
    }
    // Moderation events, from the activity log.
    await this.deliverActivity(ep, state);
  }

  /** Sends an article's events after the endpoint's cursor; false when a delivery failed. */
  private async deliverArticle(ep: Endpoint, state: WebhookEndpointState, articleId: string): Promise<boolean> {
    const { store, hooks, logger, metrics } = this.deps;
    const logSize = this.deps.config.EVENT_LOG_SIZE;
    let cursor: WebhookCursor | null = await hooks.cursor(ep.key, articleId);
    for (let guard = 0; guard < 10_000 && !this.closed; guard++) {
      const head = (await store.heads([articleId]))[articleId];
      if (!head || head.head === 0) return true;
      // Not delivered before (or history rewritten by an import): the events kept, from the
      // endpoint's start on.
      const fresh = !cursor || cursor.epoch !== head.epoch;
      if (cursor && fresh)
        logger.warn({ articleId, endpoint: ep.label }, 'webhooks: the article has a new history (epoch); delivering from its start');
      const since = fresh ? Math.max(0, head.head - logSize) : cursor!.seq;
      if (since >= head.head) return true;
      const r = await store.eventsSince(articleId, since, EVENTS_PAGE);
      if (r.kind === 'gone') {
        const oldest = Math.max(0, r.head - logSize);
        if (!fresh) {
          const lost = Math.max(0, oldest - since);
          metrics.webhookEventsLost.inc(lost);
          logger.error(
            { articleId, endpoint: ep.label, from: since + 1, to: oldest, lost },
            'webhooks: the endpoint fell behind the event log; these events can no longer be delivered',
          );
        }
        const next = since < oldest ? oldest : r.head;
        cursor = { epoch: r.epoch ?? head.epoch, seq: next };
        await hooks.setCursor(ep.key, articleId, cursor);
        continue;
      }
      if (r.events.length === 0) {
        cursor = { epoch: r.epoch, seq: Math.max(since, r.head) };
        await hooks.setCursor(ep.key, articleId, cursor);
        return true;
      }
      for (const e of r.events) {
        if (!(fresh && e.at < state.since)) {
          const comment = e.comment ?? (e.commentId ? await store.get(articleId, e.commentId) : null);
          const envelope: WebhookEnvelope = {
            type: e.type,
            timestamp: e.at,
            data: { articleId, epoch: r.epoch, seq: e.seq, comment: comment ? modView(comment) : null, url: this.consoleUrl() },
          };
          if (!(await this.send(ep, state, eventWebhookId(articleId, r.epoch, e.seq), envelope))) return false;
        }
        cursor = { epoch: r.epoch, seq: e.seq };
        await hooks.setCursor(ep.key, articleId, cursor);
      }
      if (!r.more && cursor!.seq >= r.head) return true;
    }
    return true;
  }

  /** Sends the moderation events of the activity log after the endpoint's place in it. */
  private async deliverActivity(ep: Endpoint, state: WebhookEndpointState): Promise<boolean> {
    const { store, hooks, logger, metrics } = this.deps;
    for (let guard = 0; guard < 1000 && !this.closed; guard++) {
      const entries = await store.activity(state.activity, ACTIVITY_PAGE);
      if (entries.length === 0) return true;
      const first = entries[0]!.seq;
      if (first > state.activity + 1) {
        metrics.webhookEventsLost.inc(first - state.activity - 1);
        logger.error(
          { endpoint: ep.label, from: state.activity + 1, to: first - 1 },
          'webhooks: the endpoint fell behind the activity log; these moderation events can no longer be delivered',
        );
      }
      for (const entry of entries) {
        if (MOD_TYPES.has(entry.type) && entry.at >= state.since) {
          const envelope = await this.activityEnvelope(entry);
          if (!(await this.send(ep, state, activityWebhookId(entry.seq), envelope))) return false;
        }
        state.activity = entry.seq;
      }
      await hooks.setEndpointState(ep.key, state);
      if (entries.length < ACTIVITY_PAGE) return true;
    }
    return true;
  }

  private async activityEnvelope(entry: ActivityEntry): Promise<WebhookEnvelope> {
    const { store } = this.deps;
    let comment: StoredComment | null = null;
    let report: { reason: string | null } | null = null;
    if (entry.articleId && entry.commentId) {
      comment = await store.get(entry.articleId, entry.commentId);
      if (entry.type === 'comment.reported') {
        const reports = await store.reports(entry.articleId, entry.commentId);
        const last = reports.at(-1);
        report = last ? { reason: last.reason } : null;
      }
    }
    return {
      type: entry.type as WebhookEventType,
      timestamp: entry.at,
      data: {
        articleId: entry.articleId,
        comment: comment ? modView(comment) : null,
        userId: entry.userId,
        ...(entry.type === 'comment.reported' ? { report } : {}),
        url: this.consoleUrl(),
      },
    };
  }

  private consoleUrl(): string | null {
    return this.deps.config.PUBLIC_URL ? new URL('/moderate', this.deps.config.PUBLIC_URL).href : null;
  }

  /**
   * Sets the endpoint's cursors back to the last event before `replaySince`, in every article and
   * the activity log; the normal delivery then sends them again, with the same webhook-ids.
   */
  private async rewind(ep: Endpoint, state: WebhookEndpointState): Promise<void> {
    const { store, hooks, logger } = this.deps;
    const since = state.replaySince!;
    const logSize = this.deps.config.EVENT_LOG_SIZE;
    let page: string | null = null;
    let articles = 0;
    do {
      const ids: { ids: string[]; cursor: string | null } = await store.articleIds(page, 100);
      const heads = await store.heads(ids.ids);
      for (const articleId of ids.ids) {
        const head = heads[articleId];
        if (!head || head.head === 0) continue;
        const at = await this.seqBefore(articleId, Math.max(0, head.head - logSize), since);
        if (at === null) continue;
        const current = await hooks.cursor(ep.key, articleId);
        if (current && current.epoch === head.epoch && current.seq <= at) continue;
        await hooks.setCursor(ep.key, articleId, { epoch: head.epoch, seq: at });
        await hooks.markChanged(articleId);
        articles++;
      }
      page = ids.cursor;
    } while (page !== null && !this.closed);
    // The activity log: back to the last entry before `since`.
    let before: number | undefined;
    let activity = state.activity;
    for (let guard = 0; guard < 200; guard++) {
      const entries = await store.activity(null, ACTIVITY_PAGE, before);
      if (entries.length === 0) {
        activity = Math.min(activity, before === undefined ? activity : before - 1);
        break;
      }
      const older = entries.filter((e) => e.at < since);
      if (older.length) {
        activity = Math.min(activity, older.at(-1)!.seq);
        break;
      }
      before = entries[0]!.seq;
      activity = Math.min(activity, before - 1);
    }
    state.activity = activity;
    if (since < state.since) state.since = since;
    state.replaySince = null;
    logger.info({ endpoint: ep.label, since, articles }, 'webhooks: replaying');
  }

  /** Marks every article whose head is past the endpoint's cursor (see SWEEP_MS). */
  private async sweep(ep: Endpoint): Promise<void> {
    const { store, hooks, logger } = this.deps;
    let page: string | null = null;
    let marked = 0;
    do {
      const ids: { ids: string[]; cursor: string | null } = await store.articleIds(page, 100);
      const heads = await store.heads(ids.ids);
      for (const articleId of ids.ids) {
        const head = heads[articleId];
        if (!head || head.head === 0) continue;
        const cursor = await hooks.cursor(ep.key, articleId);
        if (cursor && cursor.epoch === head.epoch && cursor.seq >= head.head) continue;
        await hooks.markChanged(articleId);
        marked++;
      }
      page = ids.cursor;
    } while (page !== null && !this.closed);
    if (marked) logger.info({ endpoint: ep.label, marked }, 'webhooks: found articles with events not yet delivered');
  }

  /** The seq after which an article's events are at or after `since` (null: none is). */
  private async seqBefore(articleId: string, from: number, since: string): Promise<number | null> {
    let after = from;
    for (let guard = 0; guard < 1000; guard++) {
      const r = await this.deps.store.eventsSince(articleId, after, EVENTS_PAGE);
      if (r.kind === 'gone') return null;
      for (const e of r.events) {
        if (e.at >= since) return e.seq - 1;
        after = e.seq;
      }
      if (!r.more || r.events.length === 0) return null;
    }
    return null;
  }

  /** One delivery with its bookkeeping: delivery log, metrics, the endpoint's health. */
  private async send(ep: Endpoint, state: WebhookEndpointState, id: string, envelope: WebhookEnvelope): Promise<boolean> {
    const { hooks, metrics, logger } = this.deps;
    // Renew the lease before each delivery: no other node takes over while this one sends.
    if (!(await hooks.claimLease(ep.key, this.holder, this.leaseMs))) return false;
    const attempt = await this.post(ep, id, envelope);
    await this.record(ep, id, envelope.type, attempt);
    const now = this.now();
    if (attempt.ok) {
      metrics.webhookDeliveries.inc({ result: 'sent' });
      if (state.failures > 0 || state.failing) {
        logger.info({ endpoint: ep.label, failures: state.failures }, 'webhooks: the endpoint answers again');
      }
      state.failures = 0;
      state.failingSince = null;
      state.retryAt = null;
      state.failing = false;
      state.lastSuccessAt = now.toISOString();
      state.lastError = null;
      metrics.webhookFailing.set({ endpoint: ep.label }, 0);
      return true;
    }
    metrics.webhookDeliveries.inc({ result: 'failed' });
    metrics.webhookRetries.inc();
    const { WEBHOOK_RETRY_MIN_MS: min, WEBHOOK_RETRY_MAX_MS: max, WEBHOOK_FAIL_AFTER_MS: failAfter } = this.deps.config;
    state.failures += 1;
    state.failingSince ??= now.toISOString();
    state.lastError = attempt.error;
    const delay = Math.min(max, min * 2 ** Math.min(30, state.failures - 1));
    state.retryAt = new Date(now.getTime() + delay).toISOString();
    if (!state.failing && now.getTime() - Date.parse(state.failingSince) >= failAfter) {
      state.failing = true;
      metrics.webhookFailing.set({ endpoint: ep.label }, 1);
      logger.error(
        { endpoint: ep.label, since: state.failingSince, failures: state.failures, error: attempt.error },
        'webhooks: the endpoint is failing; still retrying',
      );
    } else {
      logger.warn({ endpoint: ep.label, failures: state.failures, retryInMs: delay, error: attempt.error }, 'webhooks: delivery failed');
    }
    await hooks.setEndpointState(ep.key, state);
    return false;
  }

  private async record(ep: Endpoint, id: string, type: string, a: Attempt): Promise<void> {
    const entry: WebhookDelivery = {
      at: this.now().toISOString(),
      endpoint: ep.label,
      webhookId: id,
      type,
      status: a.status,
      ok: a.ok,
      latencyMs: a.latencyMs,
      error: a.error,
    };
    await this.deps.hooks.appendDelivery(entry).catch(() => undefined);
  }

  /** POSTs one signed event; never throws. */
  private async post(ep: Endpoint, id: string, envelope: WebhookEnvelope): Promise<Attempt> {
    const body = formatBody(ep.format, envelope);
    const headers = signedHeaders(this.key, id, body, this.now());
    const started = performance.now();
    const done = (status: number, error: string | null): Attempt => ({
      status,
      ok: error === null && status >= 200 && status < 300,
      latencyMs: Math.round(performance.now() - started),
      error: error ?? (status >= 200 && status < 300 ? null : `the receiver answered ${status}`),
    });
    try {
      const status = await postJson(ep.url, body, headers, this.deps.config.WEBHOOK_TIMEOUT_MS, this.deps.config.WEBHOOK_ALLOW_PRIVATE);
      return done(status, null);
    } catch (err) {
      return done(0, (err as Error).message.slice(0, 300));
    }
  }

  /** Asks the node holding the lease to send everything since `since` again (same webhook-ids). */
  async replay(since: string): Promise<void> {
    for (const ep of this.endpoints) {
      const state = await this.state(ep);
      state.replaySince = since;
      // A replay is asked for by a person: do not wait for the backoff.
      state.retryAt = null;
      await this.deps.hooks.setEndpointState(ep.key, state);
    }
    this.wake();
  }

  /** Sends a `webhook.test` event to every endpoint now (not through the log); the results. */
  async test(): Promise<WebhookDelivery[]> {
    const out: WebhookDelivery[] = [];
    for (const ep of this.endpoints) {
      const id = `test_${randomUUID()}`;
      const envelope: WebhookEnvelope = {
        type: 'webhook.test',
        timestamp: this.now().toISOString(),
        data: { articleId: null, comment: null, url: this.consoleUrl() },
      };
      const a = await this.post(ep, id, envelope);
      await this.record(ep, id, envelope.type, a);
      out.push({ at: this.now().toISOString(), endpoint: ep.label, webhookId: id, type: envelope.type, ...a });
    }
    return out;
  }

  async status(): Promise<{ endpoints: WebhookEndpointStatus[]; deliveries: WebhookDelivery[] }> {
    const endpoints = await Promise.all(
      this.endpoints.map(async (ep): Promise<WebhookEndpointStatus> => {
        const s = await this.deps.hooks.endpointState(ep.key);
        return {
          key: ep.key,
          label: ep.label,
          format: ep.format,
          failing: s?.failing ?? false,
          failures: s?.failures ?? 0,
          failingSince: s?.failingSince ?? null,
          retryAt: s?.retryAt ?? null,
          lastSuccessAt: s?.lastSuccessAt ?? null,
          lastError: s?.lastError ?? null,
        };
      }),
    );
    return { endpoints, deliveries: await this.deps.hooks.deliveries(100) };
  }
}

/** POSTs `body`, resolves the status; rejects on a refused address, a network error or the timeout. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  allowPrivate: boolean,
): Promise<number> {
  const u = new URL(url);
  checkLiteralHost(u.hostname, allowPrivate);
  const request = u.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'livethread-webhooks',
        },
        lookup: guardedLookup(allowPrivate),
        agent: false,
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > ANSWER_MAX_BYTES) res.destroy();
        });
        res.on('close', () => {
          clearTimeout(timer);
          resolve(res.statusCode ?? 0);
        });
        res.on('error', () => undefined);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
