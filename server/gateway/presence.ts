/**
 * Live reader and typing counts per article (`thread:presence`).
 *
 * Each node counts its own sockets per article room and publishes the count every tick to a
 * shared table with a timestamp; every node sums the fresh entries for the articles it serves and
 * pushes the total to its own sockets only when it changed. The article's head rides along, so
 * that a reader who missed the last event (Pub/Sub is at-most-once) notices within a tick. No `fetchSockets()`, no Pub/Sub
 * traffic per reader, and a crashed node's counts fade out after STALE_MS. A socket that is typing
 * itself gets the count without its own typing: nobody is told "someone is replying" about themselves.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppServer, AppSocket } from './handlers.js';
import { articleOfRoom, articleRoom } from './rooms.js';

const TICK_MS = 2000;
const STALE_MS = 3 * TICK_MS;
const TYPING_MS = 5000;

export interface PresenceTable {
  /** Forgets what has expired (a table that expires by itself, as Redis keys do, need not). */
  sweep?(now: number): void;
  /** Records this node's reader count for each article (0 removes it). */
  report(nodeId: string, counts: Map<string, number>, now: number): Promise<void>;
  typing(articleId: string, userId: string, now: number): Promise<void>;
  /** `userId` no longer types in `articleId` (posted, or left). */
  stopTyping(articleId: string, userId: string): Promise<void>;
  /** Fresh totals across all nodes. */
  read(articleIds: string[], now: number): Promise<Map<string, { readers: number; typing: number }>>;
}

/** Typists remembered at once in memory, across articles; more are not counted until some expire. */
const MAX_TYPISTS = 100_000;

export class MemoryPresenceTable implements PresenceTable {
  private readonly readers = new Map<string, Map<string, { n: number; at: number }>>();
  private readonly typists = new Map<string, Map<string, number>>();
  private typistCount = 0;

  async report(nodeId: string, counts: Map<string, number>, now: number): Promise<void> {
    for (const [articleId, n] of counts) {
      const byNode = this.readers.get(articleId) ?? new Map<string, { n: number; at: number }>();
      if (n === 0) byNode.delete(nodeId);
      else byNode.set(nodeId, { n, at: now });
      if (byNode.size) this.readers.set(articleId, byNode);
      else this.readers.delete(articleId);
    }
  }

  async typing(articleId: string, userId: string, now: number): Promise<void> {
    const t = this.typists.get(articleId) ?? new Map<string, number>();
    if (!t.has(userId)) {
      if (this.typistCount >= MAX_TYPISTS) return;
      this.typistCount++;
    }
    t.set(userId, now);
    this.typists.set(articleId, t);
  }

  async stopTyping(articleId: string, userId: string): Promise<void> {
    const t = this.typists.get(articleId);
    if (t?.delete(userId)) this.typistCount--;
    if (t && t.size === 0) this.typists.delete(articleId);
  }

  /** Forgets typists who stopped, in every article (read() only visits the ones served). */
  sweep(now: number): void {
    for (const [articleId, t] of this.typists) {
      for (const [user, at] of t) {
        if (now - at >= TYPING_MS) {
          t.delete(user);
          this.typistCount--;
        }
      }
      if (t.size === 0) this.typists.delete(articleId);
    }
  }

  async read(articleIds: string[], now: number): Promise<Map<string, { readers: number; typing: number }>> {
    const out = new Map<string, { readers: number; typing: number }>();
    for (const id of articleIds) {
      let readers = 0;
      for (const { n, at } of this.readers.get(id)?.values() ?? []) if (now - at < STALE_MS) readers += n;
      let typing = 0;
      const t = this.typists.get(id);
      for (const at of t?.values() ?? []) if (now - at < TYPING_MS) typing++;
      out.set(id, { readers, typing });
    }
    return out;
  }
}

