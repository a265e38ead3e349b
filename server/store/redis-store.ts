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
 * lt:{u:ID}:comments (list "articleId\ncommentId"), lt:{u:ID}:votes (hash "articleId\ncommentId" → vote),
 * lt:{u:ID}:reports (list of JSON), lt:{u:ID}:erased (when), lt:audit (list), lt:dup:{u:ID}:H (10 min),
 * lt:staff (set of moderators' names).
 *
 * The scripts are in store/lua/, each naming its KEYS and ARGV; none takes or returns an
 * unbounded number of items.
 */
import type { Cluster, Redis } from 'ioredis';
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
import { EVENT_OVERHEAD_BYTES } from '../core/catch-up.js';
import { EMPTY_EPOCH, type EventType } from '../../shared/schemas.js';
import { defineScript } from './lua.js';

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const AUDIT_KEEP = 100_000;
const STAFF_NAMES_KEEP = 1000;
const ACTIVITY_KEEP = 10_000;
const ARTICLES_KEEP = 10_000;
const NOTES_KEEP = 1000;
/** Records one importComments call takes (ports.ts). */
const IMPORT_BATCH = 500;
/** How long a user's last address is kept for a ban to cover it. */
const ADDRESS_TTL_SECONDS = 90 * 24 * 3600;

type Client = Redis | Cluster;

function scripts(redis: Client) {
  return {
    create: defineScript<string[]>(
      redis,
      'create',
      ['meta', 'comments', 'roots', 'desc', 'log', 'idem', 'held', 'top'] as const,
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
      ['meta', 'comments', 'roots', 'desc', 'score', 'top'] as const,
      ['sort', 'cursor', 'backward', 'root_ids', 'limit', 'replies', 'max_bytes', 'rank_after'] as const,
    ),
    replies: defineScript<string[]>(
      redis,
      'replies',
      ['comments', 'desc', 'score'] as const,
      ['root_id', 'cursor', 'later', 'limit', 'max_bytes'] as const,
    ),
    vote: defineScript<string[]>(
      redis,
      'vote',
      ['meta', 'score', 'votes', 'changes', 'top'] as const,
      ['comment_id', 'user_id', 'value', 'root_order'] as const,
    ),
    scoresSince: defineScript<string[]>(redis, 'scores-since', ['meta', 'changes', 'score'] as const, ['since', 'limit'] as const),
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
    importComments: defineScript<string[]>(
      redis,
      'import',
      ['meta', 'comments', 'roots', 'desc', 'held', 'score', 'top'] as const,
      ['records_json', 'epoch_candidate'] as const,
    ),
    rewriteHistory: defineScript<number>(redis, 'rewrite-history', ['meta', 'log'] as const, ['epoch'] as const),
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
    return this.user(userId, 'comments');
  }

  /** A key of one user's: all of them share the hash tag `{u:<userId>}`. */
  private user(userId: string, name: string): string {
    return `${this.prefix}:{u:${userId}}:${name}`;
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
        top: this.key(a, 'top'),
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
    return { kind: 'created', comment: stored, event: liveEvent(stored, 'comment.created', r[2]!, r[3]!, at, r[4]!) };
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
    return {
      kind: 'updated',
      comment: stored,
      event: input.eventType ? liveEvent(stored, input.eventType, r[2]!, r[3]!, input.at, r[4]!) : null,
    };
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

  async snapshot(articleId: string, q: PageQuery): Promise<SnapshotPage> {
    const a = articleId;
    // A page of `top` is at most the page's own roots; ids cannot hold a comma (CommentId).
    const r = await this.lua.snapshot(
      {
        meta: this.key(a, 'meta'),
        comments: this.key(a, 'c'),
        roots: this.key(a, 'roots'),
        desc: this.key(a, 'desc'),
        score: this.key(a, 'score'),
        top: this.key(a, 'top'),
      },
      {
        sort: q.sort,
        cursor: q.cursor ?? '',
        backward: q.backward ? '1' : '',
        root_ids: (q.roots ?? []).slice(0, q.limit).join(','),
        limit: q.limit,
        replies: q.replies,
        max_bytes: q.maxBytes,
        rank_after: q.sort === 'top' && !q.roots ? (q.rankAfter ?? 0) : 0,
      },
    );
    const [epoch, head, closed, next, visible, sv, rankCount] = r;
    const ranked = Number(rankCount);
    const rank = r.slice(7, 7 + ranked);
    const comments: StoredComment[] = [];
    const replyCursors: Record<string, string> = {};
    let i = 7 + ranked;
    while (i < r.length) {
      const root = withScore(r[i]!, r[i + 1]!);
      const replyCursor = r[i + 2]!;
      const n = Number(r[i + 3]);
      comments.push(root);
      if (replyCursor) replyCursors[root.id] = replyCursor;
      for (let j = 0; j < n; j++) comments.push(withScore(r[i + 4 + 2 * j]!, r[i + 5 + 2 * j]!));
      i += 4 + 2 * n;
    }
    return {
      epoch: epoch || EMPTY_EPOCH,
      head: Number(head),
      closed: closed === '1',
      count: Number(visible),
      scoresVersion: Number(sv),
      comments,
      cursor: next || null,
      replyCursors,
      ...(q.sort === 'top' && !q.roots ? { rank } : {}),
    };
  }

  async replies(articleId: string, rootId: string, page: { cursor: string; later?: boolean }, bounds: ReadBounds): Promise<RepliesPage> {
    const [next, ...rows] = await this.lua.replies(
      { comments: this.key(articleId, 'c'), desc: this.key(articleId, 'desc'), score: this.key(articleId, 'score') },
      { root_id: rootId, cursor: page.cursor, later: page.later ? '1' : '', limit: bounds.limit, max_bytes: bounds.maxBytes },
    );
    const comments: StoredComment[] = [];
    for (let i = 0; i < rows.length; i += 2) comments.push(withScore(rows[i]!, rows[i + 1]!));
    return { comments, cursor: next || null };
  }

  async vote(input: Parameters<CommentStore['vote']>[0]): Promise<VoteResult> {
    const a = input.articleId;
    const root = input.rootOrder ?? null;
    const r = await this.lua.vote(
      {
        meta: this.key(a, 'meta'),
        score: this.key(a, 'score'),
        votes: this.key(a, 'votes'),
        changes: this.key(a, 'schg'),
        top: this.key(a, 'top'),
      },
      { comment_id: input.commentId, user_id: input.userId, value: input.value, root_order: root === null ? '' : root },
    );
    // The user's own index (another slot): what they gave, for their data export and erasure.
    if (r[3] === '1') {
      const ref = `${a}\n${input.commentId}`;
      if (input.value === 0) await this.redis.hdel(this.user(input.userId, 'votes'), ref);
      else await this.redis.hset(this.user(input.userId, 'votes'), ref, String(input.value));
    }
    return { up: Number(r[0]), down: Number(r[1]), myVote: Number(r[2]) as -1 | 0 | 1, changed: r[3] === '1', version: Number(r[4]) };
  }

  async myVotes(articleId: string, userId: string, commentIds: string[]): Promise<Record<string, 1 | -1>> {
    const out: Record<string, 1 | -1> = {};
    // In slices: a page holds at most a few thousand comments, and no command takes them all at once.
    for (let i = 0; i < commentIds.length; i += 500) {
      const ids = commentIds.slice(i, i + 500);
      const values = await this.redis.hmget(this.key(articleId, 'votes'), ...ids.map((id) => `${id}|${userId}`));
      ids.forEach((id, j) => {
        if (values[j] === '1') out[id] = 1;
        else if (values[j] === '-1') out[id] = -1;
      });
    }
    return out;
  }

  async scoresSince(articleId: string, since: number, limit: number): Promise<ScoreChanges> {
    const r = await this.lua.scoresSince(
      { meta: this.key(articleId, 'meta'), changes: this.key(articleId, 'schg'), score: this.key(articleId, 'score') },
      { since, limit },
    );
    const scores: Record<string, [number, number]> = {};
    for (let i = 2; i < r.length; i += 2) scores[r[i]!] = parseScore(r[i + 1]!);
    return { version: Number(r[0]), scores, more: r[1] === '1' };
  }

  async eventsSince(articleId: string, since: number, bounds: ReadBounds): Promise<EventsSince> {
    const r = await this.lua.eventsSince(
      { meta: this.key(articleId, 'meta'), log: this.key(articleId, 'log'), comments: this.key(articleId, 'c') },
      { since, limit: bounds.limit, max_bytes: bounds.maxBytes, overhead: EVENT_OVERHEAD_BYTES },
    );
    const [rawEpoch, head, ok, more, visible] = r;
    if (ok !== '1') return { kind: 'gone', epoch: rawEpoch || null, head: Number(head) };
    const epoch = rawEpoch || EMPTY_EPOCH;
    const events: StoredEvent[] = [];
    for (let i = 5; i < r.length; i += 2) {
      const [seq, type, commentId, at] = r[i]!.split('|', 4) as [string, EventType, string, string];
      const comment = r[i + 1] ? parseComment(r[i + 1]!) : null;
      events.push({ articleId, epoch, seq: Number(seq), type, comment, commentId: commentId || null, at });
    }
    return { kind: 'events', epoch, head: Number(head), count: Number(visible), events, more: more === '1' };
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
    if (added !== 1) return false;
    await this.redis.rpush(
      this.user(report.userId, 'reports'),
      JSON.stringify({ articleId, commentId, reason: report.reason, at: report.at }),
    );
    return true;
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

  async ban(ban: Ban): Promise<boolean> {
    const raw = await this.redis.hget(this.global('ban'), ban.userId);
    const had = raw ? (JSON.parse(raw) as Ban) : null;
    if (had && had.until === ban.until && had.reason === ban.reason && had.addressHash === ban.addressHash) return false;
    if (had?.addressHash) await this.redis.hdel(this.global('banaddr'), had.addressHash);
    await this.redis.hset(this.global('ban'), ban.userId, JSON.stringify(ban));
    if (ban.addressHash) await this.redis.hset(this.global('banaddr'), ban.addressHash, ban.userId);
    return true;
  }

  async unban(userId: string): Promise<Ban | null> {
    const raw = await this.redis.hget(this.global('ban'), userId);
    if (!raw) return null;
    const had = JSON.parse(raw) as Ban;
    await this.redis.hdel(this.global('ban'), userId);
    if (had.addressHash) await this.redis.hdel(this.global('banaddr'), had.addressHash);
    return had;
  }

  async activeBan(userId: string, addressHash: string | null, now: string): Promise<Ban | null> {
    const live = (raw: string | null) => {
      const b = raw ? (JSON.parse(raw) as Ban) : null;
      return b && (b.until === null || b.until > now) ? b : null;
    };
    const [own, by] = await Promise.all([
      this.redis.hget(this.global('ban'), userId),
      addressHash ? this.redis.hget(this.global('banaddr'), addressHash) : null,
    ]);
    return live(own) ?? (by && by !== userId ? live(await this.redis.hget(this.global('ban'), by)) : null);
  }

  async bans(now: string, limit: number): Promise<Ban[]> {
    // Bans are few (thousands at most); expired ones are dropped as they are met.
    const all = Object.values(await this.redis.hgetall(this.global('ban'))).map((r) => JSON.parse(r) as Ban);
    const expired = all.filter((b) => b.until !== null && b.until <= now);
    if (expired.length) {
      await this.redis.hdel(this.global('ban'), ...expired.map((b) => b.userId));
      const addresses = expired.flatMap((b) => (b.addressHash ? [b.addressHash] : []));
      if (addresses.length) await this.redis.hdel(this.global('banaddr'), ...addresses);
    }
    return all
      .filter((b) => b.until === null || b.until > now)
      .sort((x, y) => y.at.localeCompare(x.at))
      .slice(0, limit);
  }

  async setHold(userId: string, hold: UserHold | null): Promise<boolean> {
    if (hold) return (await this.redis.hset(this.global('hold'), userId, JSON.stringify(hold))) === 1;
    return (await this.redis.hdel(this.global('hold'), userId)) === 1;
  }

  async hold(userId: string): Promise<UserHold | null> {
    const raw = await this.redis.hget(this.global('hold'), userId);
    return raw ? (JSON.parse(raw) as UserHold) : null;
  }

  async noteAddress(userId: string, addressHash: string): Promise<void> {
    await this.redis.set(this.user(userId, 'addr'), addressHash, 'EX', ADDRESS_TTL_SECONDS);
  }

  async lastAddress(userId: string): Promise<string | null> {
    return this.redis.get(this.user(userId, 'addr'));
  }

  async addNote(userId: string, note: UserNote): Promise<void> {
    const key = this.user(userId, 'notes');
    await this.redis.rpush(key, JSON.stringify(note));
    await this.redis.ltrim(key, -NOTES_KEEP, -1);
  }

  async notes(userId: string, limit: number): Promise<UserNote[]> {
    const rows = await this.redis.lrange(this.user(userId, 'notes'), -limit, -1);
    return rows.map((r) => JSON.parse(r) as UserNote);
  }

  async appendActivity(entry: Omit<ActivityEntry, 'seq'>): Promise<number> {
    const seq = await this.redis.incr(this.global('activity:seq'));
    await this.redis.zadd(this.global('activity'), seq, JSON.stringify({ ...entry, seq }));
    await this.redis.zremrangebyrank(this.global('activity'), 0, -ACTIVITY_KEEP - 1);
    return seq;
  }

  async activity(since: number | null, limit: number, before?: number): Promise<ActivityEntry[]> {
    const key = this.global('activity');
    const rows =
      since !== null
        ? await this.redis.zrangebyscore(key, `(${since}`, '+inf', 'LIMIT', 0, limit)
        : (await this.redis.zrevrangebyscore(key, before === undefined ? '+inf' : `(${before}`, '-inf', 'LIMIT', 0, limit)).reverse();
    return rows.map((r) => JSON.parse(r) as ActivityEntry);
  }

  async touchArticle(articleId: string, at: string): Promise<void> {
    await this.redis.zadd(this.global('articles'), Date.parse(at), articleId);
    await this.redis.zremrangebyrank(this.global('articles'), 0, -ARTICLES_KEEP - 1);
  }

  async recentArticles(limit: number): Promise<ArticleSummary[]> {
    const rows = await this.redis.zrevrange(this.global('articles'), 0, limit - 1, 'WITHSCORES');
    const ids: string[] = [];
    for (let i = 0; i < rows.length; i += 2) ids.push(rows[i]!);
    const facts = await Promise.all(
      ids.map((id) =>
        Promise.all([
          this.redis.hmget(this.key(id, 'meta'), 'visible', 'closed'),
          this.redis.zcard(this.key(id, 'held')),
          this.redis.zcard(this.key(id, 'reported')),
        ]),
      ),
    );
    return ids.map((articleId, i) => {
      const [[visible, closed], held, reported] = facts[i]!;
      return {
        articleId,
        lastAt: new Date(Number(rows[i * 2 + 1])).toISOString(),
        visible: Number(visible ?? 0),
        held,
        reported,
        closed: closed === '1',
      };
    });
  }

  async userComments(userId: string, limit: number, offset = 0): Promise<{ articleId: string; commentId: string }[]> {
    const rows = await this.redis.lrange(this.userKey(userId), offset, offset + limit - 1);
    return rows.map(splitRef);
  }

  async userVotes(userId: string, limit: number): Promise<{ articleId: string; commentId: string; value: 1 | -1 }[]> {
    const out: { articleId: string; commentId: string; value: 1 | -1 }[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.user(userId, 'votes'), cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i + 1 < flat.length && out.length < limit; i += 2)
        out.push({ ...splitRef(flat[i]!), value: flat[i + 1] === '-1' ? -1 : 1 });
    } while (cursor !== '0' && out.length < limit);
    return out;
  }

  async userReports(userId: string, limit: number): Promise<{ articleId: string; commentId: string; reason: string | null; at: string }[]> {
    const rows = await this.redis.lrange(this.user(userId, 'reports'), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as { articleId: string; commentId: string; reason: string | null; at: string });
  }

  async markErased(userId: string, at: string): Promise<void> {
    await this.redis.set(this.user(userId, 'erased'), at);
  }

  async forgetUser(userId: string): Promise<void> {
    // Their votes stay counted, but the per-comment records no longer name them.
    for (const v of await this.userVotes(userId, Number.MAX_SAFE_INTEGER)) {
      await this.redis.hdel(this.key(v.articleId, 'votes'), `${v.commentId}|${userId}`);
    }
    await this.redis.hdel(this.global('hold'), userId);
    for (const name of ['comments', 'votes', 'reports', 'notes', 'addr']) await this.redis.del(this.user(userId, name));
  }

  async erasedAt(userId: string): Promise<string | null> {
    return this.redis.get(this.user(userId, 'erased'));
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

  async noteBody(bodyHash: string, articleId: string, ttlSeconds: number): Promise<number> {
    const key = `${this.prefix}:body:${bodyHash}`;
    const now = Date.now();
    const r = await this.redis
      .multi()
      .zadd(key, now + ttlSeconds * 1000, articleId)
      .zremrangebyscore(key, '-inf', now)
      .expire(key, ttlSeconds)
      .zcard(key)
      .exec();
    return Number(r?.[3]?.[1] ?? 1);
  }

  async claimBody(userId: string, bodyHash: string, clientId: string, ttlSeconds: number): Promise<boolean> {
    return (
      (await this.lua.claimBody({ claim: `${this.prefix}:dup:{u:${userId}}:${bodyHash}` }, { client_id: clientId, ttl: ttlSeconds })) === 1
    );
  }

  async heads(articleIds: string[]): Promise<Record<string, Head>> {
    const rows = await Promise.all(articleIds.map((id) => this.redis.hmget(this.key(id, 'meta'), 'epoch', 'seq', 'sv')));
    return Object.fromEntries(
      articleIds.map((id, i) => [
        id,
        { epoch: rows[i]?.[0] || EMPTY_EPOCH, head: Number(rows[i]?.[1] ?? 0), scores: Number(rows[i]?.[2] ?? 0) },
      ]),
    );
  }

  async importComments(articleId: string, records: ImportRecord[], epochCandidate: string): Promise<string[]> {
    const batch = records.slice(0, IMPORT_BATCH);
    if (batch.length === 0) return [];
    if (batch.some((r) => r.status === 'pending')) await this.redis.sadd(this.global('modq'), articleId);
    const written = await this.lua.importComments(
      {
        meta: this.key(articleId, 'meta'),
        comments: this.key(articleId, 'c'),
        roots: this.key(articleId, 'roots'),
        desc: this.key(articleId, 'desc'),
        held: this.key(articleId, 'held'),
        score: this.key(articleId, 'score'),
        top: this.key(articleId, 'top'),
      },
      {
        records_json: JSON.stringify(batch.map((r) => ({ ...r, articleId, heldAtMs: Date.parse(r.createdAt) || 0 }))),
        epoch_candidate: epochCandidate,
      },
    );
    // The authors' own indexes (other slots), for their data and for moderators.
    const byId = new Map(batch.map((r) => [r.id, r]));
    for (const id of written) await this.redis.rpush(this.userKey(byId.get(id)!.author.id), `${articleId}\n${id}`);
    return written;
  }

  async rewriteHistory(articleId: string, epoch: string): Promise<void> {
    await this.lua.rewriteHistory({ meta: this.key(articleId, 'meta'), log: this.key(articleId, 'log') }, { epoch });
  }

  async articleIds(cursor: string | null, limit: number): Promise<{ ids: string[]; cursor: string | null }> {
    // Every article has a meta hash. On a Cluster, each master is scanned in turn: the cursor is
    // "<master index>:<that master's SCAN cursor>".
    const masters: Redis[] =
      'nodes' in this.redis && typeof this.redis.nodes === 'function' ? (this.redis as Cluster).nodes('master') : [this.redis as Redis];
    let [node, scan] = cursor ? (cursor.split(':') as [string, string]).map(Number) : [0, 0];
    const match = `${this.prefix}:{a:*}:meta`;
    const ids: string[] = [];
    while (node! < masters.length && ids.length < limit) {
      const [next, keys] = await masters[node!]!.scan(scan!, 'MATCH', match, 'COUNT', Math.max(100, limit));
      for (const k of keys) ids.push(k.slice(`${this.prefix}:{a:`.length, -'}:meta'.length));
      scan = Number(next);
      if (scan === 0) node! += 1;
    }
    return { ids, cursor: node! < masters.length ? `${node}:${scan}` : null };
  }

  async articleComments(articleId: string): Promise<StoredComment[]> {
    const [all, scores] = await Promise.all([
      this.redis.hgetall(this.key(articleId, 'c')),
      this.redis.hgetall(this.key(articleId, 'score')),
    ]);
    return Object.values(all)
      .map((json) => {
        const c = parseComment(json);
        const [up, down] = parseScore(scores[c.id] ?? '0|0');
        return { ...c, up, down };
      })
      .sort((x, y) => x.order - y.order);
  }

  async isClosed(articleId: string): Promise<boolean> {
    return (await this.redis.hget(this.key(articleId, 'meta'), 'closed')) === '1';
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
function liveEvent(comment: StoredComment, type: EventType, seq: string, epoch: string, at: string, visible: string): StoredEvent | null {
  if (!seq) return null;
  return { articleId: comment.articleId, epoch, seq: Number(seq), type, comment, at, count: Number(visible) };
}

/** "up|down", or nothing for a comment nobody voted on. */
function parseScore(raw: string): [number, number] {
  const [up, down] = raw.split('|');
  return [Number(up ?? 0) || 0, Number(down ?? 0) || 0];
}

/** A comment as reads return it: with its votes. */
function withScore(json: string, score: string): StoredComment {
  const [up, down] = parseScore(score);
  return { ...parseComment(json), up, down };
}

function parseComment(raw: string): StoredComment {
  const c = JSON.parse(raw) as StoredComment;
  // Lua's cjson writes an empty array back as `{}`: the one empty array a comment holds is the
  // document of an empty body (an erased comment). Its nodes are never empty (a tag comes first).
  if (c.doc && !Array.isArray(c.doc)) c.doc = [];
  return c;
}

/** "articleId\ncommentId" (an article id may not hold a newline; see shared/schemas.ts). */
function splitRef(r: string): { articleId: string; commentId: string } {
  const i = r.lastIndexOf('\n');
  return { articleId: r.slice(0, i), commentId: r.slice(i + 1) };
}
