/**
 * MailStore (ports.ts) in memory and on Redis. Redis keys:
 *   lt:{m:USER}:person       string  MailPerson JSON
 *   lt:{m:USER}:sent         hash    thread key → last e-mail (ms); expires 24 h after the last write
 *   lt:{f:ARTICLE}:ROOT      set     followers of a thread (1,000 at most)
 *   lt:w:USER\nARTICLE       string  "watching", with a TTL of a few seconds
 *   lt:{mail}:batch          hash    batch key → MailBatch JSON
 *   lt:{mail}:due            zset    batch key → sendAt
 */
import type { Cluster, Redis } from 'ioredis';
import type { MailBatch, MailPerson, MailStore } from '../core/ports.js';

export const FOLLOWERS_MAX = 1000;
export const BATCH_MAX = 50;
const SENT_KEEP_MS = 24 * 3600_000;
/** Watching notes at once in memory; past it, new ones wait for old ones to expire. */
const WATCHING_MAX = 200_000;

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryMailStore implements MailStore {
  private readonly people = new Map<string, MailPerson>();
  private readonly follow = new Map<string, Set<string>>();
  private readonly watch = new Map<string, number>();
  private readonly batches = new Map<string, MailBatch>();
  private readonly sent = new Map<string, number>();

  async person(userId: string): Promise<MailPerson | null> {
    const p = this.people.get(userId);
    return p ? clone(p) : null;
  }

  async savePerson(person: MailPerson): Promise<void> {
    this.people.set(person.userId, clone(person));
  }

  async forgetPerson(userId: string): Promise<void> {
    this.people.delete(userId);
    for (const k of this.sent.keys()) if (k.startsWith(`${userId}\n`)) this.sent.delete(k);
  }

  async setFollower(articleId: string, rootId: string, userId: string, on: boolean): Promise<boolean> {
    const k = `${articleId}\n${rootId}`;
    const set = this.follow.get(k) ?? new Set<string>();
    if (!on) {
      set.delete(userId);
      if (set.size === 0) this.follow.delete(k);
      return true;
    }
    if (!set.has(userId) && set.size >= FOLLOWERS_MAX) return false;
    set.add(userId);
    this.follow.set(k, set);
    return true;
  }

  async followers(articleId: string, rootId: string, limit: number): Promise<string[]> {
    return [...(this.follow.get(`${articleId}\n${rootId}`) ?? [])].slice(0, limit);
  }

  async noteWatching(pairs: { userId: string; articleId: string }[], ttlMs: number): Promise<void> {
    const now = Date.now();
    if (this.watch.size > WATCHING_MAX) for (const [k, until] of this.watch) if (until <= now) this.watch.delete(k);
    for (const { userId, articleId } of pairs) {
      const k = `${userId}\n${articleId}`;
      if (this.watch.size >= WATCHING_MAX && !this.watch.has(k)) continue;
      this.watch.set(k, now + ttlMs);
    }
  }

  async isWatching(userId: string, articleId: string): Promise<boolean> {
    return (this.watch.get(`${userId}\n${articleId}`) ?? 0) > Date.now();
  }

  async queueMail(
    batch: { key: string; id: string; userId: string; articleId: string; rootId: string; sendAt: number },
    commentId: string,
  ): Promise<'created' | 'added'> {
    const b = this.batches.get(batch.key);
    if (b) {
      if (!b.commentIds.includes(commentId) && b.commentIds.length < BATCH_MAX) b.commentIds.push(commentId);
      return 'added';
    }
    this.batches.set(batch.key, { ...batch, commentIds: [commentId] });
    return 'created';
  }

  async dueMail(now: number, limit: number): Promise<MailBatch[]> {
    return clone(
      [...this.batches.values()]
        .filter((b) => b.sendAt <= now)
        .sort((a, b) => a.sendAt - b.sendAt)
        .slice(0, limit),
    );
  }

  async reschedule(key: string, sendAt: number): Promise<void> {
    const b = this.batches.get(key);
    if (b) b.sendAt = sendAt;
  }

  async finishMail(key: string): Promise<void> {
    this.batches.delete(key);
  }

  async lastMailed(userId: string, threadKey: string): Promise<number | null> {
    const at = this.sent.get(`${userId}\n${threadKey}`);
    return at !== undefined && at > Date.now() - SENT_KEEP_MS ? at : null;
  }

  async setLastMailed(userId: string, threadKey: string, at: number): Promise<void> {
    if (this.sent.size > 100_000) for (const [k, t] of this.sent) if (t <= Date.now() - SENT_KEEP_MS) this.sent.delete(k);
    this.sent.set(`${userId}\n${threadKey}`, at);
  }
}

