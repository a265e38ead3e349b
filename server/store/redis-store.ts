/**
 * CommentStore on Redis (ioredis; a single server or a Cluster).
 *
 * Keys of one article share the hash tag `{a:<articleId>}`, so every script below touches one slot
 * and runs unchanged on Redis Cluster:
 *   lt:{a:ID}:meta   hash   epoch, seq (last public event), n (creation order), closed, visible
 *   lt:{a:ID}:c      hash   comment id → comment JSON
 *   lt:{a:ID}:roots  zset   root comment ids scored by creation order
 *   lt:{a:ID}:desc   zset   "rootId:<order, 12 digits>:id" (all score 0): replies by thread, in order
 *   lt:{a:ID}:log    list   event JSON, the last `logSize` public events
 *   lt:{a:ID}:idem:K string comment id for idempotency key K (author:clientId), 24 h
 *   lt:{a:ID}:held   zset   held comment ids by time (ms)     \ the moderation queue of
 *   lt:{a:ID}:reported zset reported comment ids by time (ms) / this article
 *   lt:{a:ID}:rep:C  list   report JSON for comment C; lt:{a:ID}:repu:C set of reporters
 * Outside articles: lt:modq (set of articles that may have queue entries), lt:bans (set),
 * lt:{u:ID}:comments (list "articleId\ncommentId"), lt:audit (list), lt:dup:{u:ID}:H (10 min).
 */
import type { Cluster, Redis } from 'ioredis';
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

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

// Shared Lua: append an event for this article and trim the log. Expects meta and log keys, and
// `epoch`, `at`, `logSize` locals.
const APPEND_EVENT = `
local function append_event(meta, log, epoch, etype, commentJson, at, logSize, articleId)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local ev = '{"articleId":' .. cjson.encode(articleId) .. ',"epoch":' .. cjson.encode(epoch) ..
    ',"seq":' .. seq .. ',"type":"' .. etype .. '","comment":' .. commentJson .. ',"at":' .. cjson.encode(at) .. '}'
  redis.call('RPUSH', log, ev)
  redis.call('LTRIM', log, -logSize, -1)
  return ev
end
local function ensure_epoch(meta, candidate)
  redis.call('HSETNX', meta, 'epoch', candidate)
  return redis.call('HGET', meta, 'epoch')
end
local function bump_parent(comments, parentId, delta)
  if parentId == '' or delta == 0 then return end
  local raw = redis.call('HGET', comments, parentId)
  if not raw then return end
  local p = cjson.decode(raw)
  p.replyCount = p.replyCount + delta
  p.version = p.version + 1
  redis.call('HSET', comments, parentId, cjson.encode(p))
end
`;

// KEYS: meta, c, roots, desc, log, idem, held
// ARGV: commentJson, useIdem, publish, rejectIfClosed, epochCandidate, at, logSize, idemTtl, articleId, atMs
const CREATE = `${APPEND_EVENT}
if ARGV[2] == '1' then
  local existing = redis.call('GET', KEYS[6])
  if existing then
    local c = redis.call('HGET', KEYS[2], existing)
    if c then return {'duplicate', c} end
  end
end
if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'closed') == '1' then return {'closed'} end
local epoch = ensure_epoch(KEYS[1], ARGV[5])
local c = cjson.decode(ARGV[1])
local order = redis.call('HINCRBY', KEYS[1], 'n', 1)
c.order = order
c.version = 1
c.replyCount = 0
c.editedAt = cjson.null
local json = cjson.encode(c)
redis.call('HSET', KEYS[2], c.id, json)
if c.parentId == cjson.null then
  redis.call('ZADD', KEYS[3], order, c.id)
else
  redis.call('ZADD', KEYS[4], 0, c.rootId .. ':' .. string.format('%012d', order) .. ':' .. c.id)
end
if ARGV[2] == '1' then redis.call('SET', KEYS[6], c.id, 'EX', tonumber(ARGV[8])) end
if c.status == 'pending' then redis.call('ZADD', KEYS[7], tonumber(ARGV[10]), c.id) end
local ev = ''
if ARGV[3] == '1' then
  if c.parentId ~= cjson.null then bump_parent(KEYS[2], c.parentId, 1) end
  redis.call('HINCRBY', KEYS[1], 'visible', 1)
  ev = append_event(KEYS[1], KEYS[5], epoch, 'comment.created', json, ARGV[6], tonumber(ARGV[7]), ARGV[9])
end
return {'created', json, ev}
`;