export class RedisPresenceTable implements PresenceTable {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly prefix = 'lt',
  ) {}

  private key(articleId: string, what: 'r' | 't'): string {
    return `${this.prefix}:{a:${articleId}}:p${what}`;
  }

  async report(nodeId: string, counts: Map<string, number>, now: number): Promise<void> {
    await Promise.all(
      [...counts].map(([articleId, n]) => {
        const key = this.key(articleId, 'r');
        if (n === 0) return this.redis.hdel(key, nodeId);
        return this.redis
          .multi()
          .hset(key, nodeId, `${n}:${now}`)
          .pexpire(key, STALE_MS * 2)
          .exec();
      }),
    );
  }

  async typing(articleId: string, userId: string, now: number): Promise<void> {
    const key = this.key(articleId, 't');
    await this.redis
      .multi()
      .hset(key, userId, String(now))
      .pexpire(key, TYPING_MS * 2)
      .exec();
  }

  async stopTyping(articleId: string, userId: string): Promise<void> {
    await this.redis.hdel(this.key(articleId, 't'), userId);
  }

  async read(articleIds: string[], now: number): Promise<Map<string, { readers: number; typing: number }>> {
    const out = new Map<string, { readers: number; typing: number }>();
    await Promise.all(
      articleIds.map(async (id) => {
        const [r, t] = await Promise.all([this.redis.hgetall(this.key(id, 'r')), this.redis.hgetall(this.key(id, 't'))]);
        let readers = 0;
        for (const v of Object.values(r)) {
          const [n, at] = v.split(':').map(Number) as [number, number];
          if (now - at < STALE_MS) readers += n;
        }
        const typing = Object.values(t).filter((at) => now - Number(at) < TYPING_MS).length;
        out.set(id, { readers, typing });
      }),
    );
    return out;
  }
}

export class Presence {
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly lastSent = new Map<string, string>();
  private readonly lastReported = new Set<string>();
  private running = false;

  constructor(
    private readonly io: AppServer,
    private readonly table: PresenceTable,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly heads?: (articleIds: string[]) => Promise<Record<string, { epoch: string; head: number }>>,
  ) {}

  /** Readers on each article now, across nodes (the moderators' articles list). */
  async readers(articleIds: string[]): Promise<Record<string, number>> {
    const totals = await this.table.read(articleIds, Date.now());
    return Object.fromEntries(articleIds.map((id) => [id, totals.get(id)?.readers ?? 0]));
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  typing(articleId: string, socket: AppSocket): void {
    const user = socket.data.viewer;
    if (!user) return;
    this.table.typing(articleId, user.id, Date.now()).catch((err: unknown) => this.logger.debug({ err }, 'presence typing failed'));
  }

  /** The socket's user stopped typing in `articleId` (posted, or left): readers hear it on the next tick. */
  stopTyping(articleId: string, socket: AppSocket): void {
    const user = socket.data.viewer;
    if (!user || socket.data.typingAt === undefined) return;
    socket.data.typingAt = undefined;
    this.table.stopTyping(articleId, user.id).catch((err: unknown) => this.logger.debug({ err }, 'presence stop typing failed'));
  }

  /** This node's sockets in the article that are typing there now (as the table counts them). */
  private typingSockets(articleId: string, now: number): AppSocket[] {
    const ns = this.io.of('/');
    const out: AppSocket[] = [];
    for (const id of ns.adapter.rooms.get(articleRoom(articleId)) ?? []) {
      const s = ns.sockets.get(id);
      const at = s?.data.typingAt;
      if (s && at !== undefined && s.data.typingIn === articleId && now - at < TYPING_MS) out.push(s);
    }
    return out;
  }

  /** One round: report local counts, read totals, push changes. Skipped while one is running. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const counts = new Map<string, number>();
      for (const [room, sockets] of this.io.of('/').adapter.rooms) {
        const articleId = articleOfRoom(room);
        if (articleId !== null) counts.set(articleId, sockets.size);
      }
      for (const gone of this.lastReported) if (!counts.has(gone)) counts.set(gone, 0);
      const now = Date.now();
      this.table.sweep?.(now);
      await this.table.report(this.nodeId, counts, now);
      this.lastReported.clear();
      for (const [id, n] of counts) if (n > 0) this.lastReported.add(id);
      const served = [...this.lastReported];
      const [totals, heads] = await Promise.all([this.table.read(served, now), this.heads?.(served) ?? {}]);
      for (const [articleId, t] of totals) {
        const h = (heads as Record<string, { epoch: string; head: number } | undefined>)[articleId];
        const typists = t.typing > 0 ? this.typingSockets(articleId, now) : [];
        const key = `${t.readers}/${t.typing}/${h?.epoch}/${h?.head}/${typists.map((s) => s.id).join(',')}`;
        if (this.lastSent.get(articleId) === key) continue;
        this.lastSent.set(articleId, key);
        const payload = { articleId, readers: t.readers, typing: t.typing, ...(h ? { epoch: h.epoch, head: h.head } : {}) };
        this.io.local
          .to(articleRoom(articleId))
          .except(typists.map((s) => s.id))
          .emit('thread:presence', payload);
        for (const s of typists) s.emit('thread:presence', { ...payload, typing: Math.max(0, t.typing - 1) });
      }
      for (const id of this.lastSent.keys()) if (!this.lastReported.has(id)) this.lastSent.delete(id);
    } catch (err) {
      this.logger.debug({ err }, 'presence tick failed');
    } finally {
      this.running = false;
    }
  }
}
