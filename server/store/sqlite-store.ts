/**
 * CommentStore in one SQLite file (better-sqlite3): the single-process default. Same semantics as
 * the memory store (the reference) and the Redis store.
 *
 * Durability: WAL with `synchronous=FULL`, so a write resolves only once its transaction is on
 * disk (except the few bookkeeping writes of `lazy`). Every write that takes a `seq` changes the comment, the article and the event log in one
 * transaction. better-sqlite3 is synchronous: each method runs to completion before another
 * starts, which also makes every write atomic per article within the process.
 *
 * One process per data directory: `DATA_DIR/livethread.lock` is a small SQLite file held with an
 * exclusive lock for the life of the process (the kernel drops it when the process dies, even by
 * `kill -9`). The database itself stays in ordinary WAL locking, so that `sqlite3 … ".backup"` can
 * copy it while the service runs.
 *
 * The short-lived abuse facts (`claimBody`, `noteBody`) stay in memory, as in the embedded mode:
 * they are minutes old at most, and keeping them out of the file saves two disk syncs per post.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type {
  ActivityEntry,
  ArticleSummary,
  AuditEntry,
  Ban,
  CommentStore,
  CreateResult,
  EventsSince,
  Head,
  ImportRecord,
  PageQuery,
  QueueEntry,
  ReadBounds,
  RepliesPage,
  Report,
  ScoreChanges,
  SnapshotPage,
  StoredComment,
  StoredEvent,
  UpdateResult,
  UserHold,
  UserNote,
  VoteResult,
} from '../core/ports.js';
import { planCatchUp, type LogRef } from '../core/catch-up.js';
import { EMPTY_EPOCH, type EventType } from '../../shared/schemas.js';
import { MemoryStore } from './memory-store.js';
import { migrate } from './sqlite-schema.js';

const AUDIT_KEEP = 100_000;
const STAFF_NAMES_KEEP = 1000;
const ACTIVITY_KEEP = 10_000;
const ARTICLES_KEEP = 10_000;
const NOTES_KEEP = 1000;
const IDEMPOTENCY_MS = 24 * 3600 * 1000;
/** Records one importComments call takes (ports.ts). */
const IMPORT_BATCH = 500;

export const DB_FILE = 'livethread.db';
export const LOCK_FILE = 'livethread.lock';

/** Another process holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(readonly dir: string) {
    super(`DATA_DIR ${dir} is in use by another livethread process; stop it first, or give this one another DATA_DIR`);
  }
}

export interface SqliteStoreOptions {
  /** The data directory (created if missing). */
  dir: string;
  /** Events kept per article for catch-up. */
  logSize?: number;
  /**
   * True (the default): a write resolves once it is on disk (`synchronous=FULL`). False: WAL's
   * `synchronous=NORMAL`, which may lose the last writes on a power cut (never on a crash of the
   * process); for tests and throwaway data.
   */
  durable?: boolean;
}

interface ArticleRow {
  id: string;
  epoch: string | null;
  seq: number;
  ord: number;
  closed: number;
  visible: number;
  scores_version: number;
}

interface CommentRow {
  json: string;
  ord: number;
  bytes: number;
  up: number | null;
  down: number | null;
}

const byteSize = (json: string): number => Buffer.byteLength(json);

/**
 * Every better-sqlite3 object this process creates, kept for its whole life. better-sqlite3 12
 * wraps them with `node::ObjectWrap`, whose destructor on Node 24 asserts a current Environment:
 * when the garbage collector finalizes a Statement or Database outside one, the process aborts
 * (`RemoveEnvironmentCleanupHook … (env) != nullptr`; better-sqlite3 13 fixes it, but needs
 * Node 22). Never collected, they never reach that destructor; a store makes a few dozen.
 */
const retained: object[] = [];
export function retain<T extends object>(o: T): T {
  retained.push(o);
  return o;
}

/** A comment as reads return it: with its votes. */
function withVotes(r: CommentRow): StoredComment {
  return { ...(JSON.parse(r.json) as StoredComment), up: r.up ?? 0, down: r.down ?? 0 };
}

/** The columns a comment read selects: its JSON, order, size and votes. */
const COMMENT_COLUMNS = `c.json, c.ord, c.bytes, s.up, s.down
  FROM comments c LEFT JOIN scores s ON s.article_id = c.article_id AND s.comment_id = c.id`;