// KEYS: meta, c, log
// ARGV: id, expectedVersion, nextJson, eventType, visibleDelta, parentReplyDelta, parentId, epochCandidate, at, logSize, articleId
const UPDATE = `${APPEND_EVENT}
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return {'not_found'} end
local cur = cjson.decode(raw)
if tostring(cur.version) ~= ARGV[2] then return {'conflict'} end
local epoch = ensure_epoch(KEYS[1], ARGV[8])
local nxt = cjson.decode(ARGV[3])
nxt.version = cur.version + 1
local json = cjson.encode(nxt)
redis.call('HSET', KEYS[2], ARGV[1], json)
local vd = tonumber(ARGV[5])
if vd ~= 0 then redis.call('HINCRBY', KEYS[1], 'visible', vd) end
bump_parent(KEYS[2], ARGV[7], tonumber(ARGV[6]))
local ev = ''
if ARGV[4] ~= '' then ev = append_event(KEYS[1], KEYS[3], epoch, ARGV[4], json, ARGV[9], tonumber(ARGV[10]), ARGV[11]) end
return {'updated', json, ev}
`;

// KEYS: c, reported, rep, repu. ARGV: commentId, userId, reportJson, atMs. Returns 1 when added.
const ADD_REPORT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('SADD', KEYS[4], ARGV[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], ARGV[3])
redis.call('ZADD', KEYS[2], 'NX', tonumber(ARGV[4]), ARGV[1])
return 1
`;

// KEYS: dup. ARGV: clientId, ttl. Returns 1 when the body may be posted.
const CLAIM_BODY = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', tonumber(ARGV[2])) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
`;

// KEYS: meta, log. ARGV: closed ('1'|'0'), epochCandidate, at, logSize, articleId
const SET_CLOSED = `${APPEND_EVENT}
local cur = redis.call('HGET', KEYS[1], 'closed') or '0'
if cur == ARGV[1] then return '' end
local epoch = ensure_epoch(KEYS[1], ARGV[2])
redis.call('HSET', KEYS[1], 'closed', ARGV[1])
local t = 'thread.reopened'
if ARGV[1] == '1' then t = 'thread.closed' end
return append_event(KEYS[1], KEYS[2], epoch, t, 'null', ARGV[3], tonumber(ARGV[4]), ARGV[5])
`;

// KEYS: meta, c, roots, desc. ARGV: cursor ('' for newest), limit
// Returns: epoch|'', head, closed, nextCursor|'', comment JSON...
const SNAPSHOT = `
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq', 'closed')
local limit = tonumber(ARGV[2])
local max = '+inf'
if ARGV[1] ~= '' then max = '(' .. ARGV[1] end
local roots = redis.call('ZREVRANGEBYSCORE', KEYS[3], max, '-inf', 'WITHSCORES', 'LIMIT', 0, limit + 1)
local out = {meta[1] or '', meta[2] or '0', meta[3] or '0', ''}
local count = #roots / 2
if count > limit then
  count = limit
  out[4] = roots[limit * 2]
end
for i = 1, count do
  local rootId = roots[i * 2 - 1]
  local ids = {rootId}
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[4], '[' .. rootId .. ':', '(' .. rootId .. ';')) do
    ids[#ids + 1] = string.match(m, '([^:]+)$')
  end
  local rows = redis.call('HMGET', KEYS[2], unpack(ids))
  for _, row in ipairs(rows) do
    if row then out[#out + 1] = row end
  end
end
return out
`;

