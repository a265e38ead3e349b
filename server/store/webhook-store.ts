/**
 * WebhookStore (ports.ts) in memory and on Redis. Redis keys, all but the per-endpoint ones in
 * the hash tag `{wh}` so that the change-feed script touches one slot on a Cluster:
 *   lt:{wh}:mark        string  the last mark given
 *   lt:{wh}:feed        zset    article id → its newest mark (newest 100,000 articles)
 *   lt:{wh}:deliveries  list    delivery JSON, newest first (200)
 *   lt:{e:KEY}:cursors  hash    article id → "epoch|seq"
 *   lt:{e:KEY}:state    string  WebhookEndpointState JSON
 *   lt:{e:KEY}:lease    string  the node delivering for the endpoint, with a TTL
 */
import type { Cluster, Redis } from 'ioredis';
import type { WebhookCursor, WebhookDelivery, WebhookEndpointState, WebhookStore } from '../core/ports.js';
import { defineScript } from './lua.js';

/** Articles kept in the change feed. */
export const FEED_KEEP = 100_000;
/** Delivery log entries kept. */
export const DELIVERIES_KEEP = 200;

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryWebhookStore implements WebhookStore {
  private lastMark = 0;
  /** article → mark, in mark order (re-marking moves it to the end). */
  private readonly feed = new Map<string, number>();
  private readonly cursors = new Map<string, WebhookCursor>();
  private readonly states = new Map<string, WebhookEndpointState>();
  private readonly leases = new Map<string, { holder: string; until: number }>();
  private readonly log: WebhookDelivery[] = [];

  async markChanged(articleId: string): Promise<number> {
    const mark = ++this.lastMark;
    this.feed.delete(articleId);
    this.feed.set(articleId, mark);
    if (this.feed.size > FEED_KEEP) this.feed.delete(this.feed.keys().next().value!);
    return mark;
  }

  async changedSince(after: number, limit: number): Promise<{ head: number; articles: { articleId: string; mark: number }[] }> {
    const articles: { articleId: string; mark: number }[] = [];
    for (const [articleId, mark] of this.feed) {
      if (mark <= after) continue;
      articles.push({ articleId, mark });
      if (articles.length >= limit) break;
    }
    return { head: this.lastMark, articles };
  }

  async cursor(endpoint: string, articleId: string): Promise<WebhookCursor | null> {
    const c = this.cursors.get(`${endpoint}\n${articleId}`);
    return c ? clone(c) : null;
  }

  async setCursor(endpoint: string, articleId: string, cursor: WebhookCursor): Promise<void> {
    this.cursors.set(`${endpoint}\n${articleId}`, clone(cursor));
  }

  async endpointState(endpoint: string): Promise<WebhookEndpointState | null> {
    const s = this.states.get(endpoint);
    return s ? clone(s) : null;
  }

  async setEndpointState(endpoint: string, state: WebhookEndpointState): Promise<void> {
    this.states.set(endpoint, clone(state));
  }

  async claimLease(endpoint: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const l = this.leases.get(endpoint);
    if (l && l.until > now && l.holder !== holder) return false;
    this.leases.set(endpoint, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLease(endpoint: string, holder: string): Promise<void> {
    if (this.leases.get(endpoint)?.holder === holder) this.leases.delete(endpoint);
  }

  async appendDelivery(entry: WebhookDelivery): Promise<void> {
    this.log.unshift(clone(entry));
    if (this.log.length > DELIVERIES_KEEP) this.log.length = DELIVERIES_KEEP;
  }

  async deliveries(limit: number): Promise<WebhookDelivery[]> {
    return clone(this.log.slice(0, limit));
  }
}

export class RedisWebhookStore implements WebhookStore {
  private readonly mark: ReturnType<typeof defineScript<number>>;
  private readonly lease: ReturnType<typeof defineScript<number>>;
  private readonly release: ReturnType<typeof defineScript<number>>;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'lt',
  ) {
    this.mark = defineScript<number>(redis, 'webhook-mark', ['counter', 'feed'] as const, ['article_id', 'keep'] as const);
    this.lease = defineScript<number>(redis, 'webhook-lease', ['lease'] as const, ['holder', 'ttl_ms'] as const);
    this.release = defineScript<number>(redis, 'webhook-release', ['lease'] as const, ['holder'] as const);
  }

  private global(name: string): string {
    return `${this.prefix}:{wh}:${name}`;
  }

  private endpoint(endpoint: string, name: string): string {
    return `${this.prefix}:{e:${endpoint}}:${name}`;
  }

  async markChanged(articleId: string): Promise<number> {
    return Number(await this.mark({ counter: this.global('mark'), feed: this.global('feed') }, { article_id: articleId, keep: FEED_KEEP }));
  }

  async changedSince(after: number, limit: number): Promise<{ head: number; articles: { articleId: string; mark: number }[] }> {
    const [rows, head] = await Promise.all([
      this.redis.zrangebyscore(this.global('feed'), `(${after}`, '+inf', 'WITHSCORES', 'LIMIT', 0, limit),
      this.redis.get(this.global('mark')),
    ]);
    const articles: { articleId: string; mark: number }[] = [];
    for (let i = 0; i < rows.length; i += 2) articles.push({ articleId: rows[i]!, mark: Number(rows[i + 1]) });
    return { head: Number(head ?? 0), articles };
  }

  async cursor(endpoint: string, articleId: string): Promise<WebhookCursor | null> {
    const raw = await this.redis.hget(this.endpoint(endpoint, 'cursors'), articleId);
    if (!raw) return null;
    const bar = raw.lastIndexOf('|');
    return { epoch: raw.slice(0, bar), seq: Number(raw.slice(bar + 1)) };
  }

  async setCursor(endpoint: string, articleId: string, cursor: WebhookCursor): Promise<void> {
    await this.redis.hset(this.endpoint(endpoint, 'cursors'), articleId, `${cursor.epoch}|${cursor.seq}`);
  }

  async endpointState(endpoint: string): Promise<WebhookEndpointState | null> {
    const raw = await this.redis.get(this.endpoint(endpoint, 'state'));
    return raw ? (JSON.parse(raw) as WebhookEndpointState) : null;
  }

  async setEndpointState(endpoint: string, state: WebhookEndpointState): Promise<void> {
    await this.redis.set(this.endpoint(endpoint, 'state'), JSON.stringify(state));
  }

  async claimLease(endpoint: string, holder: string, ttlMs: number): Promise<boolean> {
    return Number(await this.lease({ lease: this.endpoint(endpoint, 'lease') }, { holder, ttl_ms: ttlMs })) === 1;
  }

  async releaseLease(endpoint: string, holder: string): Promise<void> {
    await this.release({ lease: this.endpoint(endpoint, 'lease') }, { holder });
  }

  async appendDelivery(entry: WebhookDelivery): Promise<void> {
    const key = this.global('deliveries');
    await this.redis.lpush(key, JSON.stringify(entry));
    await this.redis.ltrim(key, 0, DELIVERIES_KEEP - 1);
  }

  async deliveries(limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.redis.lrange(this.global('deliveries'), 0, Math.min(limit, DELIVERIES_KEEP) - 1);
    return rows.map((r) => JSON.parse(r) as WebhookDelivery);
  }
}
