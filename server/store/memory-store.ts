/**
 * The reference CommentStore: in-process maps, for the embedded mode and fast tests.
 * Every method runs to completion synchronously, which makes each write atomic per article.
 */
import type {
  ActivityEntry,
  ArticleSummary,
  AuditEntry,
  Ban,
  UserHold,
  UserNote,
  CommentStore,
  QueueEntry,
  Report,
  CreateResult,
  EventsSince,
  Head,
  PageQuery,
  ReadBounds,
  ScoreChanges,
  ImportRecord,
  VoteResult,
  RepliesPage,
  SnapshotPage,
  StoredComment,
  StoredEvent,
  UpdateResult,
} from '../core/ports.js';
import { planCatchUp, type LogRef } from '../core/catch-up.js';
import { EMPTY_EPOCH } from '../../shared/schemas.js';

interface Article {
  epoch: string;
  seq: number;
  order: number;
  closed: boolean;
  visible: number;
  comments: Map<string, StoredComment>;
  /** Size of each comment's JSON, for the byte bounds of reads. */
  sizes: Map<string, number>;
  /** Root ids in creation order. */
  roots: string[];
  /** commentId → [up, down]; `commentId|userId` → a vote; commentId → scores version of its last change. */
  scores: Map<string, [number, number]>;
  votes: Map<string, 1 | -1>;
  scoreChanges: Map<string, number>;
  scoresVersion: number;
  /** rootId → descendant ids in creation order. */
  descendants: Map<string, string[]>;
  log: LogRef[];
  idempotency: Map<string, { id: string; until: number }>;
  /** commentId → reports, in order. */
  reports: Map<string, Report[]>;
  /** The moderation queue: commentId → since when it is held, and since when reported. */
  held: Map<string, string>;
  reported: Map<string, string>;
}

export interface MemoryStoreOptions {
  /** Events kept per article for catch-up. */
  logSize?: number;
}

const clone = <T>(v: T): T => structuredClone(v);
/** Audit entries kept. */
const AUDIT_KEEP = 100_000;
const STAFF_NAMES_KEEP = 1000;
const ACTIVITY_KEEP = 10_000;
const ARTICLES_KEEP = 10_000;
const NOTES_KEEP = 1000;
const IDEMPOTENCY_MS = 24 * 3600 * 1000;
/** Records one importComments call takes (ports.ts). */
const IMPORT_BATCH = 500;
const byteSize = (c: StoredComment): number => Buffer.byteLength(JSON.stringify(c));

