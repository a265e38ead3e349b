/**
 * CommentStore on Redis (ioredis; a single server or a Cluster).
 *
 * Keys of one article share the hash tag `{a:<articleId>}`, so every script touches one slot and
 * runs unchanged on Redis Cluster:
 *   lt:{a:ID}:meta   hash   epoch, seq (last public event), n (creation order), closed, visible
 *   lt:{a:ID}:c      hash   comment id → comment JSON
 *   lt:{a:ID}:roots  zset   root comment ids scored by creation order
 *   lt:{a:ID}:desc   zset   "rootId:<order, 12 digits>:id" (all score 0): replies by thread, in order
 *   lt:{a:ID}:log    list   "seq|type|commentId|at": the last `logSize` public events (references)
 *   lt:{a:ID}:idem:K string comment id for idempotency key K (author:clientId), 24 h
 *   lt:{a:ID}:held   zset   held comment ids by time (ms)     \ the moderation queue of
 *   lt:{a:ID}:reported zset reported comment ids by time (ms) / this article
 *   lt:{a:ID}:rep:C  list   report JSON for comment C; lt:{a:ID}:repu:C set of reporters
 * Outside articles: lt:modq (set of articles that may have queue entries), lt:bans (set),
 * lt:{u:ID}:comments (list "articleId\ncommentId"), lt:audit (list), lt:dup:{u:ID}:H (10 min),
 * lt:staff (set of moderators' names).
 *
 * The scripts are in store/lua/, each naming its KEYS and ARGV; none takes or returns an
 * unbounded number of items.
 */
import type { Cluster, Redis } from 'ioredis';
import type {
  AuditEntry,
  CommentStore,
  QueueEntry,
  Report,
  CreateResult,
  EventsSince,
  ReadBounds,
  RepliesPage,
  SnapshotPage,
  StoredComment,
  StoredEvent,
  UpdateResult,
} from '../core/ports.js';
import { EVENT_OVERHEAD_BYTES } from '../core/catch-up.js';
import { EMPTY_EPOCH, type EventType } from '../../shared/schemas.js';
import { defineScript } from './lua.js';

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const AUDIT_KEEP = 100_000;
const STAFF_NAMES_KEEP = 1000;

type Client = Redis | Cluster;

function scripts(redis: Client) {
  return {
    create: defineScript<string[]>(
      redis,
      'create',
      ['meta', 'comments', 'roots', 'desc', 'log', 'idem', 'held'] as const,
      ['comment_json', 'use_idem', 'publish', 'reject_if_closed', 'epoch_candidate', 'at', 'log_size', 'idem_ttl', 'at_ms'] as const,
    ),
    update: defineScript<string[]>(
      redis,
      'update',
      ['meta', 'comments', 'log'] as const,
      [
        'comment_id',
        'expect_version',
        'expect_status',
        'patch_json',
        'event_type',
        'visible_delta',
        'parent_reply_delta',
        'reject_if_closed',
        'epoch_candidate',
        'at',
        'log_size',
      ] as const,
    ),
    setClosed: defineScript<string[]>(
      redis,
      'set-closed',
      ['meta', 'log'] as const,
      ['closed', 'epoch_candidate', 'at', 'log_size'] as const,
    ),
    snapshot: defineScript<string[]>(
      redis,
      'snapshot',
      ['meta', 'comments', 'roots', 'desc'] as const,
      ['cursor', 'limit', 'replies', 'max_bytes'] as const,
    ),
    replies: defineScript<string[]>(redis, 'replies', ['comments', 'desc'] as const, ['root_id', 'cursor', 'limit', 'max_bytes'] as const),
    eventsSince: defineScript<string[]>(
      redis,
      'events-since',
      ['meta', 'log', 'comments'] as const,
      ['since', 'limit', 'max_bytes', 'overhead'] as const,
    ),
    addReport: defineScript<number>(
      redis,
      'add-report',
      ['comments', 'reported', 'report_list', 'reporters'] as const,
      ['comment_id', 'user_id', 'report_json', 'at_ms'] as const,
    ),
    claimBody: defineScript<number>(redis, 'claim-body', ['claim'] as const, ['client_id', 'ttl'] as const),
  };
}

