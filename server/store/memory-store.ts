/**
 * The reference CommentStore: in-process maps, for the embedded mode and fast tests.
 * Every method runs to completion synchronously, which makes each write atomic per article.
 */
import type {
  AuditEntry,
  CommentStore,
  QueueEntry,
  Report,
  CreateResult,
  EventsSince,
  SnapshotPage,
  StoredComment,
  StoredEvent,
  UpdateResult,
} from '../core/ports.js';
import { EMPTY_EPOCH } from '../../shared/schemas.js';

interface Article {
  epoch: string;
  seq: number;
  order: number;
  closed: boolean;
  visible: number;
  comments: Map<string, StoredComment>;
  /** Root ids in creation order. */
  roots: string[];
  /** rootId → descendant ids in creation order. */
  descendants: Map<string, string[]>;
  log: StoredEvent[];
  idempotency: Map<string, string>;
  /** commentId → reports, in order. */
  reports: Map<string, Report[]>;
  /** commentId → queue entry (held or reported). */
  queue: Map<string, QueueEntry>;
}

export interface MemoryStoreOptions {
  /** Events kept per article for catch-up. */
  logSize?: number;
}

const clone = <T>(v: T): T => structuredClone(v);
/** Audit entries kept. */
const AUDIT_KEEP = 100_000;

export class MemoryStore implements CommentStore {
  private readonly articles = new Map<string, Article>();
  private readonly logSize: number;
  private readonly bans = new Set<string>();
  private readonly byUser = new Map<string, { articleId: string; commentId: string }[]>();
  private readonly audit: AuditEntry[] = [];
  private readonly bodies = new Map<string, { clientId: string; until: number }>();

  constructor(opts: MemoryStoreOptions = {}) {
    this.logSize = opts.logSize ?? 1000;
  }

  private article(articleId: string, epochCandidate: string): Article {
    let a = this.articles.get(articleId);
    if (!a) {
      a = {
        epoch: epochCandidate,
        seq: 0,
        order: 0,
        closed: false,
        visible: 0,
        comments: new Map(),
        roots: [],
        descendants: new Map(),
        log: [],
        idempotency: new Map(),
        reports: new Map(),
        queue: new Map(),
      };
      this.articles.set(articleId, a);
    }
    return a;
  }

  private append(a: Article, articleId: string, type: StoredEvent['type'], comment: StoredComment | null, at: string): StoredEvent {
    a.seq += 1;
    const event: StoredEvent = { articleId, epoch: a.epoch, seq: a.seq, type, comment: comment && clone(comment), at };
    a.log.push(event);
    if (a.log.length > this.logSize) a.log.splice(0, a.log.length - this.logSize);
    return clone(event);
  }

  async create(input: Parameters<CommentStore['create']>[0]): Promise<CreateResult> {
    const { comment: n, clientKey, publish, rejectIfClosed, epochCandidate, at } = input;
    const a = this.article(n.articleId, epochCandidate);
    if (clientKey) {
      const existing = a.idempotency.get(clientKey);
      const c = existing ? a.comments.get(existing) : undefined;
      if (c) return { kind: 'duplicate', comment: clone(c) };
    }
    if (rejectIfClosed && a.closed) return { kind: 'closed' };
    a.order += 1;
    const stored: StoredComment = { ...n, editedAt: null, replyCount: 0, order: a.order, version: 1 };
    a.comments.set(n.id, stored);
    if (n.parentId === null) a.roots.push(n.id);
    else {
      const list = a.descendants.get(n.rootId) ?? [];
      list.push(n.id);
      a.descendants.set(n.rootId, list);
    }
    if (clientKey) a.idempotency.set(clientKey, n.id);
    if (n.status === 'pending') a.queue.set(n.id, { articleId: n.articleId, commentId: n.id, reason: 'held', at });
    const mine = this.byUser.get(n.author.id) ?? [];
    mine.push({ articleId: n.articleId, commentId: n.id });
    this.byUser.set(n.author.id, mine);
    let event: StoredEvent | null = null;
    if (publish) {
      this.bumpParent(a, stored.parentId, 1);
      a.visible += 1;
      event = this.append(a, n.articleId, 'comment.created', stored, at);
    }
    return { kind: 'created', comment: clone(stored), event };
  }

  private bumpParent(a: Article, parentId: string | null, delta: number): void {
    const parent = parentId ? a.comments.get(parentId) : undefined;
    if (parent && delta !== 0) {
      parent.replyCount += delta;
      parent.version += 1;
    }
  }

  async get(articleId: string, commentId: string): Promise<StoredComment | null> {
    const c = this.articles.get(articleId)?.comments.get(commentId);
    return c ? clone(c) : null;
  }

  async update(input: Parameters<CommentStore['update']>[0]): Promise<UpdateResult> {
    const { articleId, next, expectedVersion, eventType, visibleDelta, parentReplyDelta, epochCandidate, at } = input;
    const a = this.articles.get(articleId);
    const current = a?.comments.get(next.id);
    if (!a || !current) return { kind: 'not_found' };
    if (current.version !== expectedVersion) return { kind: 'conflict' };
    void epochCandidate;
    const stored: StoredComment = { ...clone(next), version: current.version + 1 };
    a.comments.set(stored.id, stored);
    a.visible += visibleDelta;
    this.bumpParent(a, stored.parentId, parentReplyDelta);
    const event = eventType ? this.append(a, articleId, eventType, stored, at) : null;
    return { kind: 'updated', comment: clone(stored), event };
  }