export class MemoryStore implements CommentStore {
  private readonly articles = new Map<string, Article>();
  private readonly logSize: number;
  private readonly banned = new Map<string, Ban>();
  /** addressHash → the user whose ban covers it. */
  private readonly bannedAddresses = new Map<string, string>();
  private readonly holds = new Map<string, UserHold>();
  private readonly addresses = new Map<string, string>();
  private readonly userNotes = new Map<string, UserNote[]>();
  private readonly activityLog: ActivityEntry[] = [];
  private activitySeq = 0;
  /** articleId → last comment time, in that order (oldest first). */
  private readonly touched = new Map<string, string>();
  private readonly bodyArticles = new Map<string, Map<string, number>>();
  private readonly byUser = new Map<string, { articleId: string; commentId: string }[]>();
  /** userId → "articleId\ncommentId" → the vote they give. */
  private readonly votesByUser = new Map<string, Map<string, 1 | -1>>();
  private readonly reportsByUser = new Map<string, { articleId: string; commentId: string; reason: string | null; at: string }[]>();
  private readonly erased = new Map<string, string>();
  private readonly audit: AuditEntry[] = [];
  private readonly bodies = new Map<string, { clientId: string; until: number }>();
  private readonly staff = new Set<string>();

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
        sizes: new Map(),
        roots: [],
        scores: new Map(),
        votes: new Map(),
        scoreChanges: new Map(),
        scoresVersion: 0,
        descendants: new Map(),
        log: [],
        idempotency: new Map(),
        reports: new Map(),
        held: new Map(),
        reported: new Map(),
      };
      this.articles.set(articleId, a);
    }
    return a;
  }

  private put(a: Article, c: StoredComment): void {
    a.comments.set(c.id, c);
    a.sizes.set(c.id, byteSize(c));
  }

  /** Takes the next seq and logs a reference; returns the live event with a copy of `comment`. */
  private append(a: Article, articleId: string, type: StoredEvent['type'], comment: StoredComment | null, at: string): StoredEvent {
    a.seq += 1;
    a.log.push({ seq: a.seq, type, commentId: comment?.id ?? null, at });
    if (a.log.length > this.logSize) a.log.splice(0, a.log.length - this.logSize);
    return { articleId, epoch: a.epoch, seq: a.seq, type, comment: comment && clone(comment), at, count: a.visible };
  }

  async create(input: Parameters<CommentStore['create']>[0]): Promise<CreateResult> {
    const { comment: n, clientKey, publish, rejectIfClosed, epochCandidate, at } = input;
    const a = this.article(n.articleId, epochCandidate);
    const now = Date.now();
    if (clientKey) {
      const existing = a.idempotency.get(clientKey);
      const c = existing && existing.until > now ? a.comments.get(existing.id) : undefined;
      if (c) return { kind: 'duplicate', comment: clone(c) };
    }
    if (rejectIfClosed && a.closed) return { kind: 'closed' };
    a.order += 1;
    const stored: StoredComment = { ...n, editedAt: null, replyCount: 0, order: a.order, version: 1 };
    this.put(a, stored);
    if (n.parentId === null) a.roots.push(n.id);
    else {
      const list = a.descendants.get(n.rootId) ?? [];
      list.push(n.id);
      a.descendants.set(n.rootId, list);
    }
    if (clientKey) {
      a.idempotency.set(clientKey, { id: n.id, until: now + IDEMPOTENCY_MS });
      if (a.idempotency.size > 10_000) for (const [k, v] of a.idempotency) if (v.until <= now) a.idempotency.delete(k);
    }
    if (n.status === 'pending') a.held.set(n.id, at);
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
    const { articleId, commentId, expect, patch, eventType, visibleDelta, parentReplyDelta, at } = input;
    const a = this.articles.get(articleId);
    const current = a?.comments.get(commentId);
    if (!a || !current) return { kind: 'not_found' };
    if (expect.version !== undefined && current.version !== expect.version) return { kind: 'conflict' };
    if (expect.status !== undefined && current.status !== expect.status) return { kind: 'conflict' };
    if (input.rejectIfClosed && a.closed) return { kind: 'closed' };
    const stored: StoredComment = { ...current, ...clone(patch), version: current.version + 1 };
    this.put(a, stored);
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

  async snapshot(articleId: string, q: PageQuery): Promise<SnapshotPage> {
    const a = this.articles.get(articleId);
    if (!a) return { epoch: EMPTY_EPOCH, head: 0, closed: false, count: 0, scoresVersion: 0, comments: [], cursor: null, replyCursors: {} };
    const order = (id: string) => a.comments.get(id)!.order;
    // The candidate roots, in the order of the page.
    let candidates: string[];
    let ranking = false;
    if (q.sort === 'top') {
      ranking = !q.roots;
      candidates = q.roots
        ? q.roots.filter((id) => a.comments.get(id)?.parentId === null)
        : [...a.roots].sort((x, y) => this.net(a, y) - this.net(a, x) || order(x) - order(y));
    } else {
      const bound = q.cursor === null ? null : Number(q.cursor);
      const newestFirst = (q.sort === 'newest') !== Boolean(q.backward);
      const list = newestFirst ? [...a.roots].reverse() : a.roots;
      candidates = bound === null ? list : list.filter((id) => (newestFirst ? order(id) < bound : order(id) > bound));
    }
    const comments: StoredComment[] = [];
    const replyCursors: Record<string, string> = {};
    let bytes = 0;
    let taken = 0;
    let i = 0;
    for (; i < candidates.length; i++) {
      if (taken === q.limit || (taken > 0 && bytes >= q.maxBytes)) break;
      const root = a.comments.get(candidates[i]!)!;
      taken++;
      comments.push(this.read(a, root));
      bytes += a.sizes.get(root.id) ?? 0;
      // The newest replies, within the count and (after one reply) the byte bound; the rest are paged.
      const desc = a.descendants.get(root.id) ?? [];
      let first = desc.length;
      while (first > 0 && desc.length - first < q.replies && (first === desc.length || bytes < q.maxBytes))
        bytes += a.sizes.get(desc[--first]!) ?? 0;
      for (let j = first; j < desc.length; j++) comments.push(this.read(a, a.comments.get(desc[j]!)!));
      if (first > 0) replyCursors[root.id] = String(a.comments.get(desc[first]!)!.order);
    }
    const more = i < candidates.length;
    const lastRoot = comments.findLast((c) => c.parentId === null);
    return {
      epoch: a.epoch,
      head: a.seq,
      closed: a.closed,
      count: a.visible,
      scoresVersion: a.scoresVersion,
      comments,
      cursor: q.sort !== 'top' && more && lastRoot ? String(lastRoot.order) : null,
      replyCursors,
      ...(ranking ? { rank: candidates.slice(i, i + (q.rankAfter ?? 0)) } : {}),
    };
  }

  async replies(articleId: string, rootId: string, page: { cursor: string; later?: boolean }, bounds: ReadBounds): Promise<RepliesPage> {
    const a = this.articles.get(articleId);
    const desc = a?.descendants.get(rootId);
    if (!a || !desc) return { comments: [], cursor: null };
    const at = Number(page.cursor);
    const orderAt = (i: number) => a.comments.get(desc[i]!)!.order;
    // Descendants are in creation order: `first` is the first one at or after the cursor.
    let first = desc.length;
    let lo = 0;
    while (lo < first) {
      const mid = (lo + first) >> 1;
      if (orderAt(mid) < at) lo = mid + 1;
      else first = mid;
    }
    let bytes = 0;
    if (page.later) {
      const start = first < desc.length && orderAt(first) === at ? first + 1 : first;
      let end = start;
      while (end < desc.length && end - start < bounds.limit && (end === start || bytes < bounds.maxBytes))
        bytes += a.sizes.get(desc[end++]!) ?? 0;
      const comments = desc.slice(start, end).map((id) => this.read(a, a.comments.get(id)!));
      return { comments, cursor: end < desc.length && comments.length ? String(comments.at(-1)!.order) : null };
    }
    let start = first;
    while (start > 0 && first - start < bounds.limit && (start === first || bytes < bounds.maxBytes))
      bytes += a.sizes.get(desc[--start]!) ?? 0;
    const comments = desc.slice(start, first).map((id) => this.read(a, a.comments.get(id)!));
    return { comments, cursor: start > 0 ? String(comments[0]!.order) : null };
  }

  /** A comment as reads return it: a copy, with its votes. */
  private read(a: Article, c: StoredComment): StoredComment {
    const [up, down] = a.scores.get(c.id) ?? [0, 0];
    return { ...clone(c), up, down };
  }

  private net(a: Article, id: string): number {
    const [up, down] = a.scores.get(id) ?? [0, 0];
    return up - down;
  }

  async vote(input: Parameters<CommentStore['vote']>[0]): Promise<VoteResult> {
    const a = this.article(input.articleId, EMPTY_EPOCH);
    const key = `${input.commentId}|${input.userId}`;
    const before = a.votes.get(key) ?? 0;
    const [up, down] = a.scores.get(input.commentId) ?? [0, 0];
    if (before === input.value) return { up, down, myVote: input.value, changed: false, version: a.scoresVersion };
    const next: [number, number] = [
      up - (before === 1 ? 1 : 0) + (input.value === 1 ? 1 : 0),
      down - (before === -1 ? 1 : 0) + (input.value === -1 ? 1 : 0),
    ];
    const mine = this.votesByUser.get(input.userId) ?? new Map<string, 1 | -1>();
    const ref = `${input.articleId}\n${input.commentId}`;
    if (input.value === 0) {
      a.votes.delete(key);
      mine.delete(ref);
    } else {
      a.votes.set(key, input.value);
      mine.set(ref, input.value);
    }
    if (mine.size > 0) this.votesByUser.set(input.userId, mine);
    else this.votesByUser.delete(input.userId);
    a.scores.set(input.commentId, next);
    a.scoresVersion += 1;
    // Deleted and set again so that the map stays in version order (scoresSince reads its tail).
    a.scoreChanges.delete(input.commentId);
    a.scoreChanges.set(input.commentId, a.scoresVersion);
    return { up: next[0], down: next[1], myVote: input.value, changed: true, version: a.scoresVersion };
  }

  async myVotes(articleId: string, userId: string, commentIds: string[]): Promise<Record<string, 1 | -1>> {
    const a = this.articles.get(articleId);
    const out: Record<string, 1 | -1> = {};
    for (const id of commentIds) {
      const v = a?.votes.get(`${id}|${userId}`);
      if (v === 1 || v === -1) out[id] = v;
    }
    return out;
  }

  async scoresSince(articleId: string, since: number, limit: number): Promise<ScoreChanges> {
    const a = this.articles.get(articleId);
    if (!a) return { version: 0, scores: {}, more: false };
    const changed: [string, number][] = [];
    for (const entry of [...a.scoreChanges].reverse()) {
      if (entry[1] <= since) break;
      changed.push(entry);
    }
    changed.reverse();
    const page = changed.slice(0, limit);
    const scores: Record<string, [number, number]> = {};
    for (const [id] of page) scores[id] = [...(a.scores.get(id) ?? [0, 0])] as [number, number];
    const more = changed.length > limit;
    return { version: more ? page.at(-1)![1] : a.scoresVersion, scores, more };
  }

  async eventsSince(articleId: string, since: number, bounds: ReadBounds): Promise<EventsSince> {
    const a = this.articles.get(articleId);
    if (!a)
      return since === 0
        ? { kind: 'events', epoch: EMPTY_EPOCH, head: 0, count: 0, events: [], more: false }
        : { kind: 'gone', epoch: null, head: 0 };
    const first = a.seq - a.log.length + 1;
    if (since < first - 1 || since > a.seq) return { kind: 'gone', epoch: a.epoch, head: a.seq };
    const from = a.log.length - (a.seq - since);
    const entries = a.log.slice(from, from + bounds.limit);
    const plan = planCatchUp(entries, (id) => a.sizes.get(id) ?? 0, bounds.maxBytes);
    const events: StoredEvent[] = [];
    for (let i = 0; i < plan.count; i++) {
      const e = entries[i]!;
      const c = plan.carries[i] ? a.comments.get(e.commentId!) : undefined;
      events.push({ articleId, epoch: a.epoch, seq: e.seq, type: e.type, comment: c ? clone(c) : null, commentId: e.commentId, at: e.at });
    }
    return { kind: 'events', epoch: a.epoch, head: a.seq, count: a.visible, events, more: from + plan.count < a.log.length };
  }

  async counts(articleIds: string[]): Promise<Record<string, number>> {
    // fromEntries defines own properties: an article named __proto__ is an entry like any other.
    return Object.fromEntries(articleIds.map((id) => [id, this.articles.get(id)?.visible ?? 0]));
  }

  async heads(articleIds: string[]): Promise<Record<string, Head>> {
    return Object.fromEntries(
      articleIds.map((id) => {
        const a = this.articles.get(id);
        return [id, { epoch: a?.epoch ?? EMPTY_EPOCH, head: a?.seq ?? 0, scores: a?.scoresVersion ?? 0 }];
      }),
    );
  }

  async findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null> {
    const a = this.articles.get(articleId);
    const key = a?.idempotency.get(clientKey);
    const c = key && key.until > Date.now() ? a?.comments.get(key.id) : undefined;
    return c ? clone(c) : null;
  }

  async addReport(articleId: string, commentId: string, report: Report): Promise<boolean> {
    const a = this.articles.get(articleId);
    if (!a?.comments.has(commentId)) return false;
    const list = a.reports.get(commentId) ?? [];
    if (list.some((r) => r.userId === report.userId)) return false;
    list.push(clone(report));
    a.reports.set(commentId, list);
    const mine = this.reportsByUser.get(report.userId) ?? [];
    mine.push({ articleId, commentId, reason: report.reason, at: report.at });
    this.reportsByUser.set(report.userId, mine);
    if (!a.reported.has(commentId)) a.reported.set(commentId, report.at);
    return true;
  }

  async reports(articleId: string, commentId: string): Promise<Report[]> {
    return clone(this.articles.get(articleId)?.reports.get(commentId) ?? []);
  }

  async enqueueHeld(articleId: string, commentId: string, at: string): Promise<void> {
    const a = this.articles.get(articleId);
    if (a?.comments.has(commentId)) a.held.set(commentId, at);
  }

  async queue(limit: number): Promise<QueueEntry[]> {
    const all: QueueEntry[] = [];
    for (const [articleId, a] of this.articles) {
      // A comment both held and reported is listed once, as held.
      for (const [commentId, at] of a.held) all.push({ articleId, commentId, reason: 'held', at });
      for (const [commentId, at] of a.reported) if (!a.held.has(commentId)) all.push({ articleId, commentId, reason: 'reported', at });
    }
    return all.sort((x, y) => x.at.localeCompare(y.at)).slice(0, limit);
  }

  async dequeue(articleId: string, commentId: string, reason?: QueueEntry['reason']): Promise<void> {
    const a = this.articles.get(articleId);
    if (reason !== 'reported') a?.held.delete(commentId);
    if (reason !== 'held') a?.reported.delete(commentId);
  }

  async ban(ban: Ban): Promise<boolean> {
    const had = this.banned.get(ban.userId);
    if (had && had.until === ban.until && had.reason === ban.reason && had.addressHash === ban.addressHash) return false;
    if (had?.addressHash) this.bannedAddresses.delete(had.addressHash);
    this.banned.set(ban.userId, clone(ban));
    if (ban.addressHash) this.bannedAddresses.set(ban.addressHash, ban.userId);
    return true;
  }

  async unban(userId: string): Promise<Ban | null> {
    const had = this.banned.get(userId) ?? null;
    if (!had) return null;
    this.banned.delete(userId);
    if (had.addressHash) this.bannedAddresses.delete(had.addressHash);
    return had;
  }

  async activeBan(userId: string, addressHash: string | null, now: string): Promise<Ban | null> {
    const live = (b: Ban | undefined) => (b && (b.until === null || b.until > now) ? b : null);
    const own = live(this.banned.get(userId));
    if (own) return clone(own);
    const by = addressHash ? this.bannedAddresses.get(addressHash) : undefined;
    const viaAddress = by ? live(this.banned.get(by)) : null;
    return viaAddress ? clone(viaAddress) : null;
  }

  async bans(now: string, limit: number): Promise<Ban[]> {
    return clone(
      [...this.banned.values()]
        .filter((b) => b.until === null || b.until > now)
        .sort((x, y) => y.at.localeCompare(x.at))
        .slice(0, limit),
    );
  }

  async setHold(userId: string, hold: UserHold | null): Promise<boolean> {
    const had = this.holds.has(userId);
    if (hold) this.holds.set(userId, clone(hold));
    else this.holds.delete(userId);
    return had !== (hold !== null);
  }

  async hold(userId: string): Promise<UserHold | null> {
    const h = this.holds.get(userId);
    return h ? clone(h) : null;
  }

  async noteAddress(userId: string, addressHash: string): Promise<void> {
    this.addresses.set(userId, addressHash);
  }

  async lastAddress(userId: string): Promise<string | null> {
    return this.addresses.get(userId) ?? null;
  }

  async addNote(userId: string, note: UserNote): Promise<void> {
    const list = this.userNotes.get(userId) ?? [];
    list.push(clone(note));
    if (list.length > NOTES_KEEP) list.splice(0, list.length - NOTES_KEEP);
    this.userNotes.set(userId, list);
  }

  async notes(userId: string, limit: number): Promise<UserNote[]> {
    return clone((this.userNotes.get(userId) ?? []).slice(-limit));
  }

  async appendActivity(entry: Omit<ActivityEntry, 'seq'>): Promise<number> {
    this.activityLog.push({ ...clone(entry), seq: ++this.activitySeq });
    if (this.activityLog.length > ACTIVITY_KEEP) this.activityLog.splice(0, this.activityLog.length - ACTIVITY_KEEP);
    return this.activitySeq;
  }

  async activity(since: number | null, limit: number, before?: number): Promise<ActivityEntry[]> {
    if (since !== null) return clone(this.activityLog.filter((e) => e.seq > since).slice(0, limit));
    const upTo = before === undefined ? this.activityLog : this.activityLog.filter((e) => e.seq < before);
    return clone(upTo.slice(-limit));
  }

  async touchArticle(articleId: string, at: string): Promise<void> {
    this.touched.delete(articleId);
    this.touched.set(articleId, at);
    if (this.touched.size > ARTICLES_KEEP) this.touched.delete(this.touched.keys().next().value!);
  }

  async recentArticles(limit: number): Promise<ArticleSummary[]> {
    const out: ArticleSummary[] = [];
    for (const [articleId, lastAt] of [...this.touched].reverse().slice(0, limit)) {
      const a = this.articles.get(articleId);
      out.push({
        articleId,
        lastAt,
        visible: a?.visible ?? 0,
        held: a?.held.size ?? 0,
        reported: a?.reported.size ?? 0,
        closed: a?.closed ?? false,
      });
    }
    return out;
  }

  async userComments(userId: string, limit: number, offset = 0): Promise<{ articleId: string; commentId: string }[]> {
    return clone((this.byUser.get(userId) ?? []).slice(offset, offset + limit));
  }

  async userVotes(userId: string, limit: number): Promise<{ articleId: string; commentId: string; value: 1 | -1 }[]> {
    return [...(this.votesByUser.get(userId) ?? [])].slice(0, limit).map(([ref, value]) => {
      const [articleId, commentId] = ref.split('\n') as [string, string];
      return { articleId, commentId, value };
    });
  }

  async userReports(userId: string, limit: number): Promise<{ articleId: string; commentId: string; reason: string | null; at: string }[]> {
    return clone((this.reportsByUser.get(userId) ?? []).slice(0, limit));
  }

  async markErased(userId: string, at: string): Promise<void> {
    this.erased.set(userId, at);
  }

  async forgetUser(userId: string): Promise<void> {
    for (const ref of this.votesByUser.get(userId)?.keys() ?? []) {
      const [articleId, commentId] = ref.split('\n') as [string, string];
      this.articles.get(articleId)?.votes.delete(`${commentId}|${userId}`);
    }
    this.votesByUser.delete(userId);
    this.reportsByUser.delete(userId);
    this.byUser.delete(userId);
    this.userNotes.delete(userId);
    this.holds.delete(userId);
    this.addresses.delete(userId);
  }

  async erasedAt(userId: string): Promise<string | null> {
    return this.erased.get(userId) ?? null;
  }

  async addStaffName(name: string): Promise<void> {
    if (this.staff.size < STAFF_NAMES_KEEP) this.staff.add(name);
  }

  async staffNames(): Promise<string[]> {
    return [...this.staff];
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(clone(entry));
    if (this.audit.length > AUDIT_KEEP) this.audit.splice(0, this.audit.length - AUDIT_KEEP);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    return clone(this.audit.slice(-limit));
  }

  async noteBody(bodyHash: string, articleId: string, ttlSeconds: number): Promise<number> {
    const now = Date.now();
    const seen = this.bodyArticles.get(bodyHash) ?? new Map<string, number>();
    seen.set(articleId, now + ttlSeconds * 1000);
    for (const [id, until] of seen) if (until <= now) seen.delete(id);
    this.bodyArticles.set(bodyHash, seen);
    if (this.bodyArticles.size > 100_000)
      for (const [h, m] of this.bodyArticles) if ([...m.values()].every((u) => u <= now)) this.bodyArticles.delete(h);
    return seen.size;
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

  async importComments(articleId: string, records: ImportRecord[], epochCandidate: string): Promise<string[]> {
    const a = this.article(articleId, epochCandidate);
    const written: string[] = [];
    for (const r of records.slice(0, IMPORT_BATCH)) {
      if (a.comments.has(r.id)) continue;
      a.order += 1;
      const { up, down, ...record } = clone(r);
      const stored: StoredComment = { ...record, articleId, replyCount: 0, order: a.order, version: 1 };
      this.put(a, stored);
      if (stored.parentId === null) a.roots.push(stored.id);
      else {
        const list = a.descendants.get(stored.rootId) ?? [];
        list.push(stored.id);
        a.descendants.set(stored.rootId, list);
      }
      // Replies count what readers see in the thread: the visible ones and tombstones.
      if (stored.status !== 'pending') this.bumpParent(a, stored.parentId, 1);
      if (stored.status === 'visible') a.visible += 1;
      if (stored.status === 'pending') a.held.set(stored.id, stored.createdAt);
      if (up || down) a.scores.set(stored.id, [up ?? 0, down ?? 0]);
      const mine = this.byUser.get(stored.author.id) ?? [];
      mine.push({ articleId, commentId: stored.id });
      this.byUser.set(stored.author.id, mine);
      written.push(stored.id);
    }
    return written;
  }

  async rewriteHistory(articleId: string, epoch: string): Promise<void> {
    const a = this.article(articleId, epoch);
    a.epoch = epoch;
    a.seq += 1;
    a.log = [];
  }

  async articleIds(cursor: string | null, limit: number): Promise<{ ids: string[]; cursor: string | null }> {
    const all = [...this.articles.keys()];
    const from = cursor ? Number(cursor) : 0;
    const ids = all.slice(from, from + limit);
    return { ids, cursor: from + limit < all.length ? String(from + limit) : null };
  }

  async articleComments(articleId: string): Promise<StoredComment[]> {
    const a = this.articles.get(articleId);
    if (!a) return [];
    return [...a.comments.values()].sort((x, y) => x.order - y.order).map((c) => this.read(a, c));
  }

  async isClosed(articleId: string): Promise<boolean> {
    return this.articles.get(articleId)?.closed ?? false;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