// KEYS: meta, log. ARGV: since. Returns: epoch|'', head, ok ('1'|'0'), events...
const EVENTS_SINCE = `
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
local head = tonumber(meta[2] or '0')
local since = tonumber(ARGV[1])
local len = redis.call('LLEN', KEYS[2])
local first = head - len + 1
if since < first - 1 or since > head then return {meta[1] or '', tostring(head), '0'} end
local out = {meta[1] or '', tostring(head), '1'}
if since == head then return out end
for _, e in ipairs(redis.call('LRANGE', KEYS[2], -(head - since), -1)) do out[#out + 1] = e end
return out
`;

type Client = Redis | Cluster;

interface Scripts {
  ltCreate(...args: string[]): Promise<string[]>;
  ltUpdate(...args: string[]): Promise<string[]>;
  ltSetClosed(...args: string[]): Promise<string>;
  ltSnapshot(...args: string[]): Promise<string[]>;
  ltEventsSince(...args: string[]): Promise<string[]>;
  ltAddReport(...args: string[]): Promise<number>;
  ltClaimBody(...args: string[]): Promise<number>;
}

const AUDIT_KEEP = 100_000;

export interface RedisStoreOptions {
  /** Events kept per article for catch-up (at least 1,000 in production). */
  logSize?: number;
  /** Key prefix, for several independent stores on one Redis. */
  prefix?: string;
}

export class RedisStore implements CommentStore {
  private readonly redis: Client & Scripts;
  private readonly logSize: string;
  private readonly prefix: string;

  constructor(redis: Client, opts: RedisStoreOptions = {}) {
    this.logSize = String(opts.logSize ?? 1000);
    this.prefix = opts.prefix ?? 'lt';
    redis.defineCommand('ltCreate', { numberOfKeys: 7, lua: CREATE });
    redis.defineCommand('ltAddReport', { numberOfKeys: 4, lua: ADD_REPORT });
    redis.defineCommand('ltClaimBody', { numberOfKeys: 1, lua: CLAIM_BODY });
    redis.defineCommand('ltUpdate', { numberOfKeys: 3, lua: UPDATE });
    redis.defineCommand('ltSetClosed', { numberOfKeys: 2, lua: SET_CLOSED });
    redis.defineCommand('ltSnapshot', { numberOfKeys: 4, lua: SNAPSHOT });
    redis.defineCommand('ltEventsSince', { numberOfKeys: 2, lua: EVENTS_SINCE });
    this.redis = redis as Client & Scripts;
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
    const r = await this.redis.ltCreate(
      this.key(a, 'meta'),
      this.key(a, 'c'),
      this.key(a, 'roots'),
      this.key(a, 'desc'),
      this.key(a, 'log'),
      this.key(a, `idem:${clientKey ?? ''}`),
      this.key(a, 'held'),
      JSON.stringify(comment),
      clientKey ? '1' : '0',
      publish ? '1' : '0',
      rejectIfClosed ? '1' : '0',
      epochCandidate,
      at,
      this.logSize,
      String(IDEMPOTENCY_TTL_SECONDS),
      a,
      String(Date.parse(at)),
    );
    if (r[0] === 'closed') return { kind: 'closed' };
    if (r[0] === 'duplicate') return { kind: 'duplicate', comment: parseComment(r[1]!) };
    return { kind: 'created', comment: parseComment(r[1]!), event: r[2] ? parseEvent(r[2]) : null };
  }

  async get(articleId: string, commentId: string): Promise<StoredComment | null> {
    const raw = await this.redis.hget(this.key(articleId, 'c'), commentId);
    return raw ? parseComment(raw) : null;
  }