export class RedisMailStore implements MailStore {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'lt',
  ) {}

  private user(userId: string, name: string): string {
    return `${this.prefix}:{m:${userId}}:${name}`;
  }

  private mail(name: string): string {
    return `${this.prefix}:{mail}:${name}`;
  }

  async person(userId: string): Promise<MailPerson | null> {
    const raw = await this.redis.get(this.user(userId, 'person'));
    return raw ? (JSON.parse(raw) as MailPerson) : null;
  }

  async savePerson(person: MailPerson): Promise<void> {
    await this.redis.set(this.user(person.userId, 'person'), JSON.stringify(person));
  }

  async forgetPerson(userId: string): Promise<void> {
    // Both keys share the user's hash tag: one DEL works on a cluster too.
    await this.redis.del(this.user(userId, 'person'), this.user(userId, 'sent'));
  }

  async setFollower(articleId: string, rootId: string, userId: string, on: boolean): Promise<boolean> {
    const key = `${this.prefix}:{f:${articleId}}:${rootId}`;
    if (!on) {
      await this.redis.srem(key, userId);
      return true;
    }
    if ((await this.redis.sismember(key, userId)) === 0 && (await this.redis.scard(key)) >= FOLLOWERS_MAX) return false;
    await this.redis.sadd(key, userId);
    return true;
  }

  async followers(articleId: string, rootId: string, limit: number): Promise<string[]> {
    const [, members] = await this.redis.sscan(`${this.prefix}:{f:${articleId}}:${rootId}`, 0, 'COUNT', Math.max(limit, FOLLOWERS_MAX));
    return members.slice(0, limit);
  }

  async noteWatching(pairs: { userId: string; articleId: string }[], ttlMs: number): Promise<void> {
    if (pairs.length === 0) return;
    const p = this.redis.pipeline();
    for (const { userId, articleId } of pairs) p.set(`${this.prefix}:w:${userId}\n${articleId}`, '1', 'PX', ttlMs);
    await p.exec();
  }

  async isWatching(userId: string, articleId: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:w:${userId}\n${articleId}`)) === 1;
  }

  async queueMail(
    batch: { key: string; id: string; userId: string; articleId: string; rootId: string; sendAt: number },
    commentId: string,
  ): Promise<'created' | 'added'> {
    const raw = await this.redis.hget(this.mail('batch'), batch.key);
    if (raw) {
      const b = JSON.parse(raw) as MailBatch;
      if (!b.commentIds.includes(commentId) && b.commentIds.length < BATCH_MAX) {
        b.commentIds.push(commentId);
        await this.redis.hset(this.mail('batch'), batch.key, JSON.stringify(b));
      }
      return 'added';
    }
    const b: MailBatch = { ...batch, commentIds: [commentId] };
    await this.redis.hset(this.mail('batch'), batch.key, JSON.stringify(b));
    await this.redis.zadd(this.mail('due'), batch.sendAt, batch.key);
    return 'created';
  }

  async dueMail(now: number, limit: number): Promise<MailBatch[]> {
    const keys = await this.redis.zrangebyscore(this.mail('due'), '-inf', now, 'LIMIT', 0, limit);
    if (keys.length === 0) return [];
    const rows = await this.redis.hmget(this.mail('batch'), ...keys);
    const out: MailBatch[] = [];
    for (const [i, raw] of rows.entries()) {
      if (raw) out.push(JSON.parse(raw) as MailBatch);
      else await this.redis.zrem(this.mail('due'), keys[i]!);
    }
    return out;
  }

  async reschedule(key: string, sendAt: number): Promise<void> {
    const raw = await this.redis.hget(this.mail('batch'), key);
    if (!raw) return;
    const b = JSON.parse(raw) as MailBatch;
    b.sendAt = sendAt;
    await this.redis.hset(this.mail('batch'), key, JSON.stringify(b));
    await this.redis.zadd(this.mail('due'), sendAt, key);
  }

  async finishMail(key: string): Promise<void> {
    await this.redis.hdel(this.mail('batch'), key);
    await this.redis.zrem(this.mail('due'), key);
  }

  async lastMailed(userId: string, threadKey: string): Promise<number | null> {
    const v = await this.redis.hget(this.user(userId, 'sent'), threadKey);
    return v === null ? null : Number(v);
  }

  async setLastMailed(userId: string, threadKey: string, at: number): Promise<void> {
    const key = this.user(userId, 'sent');
    await this.redis.hset(key, threadKey, String(at));
    await this.redis.pexpire(key, SENT_KEEP_MS);
  }
}