export interface RedisStoreOptions {
  /** Events kept per article for catch-up (at least 1,000 in production). */
  logSize?: number;
  /** Key prefix, for several independent stores on one Redis. */
  prefix?: string;
}

export class RedisStore implements CommentStore {
  private readonly logSize: number;
  private readonly prefix: string;
  private readonly lua: ReturnType<typeof scripts>;

  constructor(
    private readonly redis: Client,
    opts: RedisStoreOptions = {},
  ) {
    this.logSize = opts.logSize ?? 1000;
    this.prefix = opts.prefix ?? 'lt';
    this.lua = scripts(redis);
  }

  private key(articleId: string, name: string): string {
    return `${this.prefix}:{a:${articleId}}:${name}`;
  }

  private global(name: string): string {
    return `${this.prefix}:${name}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:{u:${userId}}:comments`;
  }

  async create(input: Parameters<CommentStore['create']>[0]): Promise<CreateResult> {
    const { comment, clientKey, publish, rejectIfClosed, epochCandidate, at } = input;
    const a = comment.articleId;
    // Indexes outside the article's slot are written first: at worst they point at nothing.
    if (comment.status === 'pending') await this.redis.sadd(this.global('modq'), a);
    await this.redis.rpush(this.userKey(comment.author.id), `${a}\n${comment.id}`);
    const r = await this.lua.create(
      {
        meta: this.key(a, 'meta'),
        comments: this.key(a, 'c'),
        roots: this.key(a, 'roots'),
        desc: this.key(a, 'desc'),
        log: this.key(a, 'log'),
        idem: this.key(a, `idem:${clientKey ?? ''}`),
        held: this.key(a, 'held'),
      },
      {
        comment_json: JSON.stringify(comment),
        use_idem: clientKey ? '1' : '0',
        publish: publish ? '1' : '0',
        reject_if_closed: rejectIfClosed ? '1' : '0',
        epoch_candidate: epochCandidate,
        at,
        log_size: this.logSize,
        idem_ttl: IDEMPOTENCY_TTL_SECONDS,
        at_ms: Date.parse(at),
      },
    );
    if (r[0] === 'closed') return { kind: 'closed' };
    const stored = parseComment(r[1]!);
    if (r[0] === 'duplicate') return { kind: 'duplicate', comment: stored };
    return { kind: 'created', comment: stored, event: liveEvent(stored, 'comment.created', r[2]!, r[3]!, at) };
  }

  async get(articleId: string, commentId: string): Promise<StoredComment | null> {
    const raw = await this.redis.hget(this.key(articleId, 'c'), commentId);
    return raw ? parseComment(raw) : null;
  }

  async update(input: Parameters<CommentStore['update']>[0]): Promise<UpdateResult> {
    const a = input.articleId;
    const r = await this.lua.update(
      { meta: this.key(a, 'meta'), comments: this.key(a, 'c'), log: this.key(a, 'log') },
      {
        comment_id: input.commentId,
        expect_version: input.expect.version ?? '',
        expect_status: input.expect.status ?? '',
        patch_json: JSON.stringify(input.patch),
        event_type: input.eventType ?? '',
        visible_delta: input.visibleDelta,
        parent_reply_delta: input.parentReplyDelta,
        reject_if_closed: input.rejectIfClosed ? '1' : '0',
        epoch_candidate: input.epochCandidate,
        at: input.at,
        log_size: this.logSize,
      },
    );
    if (r[0] === 'not_found' || r[0] === 'conflict' || r[0] === 'closed') return { kind: r[0] };
    const stored = parseComment(r[1]!);
    return { kind: 'updated', comment: stored, event: input.eventType ? liveEvent(stored, input.eventType, r[2]!, r[3]!, input.at) : null };
  }

  async setClosed(input: Parameters<CommentStore['setClosed']>[0]): Promise<StoredEvent | null> {
    const a = input.articleId;
    const r = await this.lua.setClosed(
      { meta: this.key(a, 'meta'), log: this.key(a, 'log') },
      { closed: input.closed ? '1' : '0', epoch_candidate: input.epochCandidate, at: input.at, log_size: this.logSize },
    );
    if (r.length === 0) return null;
    return {
      articleId: a,
      epoch: r[1]!,
      seq: Number(r[0]),
      type: input.closed ? 'thread.closed' : 'thread.reopened',
      comment: null,
      at: input.at,
    };
  }