  async update(input: Parameters<CommentStore['update']>[0]): Promise<UpdateResult> {
    const a = input.articleId;
    const r = await this.redis.ltUpdate(
      this.key(a, 'meta'),
      this.key(a, 'c'),
      this.key(a, 'log'),
      input.next.id,
      String(input.expectedVersion),
      JSON.stringify(input.next),
      input.eventType ?? '',
      String(input.visibleDelta),
      String(input.parentReplyDelta),
      input.next.parentId ?? '',
      input.epochCandidate,
      input.at,
      this.logSize,
      a,
    );
    if (r[0] === 'not_found') return { kind: 'not_found' };
    if (r[0] === 'conflict') return { kind: 'conflict' };
    return { kind: 'updated', comment: parseComment(r[1]!), event: r[2] ? parseEvent(r[2]) : null };
  }

  async setClosed(input: Parameters<CommentStore['setClosed']>[0]): Promise<StoredEvent | null> {
    const a = input.articleId;
    const r = await this.redis.ltSetClosed(
      this.key(a, 'meta'),
      this.key(a, 'log'),
      input.closed ? '1' : '0',
      input.epochCandidate,
      input.at,
      this.logSize,
      a,
    );
    return r ? parseEvent(r) : null;
  }

  async snapshot(articleId: string, cursor: string | null, limit: number): Promise<SnapshotPage> {
    const a = articleId;
    const r = await this.redis.ltSnapshot(
      this.key(a, 'meta'),
      this.key(a, 'c'),
      this.key(a, 'roots'),
      this.key(a, 'desc'),
      cursor ?? '',
      String(limit),
    );
    const [epoch, head, closed, next, ...rows] = r;
    return {
      epoch: epoch || EMPTY_EPOCH,
      head: Number(head),
      closed: closed === '1',
      comments: rows.map(parseComment),
      cursor: next || null,
    };
  }

  async eventsSince(articleId: string, since: number): Promise<EventsSince> {
    const r = await this.redis.ltEventsSince(this.key(articleId, 'meta'), this.key(articleId, 'log'), String(since));
    const [epoch, head, ok, ...rows] = r;
    if (ok !== '1') return { kind: 'gone', epoch: epoch || null, head: Number(head) };
    return { kind: 'events', epoch: epoch || EMPTY_EPOCH, head: Number(head), events: rows.map(parseEvent) };
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
    const added = await this.redis.ltAddReport(
      this.key(articleId, 'c'),
      this.key(articleId, 'reported'),
      this.key(articleId, `rep:${commentId}`),
      this.key(articleId, `repu:${commentId}`),
      commentId,
      report.userId,
      JSON.stringify(report),
      String(Date.parse(report.at)),
    );
    return added === 1;
  }

  async reports(articleId: string, commentId: string): Promise<Report[]> {
    const rows = await this.redis.lrange(this.key(articleId, `rep:${commentId}`), 0, -1);
    return rows.map((r) => JSON.parse(r) as Report);
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
        for (const [rows, reason] of [[held, 'held'], [reported, 'reported']] as const) {
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

  async dequeue(articleId: string, commentId: string): Promise<void> {
    await Promise.all([this.redis.zrem(this.key(articleId, 'held'), commentId), this.redis.zrem(this.key(articleId, 'reported'), commentId)]);
  }

  async setBan(userId: string, banned: boolean): Promise<boolean> {
    const n = banned ? await this.redis.sadd(this.global('bans'), userId) : await this.redis.srem(this.global('bans'), userId);
    return n === 1;
  }

  async isBanned(userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.global('bans'), userId)) === 1;
  }

  async userComments(userId: string): Promise<{ articleId: string; commentId: string }[]> {
    const rows = await this.redis.lrange(this.userKey(userId), 0, -1);
    return rows.map((r) => {
      const i = r.lastIndexOf('\n');
      return { articleId: r.slice(0, i), commentId: r.slice(i + 1) };
    });
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
    return (await this.redis.ltClaimBody(`${this.prefix}:dup:{u:${userId}}:${bodyHash}`, clientId, String(ttlSeconds))) === 1;
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

function parseComment(raw: string): StoredComment {
  return JSON.parse(raw) as StoredComment;
}

function parseEvent(raw: string): StoredEvent {
  return JSON.parse(raw) as StoredEvent;
}