  async setClosed(input: Parameters<CommentStore['setClosed']>[0]): Promise<StoredEvent | null> {
    const a = this.article(input.articleId, input.epochCandidate);
    if (a.closed === input.closed) return null;
    a.closed = input.closed;
    return this.append(a, input.articleId, input.closed ? 'thread.closed' : 'thread.reopened', null, input.at);
  }

  async snapshot(articleId: string, cursor: string | null, limit: number): Promise<SnapshotPage> {
    const a = this.articles.get(articleId);
    if (!a) return { epoch: EMPTY_EPOCH, head: 0, closed: false, comments: [], cursor: null };
    const before = cursor === null ? Infinity : Number(cursor);
    const roots: StoredComment[] = [];
    let more = false;
    for (let i = a.roots.length - 1; i >= 0; i--) {
      const root = a.comments.get(a.roots[i]!)!;
      if (root.order >= before) continue;
      if (roots.length === limit) {
        more = true;
        break;
      }
      roots.push(root);
    }
    const comments: StoredComment[] = [];
    for (const root of roots) {
      comments.push(clone(root));
      for (const id of a.descendants.get(root.id) ?? []) comments.push(clone(a.comments.get(id)!));
    }
    const last = roots.at(-1);
    return { epoch: a.epoch, head: a.seq, closed: a.closed, comments, cursor: more && last ? String(last.order) : null };
  }

  async eventsSince(articleId: string, since: number): Promise<EventsSince> {
    const a = this.articles.get(articleId);
    if (!a) return since === 0 ? { kind: 'events', epoch: EMPTY_EPOCH, head: 0, events: [] } : { kind: 'gone', epoch: null, head: 0 };
    const first = a.seq - a.log.length + 1;
    if (since < first - 1 || since > a.seq) return { kind: 'gone', epoch: a.epoch, head: a.seq };
    return { kind: 'events', epoch: a.epoch, head: a.seq, events: clone(a.log.slice(a.log.length - (a.seq - since))) };
  }

  async counts(articleIds: string[]): Promise<Record<string, number>> {
    // fromEntries defines own properties: an article named __proto__ is an entry like any other.
    return Object.fromEntries(articleIds.map((id) => [id, this.articles.get(id)?.visible ?? 0]));
  }

  async heads(articleIds: string[]): Promise<Record<string, { epoch: string; head: number }>> {
    return Object.fromEntries(
      articleIds.map((id) => {
        const a = this.articles.get(id);
        return [id, { epoch: a?.epoch ?? EMPTY_EPOCH, head: a?.seq ?? 0 }];
      }),
    );
  }

  async findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null> {
    const a = this.articles.get(articleId);
    const id = a?.idempotency.get(clientKey);
    const c = id ? a?.comments.get(id) : undefined;
    return c ? clone(c) : null;
  }

  async addReport(articleId: string, commentId: string, report: Report): Promise<boolean> {
    const a = this.articles.get(articleId);
    if (!a?.comments.has(commentId)) return false;
    const list = a.reports.get(commentId) ?? [];
    if (list.some((r) => r.userId === report.userId)) return false;
    list.push(clone(report));
    a.reports.set(commentId, list);
    if (!a.queue.has(commentId)) a.queue.set(commentId, { articleId, commentId, reason: 'reported', at: report.at });
    return true;
  }

  async reports(articleId: string, commentId: string): Promise<Report[]> {
    return clone(this.articles.get(articleId)?.reports.get(commentId) ?? []);
  }

  async queue(limit: number): Promise<QueueEntry[]> {
    const all: QueueEntry[] = [];
    for (const a of this.articles.values()) all.push(...a.queue.values());
    return clone(all.sort((x, y) => x.at.localeCompare(y.at)).slice(0, limit));
  }

  async dequeue(articleId: string, commentId: string): Promise<void> {
    this.articles.get(articleId)?.queue.delete(commentId);
  }

  async setBan(userId: string, banned: boolean): Promise<boolean> {
    const had = this.bans.has(userId);
    if (banned) this.bans.add(userId);
    else this.bans.delete(userId);
    return had !== banned;
  }

  async isBanned(userId: string): Promise<boolean> {
    return this.bans.has(userId);
  }

  async userComments(userId: string): Promise<{ articleId: string; commentId: string }[]> {
    return clone(this.byUser.get(userId) ?? []);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(clone(entry));
    if (this.audit.length > AUDIT_KEEP) this.audit.splice(0, this.audit.length - AUDIT_KEEP);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return clone(this.audit.slice(-limit));
  }

  async claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean> {
    const key = `${userId}:${bodyHash}`;
    const now = Date.now();
    const held = this.bodies.get(key);
    if (held && held.until > now && held.clientId !== clientId) return false;
    if (!held || held.until <= now) this.bodies.set(key, { clientId, until: now + ttlSeconds * 1000 });
    if (this.bodies.size > 100_000) for (const [k, v] of this.bodies) if (v.until <= now) this.bodies.delete(k);
    return true;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