export class SqliteStore implements CommentStore {
  readonly dir: string;
  readonly file: string;
  private readonly db: Database.Database;
  private readonly lock: Database.Database;
  private readonly logSize: number;
  private readonly statements = new Map<string, Database.Statement>();
  /** Short-lived abuse facts, in memory (see the file's comment). */
  private readonly shortLived = new MemoryStore();
  private touches = 0;
  /** Writes waiting for the next group commit (see `write`). */
  private pending: { fn: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  private readonly durable: boolean;

  constructor(opts: SqliteStoreOptions) {
    this.dir = resolve(opts.dir);
    this.logSize = opts.logSize ?? 1000;
    this.durable = opts.durable !== false;
    mkdirSync(this.dir, { recursive: true });
    this.lock = takeLock(this.dir);
    this.file = join(this.dir, DB_FILE);
    let db: Database.Database | undefined;
    try {
      this.db = db = retain(new Database(this.file));
      this.st('PRAGMA journal_mode = WAL').get();
      this.st(`PRAGMA synchronous = ${this.durable ? 'FULL' : 'NORMAL'}`).run();
      migrate(this.db, (sql) => this.st(sql));
    } catch (e) {
      // The database may be open (a failed migration): close it before the lock.
      db?.close();
      this.lock.close();
      throw e;
    }
  }

  /** A prepared statement, prepared once. For the stores that share this file (webhooks). */
  st(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = retain(this.db.prepare(sql));
      this.statements.set(sql, s);
    }
    return s;
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * A write, acknowledged once it is on disk. Writes that arrive in the same turn of the event
   * loop are committed together (group commit): each in its own savepoint, so each is atomic and
   * one that throws takes only itself back, and all of them in one transaction, so that one disk
   * sync acknowledges them all. better-sqlite3 is synchronous: nothing else runs between the
   * writes of a batch, and nothing reads a write before its batch is committed.
   */
  write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      if (!this.db.open) throw new Error('the store is closed');
      this.tx(() => {
        for (const op of batch) {
          try {
            // Nested: a savepoint.
            results.push({ ok: true, value: this.db.transaction(op.fn)() });
          } catch (error) {
            results.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit failed: none of them is acknowledged (they may or may not be on disk).
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, i) => {
      const r = results[i]!;
      if (r.ok) op.resolve(r.value);
      else op.reject(r.error);
    });
  }

  /**
   * A write that need not wait for the disk: what moderators' lists show (activity, recent
   * articles) and a user's last address. Committed without a sync (`synchronous=NORMAL` for this
   * transaction); it survives a crash of the process, and reaches the disk with the next synced
   * write (the WAL is written in order), so a power cut can only take the last few. Saves a disk
   * sync per post.
   */
  private lazy<T>(fn: () => T): T {
    if (!this.durable) return this.tx(fn);
    this.st('PRAGMA synchronous = NORMAL').run();
    try {
      return this.tx(fn);
    } finally {
      this.st('PRAGMA synchronous = FULL').run();
    }
  }

  private articleRow(articleId: string): ArticleRow | undefined {
    return this.st('SELECT * FROM articles WHERE id = ?').get(articleId) as ArticleRow | undefined;
  }

  /** The article, created if missing; its epoch set to `epochCandidate` if it has none. */
  private ensureArticle(articleId: string, epochCandidate: string | null): ArticleRow {
    this.st('INSERT INTO articles (id, epoch) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run(articleId, epochCandidate);
    if (epochCandidate !== null) this.st('UPDATE articles SET epoch = ? WHERE id = ? AND epoch IS NULL').run(epochCandidate, articleId);
    return this.articleRow(articleId)!;
  }

  private commentRow(articleId: string, commentId: string): CommentRow | undefined {
    return this.st(`SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.id = ?`).get(articleId, commentId) as CommentRow | undefined;
  }

  private stored(articleId: string, commentId: string): StoredComment | null {
    const r = this.st('SELECT json FROM comments WHERE article_id = ? AND id = ?').get(articleId, commentId) as
      { json: string } | undefined;
    return r ? (JSON.parse(r.json) as StoredComment) : null;
  }

  private insertComment(c: StoredComment, net: number): void {
    const json = JSON.stringify(c);
    this.st('INSERT INTO comments (article_id, id, ord, parent_id, root_id, net, bytes, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
      c.articleId,
      c.id,
      c.order,
      c.parentId,
      c.rootId,
      net,
      byteSize(json),
      json,
    );
    this.st('INSERT INTO user_comments (user_id, article_id, comment_id) VALUES (?, ?, ?)').run(c.author.id, c.articleId, c.id);
  }

  private writeComment(c: StoredComment): void {
    const json = JSON.stringify(c);
    this.st('UPDATE comments SET json = ?, bytes = ? WHERE article_id = ? AND id = ?').run(json, byteSize(json), c.articleId, c.id);
  }

  private bumpParent(articleId: string, parentId: string | null, delta: number): void {
    if (!parentId || delta === 0) return;
    const parent = this.stored(articleId, parentId);
    if (!parent) return;
    parent.replyCount += delta;
    parent.version += 1;
    this.writeComment(parent);
  }

  /** Takes the article's next seq and logs a reference; returns the live event. */
  private append(a: ArticleRow, type: EventType, comment: StoredComment | null, at: string): StoredEvent {
    a.seq += 1;
    this.st('INSERT INTO events (article_id, seq, type, comment_id, at) VALUES (?, ?, ?, ?, ?)').run(
      a.id,
      a.seq,
      type,
      comment?.id ?? null,
      at,
    );
    this.st('DELETE FROM events WHERE article_id = ? AND seq <= ?').run(a.id, a.seq - this.logSize);
    this.st('UPDATE articles SET seq = ? WHERE id = ?').run(a.seq, a.id);
    return { articleId: a.id, epoch: a.epoch ?? EMPTY_EPOCH, seq: a.seq, type, comment, at, count: a.visible };
  }

  private addVisible(a: ArticleRow, delta: number): void {
    if (delta === 0) return;
    a.visible += delta;
    this.st('UPDATE articles SET visible = ? WHERE id = ?').run(a.visible, a.id);
  }

  async create(input: Parameters<CommentStore['create']>[0]): Promise<CreateResult> {
    const { comment: n, clientKey, publish, rejectIfClosed, epochCandidate, at } = input;
    return this.write((): CreateResult => {
      const now = Date.now();
      if (clientKey) {
        const existing = this.findKey(n.articleId, clientKey, now);
        if (existing) return { kind: 'duplicate', comment: existing };
      }
      const before = this.articleRow(n.articleId);
      if (rejectIfClosed && before?.closed) return { kind: 'closed' };
      const a = this.ensureArticle(n.articleId, epochCandidate);
      a.ord += 1;
      this.st('UPDATE articles SET ord = ? WHERE id = ?').run(a.ord, a.id);
      const stored: StoredComment = { ...n, editedAt: null, replyCount: 0, order: a.ord, version: 1 };
      this.insertComment(stored, 0);
      if (clientKey) {
        this.st(
          'INSERT INTO idempotency (article_id, key, comment_id, until_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET comment_id = excluded.comment_id, until_ms = excluded.until_ms',
        ).run(a.id, clientKey, n.id, now + IDEMPOTENCY_MS);
        // Expired keys go a few at a time, so that no write pays for many.
        this.st('DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE until_ms <= ? LIMIT 10)').run(now);
      }
      if (n.status === 'pending')
        this.st('INSERT OR REPLACE INTO queue_held (article_id, comment_id, at) VALUES (?, ?, ?)').run(a.id, n.id, at);
      let event: StoredEvent | null = null;
      if (publish) {
        this.bumpParent(a.id, stored.parentId, 1);
        this.addVisible(a, 1);
        event = this.append(a, 'comment.created', stored, at);
      }
      return { kind: 'created', comment: stored, event };
    });
  }

  private findKey(articleId: string, clientKey: string, now: number): StoredComment | null {
    const key = this.st('SELECT comment_id, until_ms FROM idempotency WHERE article_id = ? AND key = ?').get(articleId, clientKey) as
      { comment_id: string; until_ms: number } | undefined;
    return key && key.until_ms > now ? this.stored(articleId, key.comment_id) : null;
  }

  async get(articleId: string, commentId: string): Promise<StoredComment | null> {
    return this.stored(articleId, commentId);
  }

  async update(input: Parameters<CommentStore['update']>[0]): Promise<UpdateResult> {
    const { articleId, commentId, expect, patch, eventType, visibleDelta, parentReplyDelta, at } = input;
    return this.write((): UpdateResult => {
      const current = this.stored(articleId, commentId);
      if (!current) return { kind: 'not_found' };
      if (expect.version !== undefined && current.version !== expect.version) return { kind: 'conflict' };
      if (expect.status !== undefined && current.status !== expect.status) return { kind: 'conflict' };
      if (input.rejectIfClosed && this.articleRow(articleId)?.closed) return { kind: 'closed' };
      const a = this.ensureArticle(articleId, input.epochCandidate);
      // Through JSON, as the comment is stored: a patch's undefined fields are no change.
      const stored = { ...current, ...(JSON.parse(JSON.stringify(patch)) as typeof patch), version: current.version + 1 } as StoredComment;
      this.writeComment(stored);
      this.addVisible(a, visibleDelta);
      this.bumpParent(articleId, stored.parentId, parentReplyDelta);
      const event = eventType ? this.append(a, eventType, stored, at) : null;
      return { kind: 'updated', comment: stored, event };
    });
  }

  async setClosed(input: Parameters<CommentStore['setClosed']>[0]): Promise<StoredEvent | null> {
    return this.write(() => {
      const a = this.ensureArticle(input.articleId, input.epochCandidate);
      if (Boolean(a.closed) === input.closed) return null;
      this.st('UPDATE articles SET closed = ? WHERE id = ?').run(input.closed ? 1 : 0, a.id);
      return this.append(a, input.closed ? 'thread.closed' : 'thread.reopened', null, input.at);
    });
  }

  async snapshot(articleId: string, q: PageQuery): Promise<SnapshotPage> {
    // One read transaction: the page, head and counts are of one moment.
    return this.db.transaction((): SnapshotPage => {
      const a = this.articleRow(articleId);
      if (!a)
        return { epoch: EMPTY_EPOCH, head: 0, closed: false, count: 0, scoresVersion: 0, comments: [], cursor: null, replyCursors: {} };
      const ranking = q.sort === 'top' && !q.roots;
      let candidates: CommentRow[];
      if (q.sort === 'top') {
        candidates = q.roots
          ? q.roots
              .slice(0, q.limit)
              .map((id) =>
                this.st(`SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.id = ? AND c.parent_id IS NULL`).get(articleId, id),
              )
              .filter((r): r is CommentRow => r !== undefined)
          : (this.st(`SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.parent_id IS NULL ORDER BY c.net DESC, c.ord ASC LIMIT ?`).all(
              articleId,
              q.limit + (q.rankAfter ?? 0),
            ) as CommentRow[]);
      } else {
        const newestFirst = (q.sort === 'newest') !== Boolean(q.backward);
        const bound = q.cursor === null ? null : Number(q.cursor);
        const dir = newestFirst ? 'DESC' : 'ASC';
        const cmp = newestFirst ? '<' : '>';
        candidates = (
          bound === null
            ? this.st(`SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.parent_id IS NULL ORDER BY c.ord ${dir} LIMIT ?`).all(
                articleId,
                q.limit + 1,
              )
            : this.st(
                `SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.parent_id IS NULL AND c.ord ${cmp} ? ORDER BY c.ord ${dir} LIMIT ?`,
              ).all(articleId, Number.isFinite(bound) ? bound : 0, q.limit + 1)
        ) as CommentRow[];
      }
      const comments: StoredComment[] = [];
      const replyCursors: Record<string, string> = {};
      let bytes = 0;
      let taken = 0;
      let i = 0;
      let lastRoot: CommentRow | null = null;
      for (; i < candidates.length; i++) {
        if (taken === q.limit || (taken > 0 && bytes >= q.maxBytes)) break;
        const root = candidates[i]!;
        const rootComment = withVotes(root);
        taken++;
        lastRoot = root;
        comments.push(rootComment);
        bytes += root.bytes;
        // The newest replies, within the count and (after one reply) the byte bound; the rest are paged.
        const newest = this.st(
          `SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.root_id = ? AND c.parent_id IS NOT NULL ORDER BY c.ord DESC LIMIT ?`,
        ).all(articleId, rootComment.id, q.replies + 1) as CommentRow[];
        let n = 0;
        while (n < newest.length && n < q.replies && (n === 0 || bytes < q.maxBytes)) bytes += newest[n++]!.bytes;
        for (let j = n - 1; j >= 0; j--) comments.push(withVotes(newest[j]!));
        if (n < newest.length) replyCursors[rootComment.id] = String(n > 0 ? newest[n - 1]!.ord : newest[0]!.ord + 1);
      }
      const more = i < candidates.length;
      return {
        epoch: a.epoch ?? EMPTY_EPOCH,
        head: a.seq,
        closed: Boolean(a.closed),
        count: a.visible,
        scoresVersion: a.scores_version,
        comments,
        cursor: q.sort !== 'top' && more && lastRoot ? String(lastRoot.ord) : null,
        replyCursors,
        ...(ranking ? { rank: candidates.slice(i, i + (q.rankAfter ?? 0)).map((r) => withVotes(r).id) } : {}),
      };
    })();
  }

  async replies(articleId: string, rootId: string, page: { cursor: string; later?: boolean }, bounds: ReadBounds): Promise<RepliesPage> {
    const at = Number(page.cursor);
    if (!Number.isFinite(at)) return { comments: [], cursor: null };
    const rows = (
      page.later
        ? this.st(
            `SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.root_id = ? AND c.parent_id IS NOT NULL AND c.ord > ? ORDER BY c.ord ASC LIMIT ?`,
          )
        : this.st(
            `SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? AND c.root_id = ? AND c.parent_id IS NOT NULL AND c.ord < ? ORDER BY c.ord DESC LIMIT ?`,
          )
    ).all(articleId, rootId, at, bounds.limit + 1) as CommentRow[];
    let n = 0;
    let bytes = 0;
    while (n < rows.length && n < bounds.limit && (n === 0 || bytes < bounds.maxBytes)) bytes += rows[n++]!.bytes;
    const taken = rows.slice(0, n);
    const cursor = n < rows.length && n > 0 ? String(taken[n - 1]!.ord) : null;
    if (!page.later) taken.reverse();
    return { comments: taken.map(withVotes), cursor };
  }

  async eventsSince(articleId: string, since: number, bounds: ReadBounds): Promise<EventsSince> {
    return this.db.transaction((): EventsSince => {
      const a = this.articleRow(articleId);
      if (!a || (a.seq === 0 && a.epoch === null))
        return since === 0
          ? { kind: 'events', epoch: a?.epoch ?? EMPTY_EPOCH, head: a?.seq ?? 0, count: a?.visible ?? 0, events: [], more: false }
          : { kind: 'gone', epoch: a?.epoch ?? null, head: a?.seq ?? 0 };
      const oldest =
        (this.st('SELECT min(seq) AS s FROM events WHERE article_id = ?').get(articleId) as { s: number | null }).s ?? a.seq + 1;
      const epoch = a.epoch ?? EMPTY_EPOCH;
      if (since < oldest - 1 || since > a.seq) return { kind: 'gone', epoch, head: a.seq };
      const entries = this.st(
        'SELECT seq, type, comment_id AS commentId, at FROM events WHERE article_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ).all(articleId, since, bounds.limit) as LogRef[];
      const sizes = new Map<string, number>();
      const sizeOf = (id: string) => {
        let s = sizes.get(id);
        if (s === undefined) {
          s =
            (this.st('SELECT bytes FROM comments WHERE article_id = ? AND id = ?').get(articleId, id) as { bytes: number } | undefined)
              ?.bytes ?? 0;
          sizes.set(id, s);
        }
        return s;
      };
      const plan = planCatchUp(entries, sizeOf, bounds.maxBytes);
      const events: StoredEvent[] = [];
      for (let i = 0; i < plan.count; i++) {
        const e = entries[i]!;
        const c = plan.carries[i] ? this.stored(articleId, e.commentId!) : null;
        events.push({ articleId, epoch, seq: e.seq, type: e.type, comment: c, commentId: e.commentId, at: e.at });
      }
      const last = events.at(-1)?.seq ?? since;
      return { kind: 'events', epoch, head: a.seq, count: a.visible, events, more: last < a.seq };
    })();
  }

  async counts(articleIds: string[]): Promise<Record<string, number>> {
    return Object.fromEntries(articleIds.map((id) => [id, this.articleRow(id)?.visible ?? 0]));
  }

  async heads(articleIds: string[]): Promise<Record<string, Head>> {
    return Object.fromEntries(
      articleIds.map((id) => {
        const a = this.articleRow(id);
        return [id, { epoch: a?.epoch ?? EMPTY_EPOCH, head: a?.seq ?? 0, scores: a?.scores_version ?? 0 }];
      }),
    );
  }

  async findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null> {
    return this.findKey(articleId, clientKey, Date.now());
  }

  async vote(input: Parameters<CommentStore['vote']>[0]): Promise<VoteResult> {
    const { articleId, commentId, userId, value } = input;
    return this.write((): VoteResult => {
      const a = this.ensureArticle(articleId, null);
      const before =
        (
          this.st('SELECT value FROM votes WHERE article_id = ? AND comment_id = ? AND user_id = ?').get(articleId, commentId, userId) as
            { value: number } | undefined
        )?.value ?? 0;
      const score = this.st('SELECT up, down FROM scores WHERE article_id = ? AND comment_id = ?').get(articleId, commentId) as
        { up: number; down: number } | undefined;
      const up = score?.up ?? 0;
      const down = score?.down ?? 0;
      if (before === value) return { up, down, myVote: value, changed: false, version: a.scores_version };
      const next = [up - (before === 1 ? 1 : 0) + (value === 1 ? 1 : 0), down - (before === -1 ? 1 : 0) + (value === -1 ? 1 : 0)] as const;
      if (value === 0)
        this.st('DELETE FROM votes WHERE article_id = ? AND comment_id = ? AND user_id = ?').run(articleId, commentId, userId);
      else
        this.st(
          'INSERT INTO votes (article_id, comment_id, user_id, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
        ).run(articleId, commentId, userId, value);
      const version = a.scores_version + 1;
      this.st('UPDATE articles SET scores_version = ? WHERE id = ?').run(version, articleId);
      this.st(
        'INSERT INTO scores (article_id, comment_id, up, down, version) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET up = excluded.up, down = excluded.down, version = excluded.version',
      ).run(articleId, commentId, next[0], next[1], version);
      this.st('UPDATE comments SET net = ? WHERE article_id = ? AND id = ?').run(next[0] - next[1], articleId, commentId);
      return { up: next[0], down: next[1], myVote: value, changed: true, version };
    });
  }

  async myVotes(articleId: string, userId: string, commentIds: string[]): Promise<Record<string, 1 | -1>> {
    const out: Record<string, 1 | -1> = {};
    const rows = this.st(
      'SELECT comment_id AS id, value FROM votes WHERE article_id = ? AND user_id = ? AND comment_id IN (SELECT value FROM json_each(?))',
    ).all(articleId, userId, JSON.stringify(commentIds)) as { id: string; value: number }[];
    for (const r of rows) if (r.value === 1 || r.value === -1) out[r.id] = r.value;
    return out;
  }

  async scoresSince(articleId: string, since: number, limit: number): Promise<ScoreChanges> {
    return this.db.transaction((): ScoreChanges => {
      const a = this.articleRow(articleId);
      if (!a) return { version: 0, scores: {}, more: false };
      const rows = this.st(
        'SELECT comment_id AS id, up, down, version FROM scores WHERE article_id = ? AND version > ? ORDER BY version LIMIT ?',
      ).all(articleId, since, limit + 1) as { id: string; up: number; down: number; version: number }[];
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const scores: Record<string, [number, number]> = {};
      for (const r of page) scores[r.id] = [r.up, r.down];
      return { version: more ? page.at(-1)!.version : a.scores_version, scores, more };
    })();
  }

  async addReport(articleId: string, commentId: string, report: Report): Promise<boolean> {
    return this.write(() => {
      if (!this.stored(articleId, commentId)) return false;
      const added = this.st('INSERT OR IGNORE INTO reports (article_id, comment_id, user_id, json) VALUES (?, ?, ?, ?)').run(
        articleId,
        commentId,
        report.userId,
        JSON.stringify(report),
      );
      if (added.changes === 0) return false;
      this.st('INSERT INTO user_reports (user_id, json) VALUES (?, ?)').run(
        report.userId,
        JSON.stringify({ articleId, commentId, reason: report.reason, at: report.at }),
      );
      this.st('INSERT OR IGNORE INTO queue_reported (article_id, comment_id, at) VALUES (?, ?, ?)').run(articleId, commentId, report.at);
      return true;
    });
  }

  async reports(articleId: string, commentId: string): Promise<Report[]> {
    const rows = this.st('SELECT json FROM reports WHERE article_id = ? AND comment_id = ? ORDER BY rowid').all(articleId, commentId) as {
      json: string;
    }[];
    return rows.map((r) => JSON.parse(r.json) as Report);
  }

  async enqueueHeld(articleId: string, commentId: string, at: string): Promise<void> {
    await this.write(() => {
      if (this.stored(articleId, commentId))
        this.st('INSERT OR REPLACE INTO queue_held (article_id, comment_id, at) VALUES (?, ?, ?)').run(articleId, commentId, at);
    });
  }

  async queue(limit: number): Promise<QueueEntry[]> {
    // A comment both held and reported is listed once, as held.
    return this.st(
      `SELECT * FROM (
         SELECT article_id AS articleId, comment_id AS commentId, 'held' AS reason, at FROM queue_held
         UNION ALL
         SELECT r.article_id, r.comment_id, 'reported', r.at FROM queue_reported r
           WHERE NOT EXISTS (SELECT 1 FROM queue_held h WHERE h.article_id = r.article_id AND h.comment_id = r.comment_id)
       ) ORDER BY at LIMIT ?`,
    ).all(limit) as QueueEntry[];
  }

  async dequeue(articleId: string, commentId: string, reason?: QueueEntry['reason']): Promise<void> {
    await this.write(() => {
      if (reason !== 'reported') this.st('DELETE FROM queue_held WHERE article_id = ? AND comment_id = ?').run(articleId, commentId);
      if (reason !== 'held') this.st('DELETE FROM queue_reported WHERE article_id = ? AND comment_id = ?').run(articleId, commentId);
    });
  }

  private banOf(userId: string): Ban | null {
    const r = this.st('SELECT json FROM bans WHERE user_id = ?').get(userId) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as Ban) : null;
  }

  async ban(ban: Ban): Promise<boolean> {
    return this.write(() => {
      const had = this.banOf(ban.userId);
      if (had && had.until === ban.until && had.reason === ban.reason && had.addressHash === ban.addressHash) return false;
      if (had?.addressHash) this.st('DELETE FROM banned_addresses WHERE address_hash = ?').run(had.addressHash);
      this.st('INSERT OR REPLACE INTO bans (user_id, until, at, address_hash, json) VALUES (?, ?, ?, ?, ?)').run(
        ban.userId,
        ban.until,
        ban.at,
        ban.addressHash,
        JSON.stringify(ban),
      );
      if (ban.addressHash)
        this.st('INSERT OR REPLACE INTO banned_addresses (address_hash, user_id) VALUES (?, ?)').run(ban.addressHash, ban.userId);
      return true;
    });
  }

  async unban(userId: string): Promise<Ban | null> {
    return this.write(() => {
      const had = this.banOf(userId);
      if (!had) return null;
      this.st('DELETE FROM bans WHERE user_id = ?').run(userId);
      if (had.addressHash) this.st('DELETE FROM banned_addresses WHERE address_hash = ?').run(had.addressHash);
      return had;
    });
  }

  async activeBan(userId: string, addressHash: string | null, now: string): Promise<Ban | null> {
    const live = (b: Ban | null) => (b && (b.until === null || b.until > now) ? b : null);
    const own = live(this.banOf(userId));
    if (own) return own;
    if (!addressHash) return null;
    const by = this.st('SELECT user_id FROM banned_addresses WHERE address_hash = ?').get(addressHash) as { user_id: string } | undefined;
    return by ? live(this.banOf(by.user_id)) : null;
  }

  async bans(now: string, limit: number): Promise<Ban[]> {
    const rows = this.st('SELECT json FROM bans WHERE until IS NULL OR until > ? ORDER BY at DESC LIMIT ?').all(now, limit) as {
      json: string;
    }[];
    return rows.map((r) => JSON.parse(r.json) as Ban);
  }

  async setHold(userId: string, hold: UserHold | null): Promise<boolean> {
    return this.write(() => {
      const had = this.st('SELECT 1 FROM holds WHERE user_id = ?').get(userId) !== undefined;
      if (hold) this.st('INSERT OR REPLACE INTO holds (user_id, json) VALUES (?, ?)').run(userId, JSON.stringify(hold));
      else this.st('DELETE FROM holds WHERE user_id = ?').run(userId);
      return had !== (hold !== null);
    });
  }

  async hold(userId: string): Promise<UserHold | null> {
    const r = this.st('SELECT json FROM holds WHERE user_id = ?').get(userId) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as UserHold) : null;
  }

  async noteAddress(userId: string, addressHash: string): Promise<void> {
    this.lazy(() => this.st('INSERT OR REPLACE INTO addresses (user_id, address_hash) VALUES (?, ?)').run(userId, addressHash));
  }

  async lastAddress(userId: string): Promise<string | null> {
    const r = this.st('SELECT address_hash AS h FROM addresses WHERE user_id = ?').get(userId) as { h: string } | undefined;
    return r?.h ?? null;
  }

  async addNote(userId: string, note: UserNote): Promise<void> {
    await this.write(() => {
      this.st('INSERT INTO notes (user_id, json) VALUES (?, ?)').run(userId, JSON.stringify(note));
      this.st(
        'DELETE FROM notes WHERE user_id = ? AND id IN (SELECT id FROM notes WHERE user_id = ? ORDER BY id DESC LIMIT -1 OFFSET ?)',
      ).run(userId, userId, NOTES_KEEP);
    });
  }

  async notes(userId: string, limit: number): Promise<UserNote[]> {
    const rows = this.st('SELECT json FROM notes WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as { json: string }[];
    return rows.reverse().map((r) => JSON.parse(r.json) as UserNote);
  }

  async appendActivity(entry: Omit<ActivityEntry, 'seq'>): Promise<number> {
    return this.lazy(() => {
      const seq = Number(this.st('INSERT INTO activity (json) VALUES (?)').run(JSON.stringify(entry)).lastInsertRowid);
      this.st('DELETE FROM activity WHERE seq <= ?').run(seq - ACTIVITY_KEEP);
      return seq;
    });
  }

  async activity(since: number | null, limit: number, before?: number): Promise<ActivityEntry[]> {
    const rows = (
      since !== null
        ? this.st('SELECT seq, json FROM activity WHERE seq > ? ORDER BY seq LIMIT ?').all(since, limit)
        : this.st('SELECT seq, json FROM activity WHERE seq < ? ORDER BY seq DESC LIMIT ?')
            .all(before ?? Number.MAX_SAFE_INTEGER, limit)
            .reverse()
    ) as { seq: number; json: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.json) as Omit<ActivityEntry, 'seq'>), seq: r.seq }));
  }

  async touchArticle(articleId: string, at: string): Promise<void> {
    this.lazy(() => {
      this.st('INSERT OR REPLACE INTO touched (article_id, at) VALUES (?, ?)').run(articleId, at);
      // Trimmed now and then: counting past the newest 10,000 on every comment would cost more.
      if (++this.touches % 100 === 0)
        this.st('DELETE FROM touched WHERE rowid IN (SELECT rowid FROM touched ORDER BY at DESC, rowid DESC LIMIT -1 OFFSET ?)').run(
          ARTICLES_KEEP,
        );
    });
  }

  async recentArticles(limit: number): Promise<ArticleSummary[]> {
    return this.db.transaction(() => {
      const rows = this.st('SELECT article_id AS id, at FROM touched ORDER BY at DESC, rowid DESC LIMIT ?').all(limit) as {
        id: string;
        at: string;
      }[];
      return rows.map(({ id, at }) => {
        const a = this.articleRow(id);
        const count = (table: string) => (this.st(`SELECT count(*) AS n FROM ${table} WHERE article_id = ?`).get(id) as { n: number }).n;
        return {
          articleId: id,
          lastAt: at,
          visible: a?.visible ?? 0,
          held: count('queue_held'),
          reported: count('queue_reported'),
          closed: Boolean(a?.closed),
        };
      });
    })();
  }

  async addStaffName(name: string): Promise<void> {
    await this.write(() => {
      if ((this.st('SELECT count(*) AS n FROM staff_names').get() as { n: number }).n < STAFF_NAMES_KEEP)
        this.st('INSERT OR IGNORE INTO staff_names (name) VALUES (?)').run(name);
    });
  }

  async staffNames(): Promise<string[]> {
    return (this.st('SELECT name FROM staff_names').all() as { name: string }[]).map((r) => r.name);
  }

  async userComments(userId: string, limit: number, offset = 0): Promise<{ articleId: string; commentId: string }[]> {
    return this.st(
      'SELECT article_id AS articleId, comment_id AS commentId FROM user_comments WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?',
    ).all(userId, limit, offset) as { articleId: string; commentId: string }[];
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.write(() => {
      const seq = Number(this.st('INSERT INTO audit (json) VALUES (?)').run(JSON.stringify(entry)).lastInsertRowid);
      this.st('DELETE FROM audit WHERE seq <= ?').run(seq - AUDIT_KEEP);
    });
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const rows = this.st('SELECT json FROM audit ORDER BY seq DESC LIMIT ?').all(limit) as { json: string }[];
    return rows.reverse().map((r) => JSON.parse(r.json) as AuditEntry);
  }

  async claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean> {
    return this.shortLived.claimBody(userId, bodyHash, clientId, ttlSeconds);
  }

  async noteBody(bodyHash: string, articleId: string, ttlSeconds: number): Promise<number> {
    return this.shortLived.noteBody(bodyHash, articleId, ttlSeconds);
  }

  async userVotes(userId: string, limit: number): Promise<{ articleId: string; commentId: string; value: 1 | -1 }[]> {
    return this.st(
      'SELECT article_id AS articleId, comment_id AS commentId, value FROM votes WHERE user_id = ? ORDER BY rowid LIMIT ?',
    ).all(userId, limit) as { articleId: string; commentId: string; value: 1 | -1 }[];
  }

  async userReports(userId: string, limit: number): Promise<{ articleId: string; commentId: string; reason: string | null; at: string }[]> {
    const rows = this.st('SELECT json FROM user_reports WHERE user_id = ? ORDER BY id LIMIT ?').all(userId, limit) as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as { articleId: string; commentId: string; reason: string | null; at: string });
  }

  async markErased(userId: string, at: string): Promise<void> {
    await this.write(() => this.st('INSERT OR REPLACE INTO erased (user_id, at) VALUES (?, ?)').run(userId, at));
  }

  async forgetUser(userId: string): Promise<void> {
    await this.write(() => {
      // Their votes stay counted (scores), but no record says whose they are.
      for (const table of ['votes', 'user_reports', 'user_comments', 'notes', 'holds', 'addresses'])
        this.st(`DELETE FROM ${table} WHERE user_id = ?`).run(userId);
    });
  }

  async erasedAt(userId: string): Promise<string | null> {
    return (this.st('SELECT at FROM erased WHERE user_id = ?').get(userId) as { at: string } | undefined)?.at ?? null;
  }

  async importComments(articleId: string, records: ImportRecord[], epochCandidate: string): Promise<string[]> {
    return this.write(() => {
      const a = this.ensureArticle(articleId, epochCandidate);
      const written: string[] = [];
      for (const r of records.slice(0, IMPORT_BATCH)) {
        if (this.st('SELECT 1 FROM comments WHERE article_id = ? AND id = ?').get(articleId, r.id)) continue;
        a.ord += 1;
        const { up, down, ...record } = r;
        const stored: StoredComment = { ...record, articleId, replyCount: 0, order: a.ord, version: 1 };
        this.insertComment(JSON.parse(JSON.stringify(stored)) as StoredComment, (up ?? 0) - (down ?? 0));
        // Replies count what readers see in the thread: the visible ones and tombstones.
        if (stored.status !== 'pending') this.bumpParent(articleId, stored.parentId, 1);
        if (stored.status === 'visible') a.visible += 1;
        if (stored.status === 'pending')
          this.st('INSERT OR REPLACE INTO queue_held (article_id, comment_id, at) VALUES (?, ?, ?)').run(
            articleId,
            stored.id,
            stored.createdAt,
          );
        if (up || down)
          this.st('INSERT OR REPLACE INTO scores (article_id, comment_id, up, down, version) VALUES (?, ?, ?, ?, 0)').run(
            articleId,
            stored.id,
            up ?? 0,
            down ?? 0,
          );
        written.push(stored.id);
      }
      this.st('UPDATE articles SET ord = ?, visible = ? WHERE id = ?').run(a.ord, a.visible, articleId);
      return written;
    });
  }

  async rewriteHistory(articleId: string, epoch: string): Promise<void> {
    await this.write(() => {
      this.ensureArticle(articleId, epoch);
      this.st('UPDATE articles SET epoch = ?, seq = seq + 1 WHERE id = ?').run(epoch, articleId);
      this.st('DELETE FROM events WHERE article_id = ?').run(articleId);
    });
  }

  async articleIds(cursor: string | null, limit: number): Promise<{ ids: string[]; cursor: string | null }> {
    const rows = this.st('SELECT id FROM articles WHERE id > ? ORDER BY id LIMIT ?').all(cursor ?? '', limit + 1) as { id: string }[];
    const ids = rows.slice(0, limit).map((r) => r.id);
    return { ids, cursor: rows.length > limit ? ids.at(-1)! : null };
  }

  async articleComments(articleId: string): Promise<StoredComment[]> {
    const rows = this.st(`SELECT ${COMMENT_COLUMNS} WHERE c.article_id = ? ORDER BY c.ord`).all(articleId) as CommentRow[];
    return rows.map(withVotes);
  }

  async isClosed(articleId: string): Promise<boolean> {
    return Boolean(this.articleRow(articleId)?.closed);
  }

  async ping(): Promise<void> {
    this.st('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.flush();
    this.db.close();
    this.lock.close();
  }
}

/**
 * Takes the data directory's lock: an exclusive lock on a small SQLite file, held until the
 * process closes it or dies (the kernel drops the lock with the process, so no stale lock is left).
 */
function takeLock(dir: string): Database.Database {
  const lock = retain(new Database(join(dir, LOCK_FILE), { timeout: 0 }));
  try {
    retain(lock.prepare('PRAGMA locking_mode = EXCLUSIVE')).get();
    lock.exec('BEGIN IMMEDIATE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since TEXT)');
    lock.exec('DELETE FROM holder');
    retain(lock.prepare('INSERT INTO holder VALUES (?, ?)')).run(process.pid, new Date().toISOString());
    lock.exec('COMMIT');
  } catch (e) {
    lock.close();
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new DataDirInUseError(dir);
    throw e;
  }
  return lock;
}