  async snapshot(articleId: string, opts: Parameters<CommentStore['snapshot']>[1]): Promise<SnapshotPage> {
    const a = articleId;
    const r = await this.lua.snapshot(
      { meta: this.key(a, 'meta'), comments: this.key(a, 'c'), roots: this.key(a, 'roots'), desc: this.key(a, 'desc') },
      { cursor: opts.cursor ?? '', limit: opts.limit, replies: opts.replies, max_bytes: opts.maxBytes },
    );
    const [epoch, head, closed, next] = r;
    const comments: StoredComment[] = [];
    const replyCursors: Record<string, string> = {};
    let i = 4;
    while (i < r.length) {
      const root = parseComment(r[i]!);
      const replyCursor = r[i + 1]!;
      const n = Number(r[i + 2]);
      comments.push(root);
      if (replyCursor) replyCursors[root.id] = replyCursor;
      for (let j = 0; j < n; j++) comments.push(parseComment(r[i + 3 + j]!));
      i += 3 + n;
    }
    return { epoch: epoch || EMPTY_EPOCH, head: Number(head), closed: closed === '1', comments, cursor: next || null, replyCursors };
  }

  async replies(articleId: string, rootId: string, cursor: string, bounds: ReadBounds): Promise<RepliesPage> {
    const [earlier, ...rows] = await this.lua.replies(
      { comments: this.key(articleId, 'c'), desc: this.key(articleId, 'desc') },
      { root_id: rootId, cursor, limit: bounds.limit, max_bytes: bounds.maxBytes },
    );
    return { comments: rows.map(parseComment), cursor: earlier || null };
  }

  async eventsSince(articleId: string, since: number, bounds: ReadBounds): Promise<EventsSince> {
    const r = await this.lua.eventsSince(
      { meta: this.key(articleId, 'meta'), log: this.key(articleId, 'log'), comments: this.key(articleId, 'c') },
      { since, limit: bounds.limit, max_bytes: bounds.maxBytes, overhead: EVENT_OVERHEAD_BYTES },
    );
    const [rawEpoch, head, ok, more] = r;
    if (ok !== '1') return { kind: 'gone', epoch: rawEpoch || null, head: Number(head) };
    const epoch = rawEpoch || EMPTY_EPOCH;
    const events: StoredEvent[] = [];
    for (let i = 4; i < r.length; i += 2) {
      const [seq, type, commentId, at] = r[i]!.split('|', 4) as [string, EventType, string, string];
      const comment = r[i + 1] ? parseComment(r[i + 1]!) : null;
      events.push({ articleId, epoch, seq: Number(seq), type, comment, commentId: commentId || null, at });
    }
    return { kind: 'events', epoch, head: Number(head), events, more: more === '1' };
  }

  async counts(articleIds: string[]): Promise<Record<string, number>> {
    const values = await Promise.all(articleIds.map((id) => this.redis.hget(this.key(id, 'meta'), 'visible')));
    return Object.fromEntries(articleIds.map((id, i) => [id, Number(values[i] ?? 0)]));
  }

  async findByClientKey(articleId: string, clientKey: string): Promise<StoredComment | null> {
    const id = await this.redis.get(this.key(articleId, `idem:${clientKey}`));
    return id ? this.get(articleId, id) : null;
  }

  async addReport(articleId: string, commentId: string, report: Report): Promise<boolean> {
    await this.redis.sadd(this.global('modq'), articleId);
    const added = await this.lua.addReport(
      {
        comments: this.key(articleId, 'c'),
        reported: this.key(articleId, 'reported'),
        report_list: this.key(articleId, `rep:${commentId}`),
        reporters: this.key(articleId, `repu:${commentId}`),
      },
      { comment_id: commentId, user_id: report.userId, report_json: JSON.stringify(report), at_ms: Date.parse(report.at) },
    );
    return added === 1;
  }

  async reports(articleId: string, commentId: string): Promise<Report[]> {
    const rows = await this.redis.lrange(this.key(articleId, `rep:${commentId}`), 0, -1);
    return rows.map((r) => JSON.parse(r) as Report);
  }

  async enqueueHeld(articleId: string, commentId: string, at: string): Promise<void> {
    await this.redis.sadd(this.global('modq'), articleId);
    await this.redis.zadd(this.key(articleId, 'held'), Date.parse(at), commentId);
  }

  async queue(limit: number): Promise<QueueEntry[]> {
    const articles = await this.redis.smembers(this.global('modq'));
    const all: QueueEntry[] = [];
    await Promise.all(
      articles.map(async (articleId) => {
        const [held, reported] = await Promise.all([
          this.redis.zrange(this.key(articleId, 'held'), 0, limit - 1, 'WITHSCORES'),
          this.redis.zrange(this.key(articleId, 'reported'), 0, limit - 1, 'WITHSCORES'),
        ]);
        if (held.length === 0 && reported.length === 0) {
          await this.redis.srem(this.global('modq'), articleId);
          return;
        }
        const seen = new Set<string>();
        for (const [rows, reason] of [
          [held, 'held'],
          [reported, 'reported'],
        ] as const) {
          for (let i = 0; i < rows.length; i += 2) {
            const commentId = rows[i]!;
            if (seen.has(commentId)) continue;
            seen.add(commentId);
            all.push({ articleId, commentId, reason, at: new Date(Number(rows[i + 1])).toISOString() });
          }
        }
      }),
    );
    return all.sort((x, y) => x.at.localeCompare(y.at)).slice(0, limit);
  }

  async dequeue(articleId: string, commentId: string, reason?: QueueEntry['reason']): Promise<void> {
    await Promise.all(
      (['held', 'reported'] as const).filter((r) => !reason || r === reason).map((r) => this.redis.zrem(this.key(articleId, r), commentId)),
    );
  }

  async setBan(userId: string, banned: boolean): Promise<boolean> {
    const n = banned ? await this.redis.sadd(this.global('bans'), userId) : await this.redis.srem(this.global('bans'), userId);
    return n === 1;
  }

  async isBanned(userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.global('bans'), userId)) === 1;
  }

  async userComments(userId: string, limit: number): Promise<{ articleId: string; commentId: string }[]> {
    const rows = await this.redis.lrange(this.userKey(userId), 0, limit - 1);
    return rows.map((r) => {
      const i = r.lastIndexOf('\n');
      return { articleId: r.slice(0, i), commentId: r.slice(i + 1) };
    });
  }

  async addStaffName(name: string): Promise<void> {
    if ((await this.redis.scard(this.global('staff'))) < STAFF_NAMES_KEEP) await this.redis.sadd(this.global('staff'), name);
  }

  async staffNames(): Promise<string[]> {
    return this.redis.srandmember(this.global('staff'), STAFF_NAMES_KEEP);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.redis.rpush(this.global('audit'), JSON.stringify(entry));
    await this.redis.ltrim(this.global('audit'), -AUDIT_KEEP, -1);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const rows = await this.redis.lrange(this.global('audit'), -limit, -1);
    return rows.map((r) => JSON.parse(r) as AuditEntry);
  }

  async claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean> {
    return (
      (await this.lua.claimBody({ claim: `${this.prefix}:dup:{u:${userId}}:${bodyHash}` }, { client_id: clientId, ttl: ttlSeconds })) === 1
    );
  }

  async heads(articleIds: string[]): Promise<Record<string, { epoch: string; head: number }>> {
    const rows = await Promise.all(articleIds.map((id) => this.redis.hmget(this.key(id, 'meta'), 'epoch', 'seq')));
    return Object.fromEntries(articleIds.map((id, i) => [id, { epoch: rows[i]?.[0] || EMPTY_EPOCH, head: Number(rows[i]?.[1] ?? 0) }]));
  }

  async ping(): Promise<void> {
    if ('nodes' in this.redis && typeof this.redis.nodes === 'function') {
      await Promise.all((this.redis as Cluster).nodes('master').map((n) => n.ping()));
    } else {
      await (this.redis as Redis).ping();
    }
  }

  async close(): Promise<void> {
    // The connection belongs to the caller.
  }
}

/** The event a write just logged, with the comment as the write left it. */
function liveEvent(comment: StoredComment, type: EventType, seq: string, epoch: string, at: string): StoredEvent | null {
  if (!seq) return null;
  return { articleId: comment.articleId, epoch, seq: Number(seq), type, comment, at };
}

function parseComment(raw: string): StoredComment {
  return JSON.parse(raw) as StoredComment;
}
