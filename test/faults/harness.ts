/**
 * The fault harness: a deployment of real processes (test/faults/processes.ts), a workload of
 * readers and commenters on the SDK, a record of every operation and of every event each reader
 * applied, and the check of that history against the store at the end.
 *
 * What the check demands:
 * - every post acked `ok` is in the store, created exactly once, with the acked id (else: lost);
 * - every edit or delete acked `ok` is reflected in the store, unless a later write on the same
 *   comment may have changed it (else: lost);
 * - no post, whatever its outcome and however often it was retried with its clientId, was created
 *   twice (else: duplicated), and nothing was created that nobody posted (phantom);
 * - every reader applied every event of its article exactly once, in `seq` order, without a gap,
 *   each equal to the store's event with that `seq`, and never needed a reset;
 * - every reader's final thread equals the store's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientError, DiscussionClient } from '../../client/discussion-client.js';
import { Tokens } from '../../server/auth.js';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { sleep } from '../support/ports.js';
import { Balancer, FAULT_SECRET, type NodeProcess, RedisProcess, killAll, startNodes } from './processes.js';

// ── deployment ─────────────────────────────────────────────────────────────────────────────

export interface Deployment {
  redis: RedisProcess;
  nodes: NodeProcess[];
  balancer: Balancer;
  tokens: Tokens;
  /** A node that answers /readyz 200 now (for reading the store over HTTP). */
  readyNode(): Promise<NodeProcess>;
  /** SIGKILLs every node and Redis; safe to call twice and after a failure. */
  stop(): Promise<void>;
}

export async function deploy(opts: { nodes: number; env?: Record<string, string>; appendonly?: boolean }): Promise<Deployment> {
  const redis = await RedisProcess.start({ appendonly: opts.appendonly });
  let nodes: NodeProcess[] = [];
  let balancer: Balancer | null = null;
  const stop = async () => {
    await balancer?.close();
    await Promise.all(nodes.map((n) => n.kill9()));
    killAll();
    await redis.stop();
  };
  try {
    nodes = await startNodes(opts.nodes, redis.url, opts.env);
    balancer = new Balancer(nodes);
    await balancer.listen();
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    redis,
    nodes,
    balancer,
    tokens: new Tokens(FAULT_SECRET),
    async readyNode() {
      for (let i = 0; i < 200; i++) {
        for (const n of nodes) if (n.running && (await n.readyz()) === 200) return n;
        await sleep(100);
      }
      throw new Error('no node is ready');
    },
    stop,
  };
}

/**
 * What one fault test starts, torn down in its `afterAll`: `const run = new FaultRun();
 * afterAll(() => run.teardown());`. Teardown works after a failure at any point: a frozen Redis is
 * thawed first, then whatever was registered is closed, then every process is killed.
 */
export class FaultRun {
  deployment?: Deployment;
  private readonly closers: (() => void)[] = [];

  async deploy(opts: Parameters<typeof deploy>[0]): Promise<Deployment> {
    this.deployment = await deploy(opts);
    return this.deployment;
  }

  /** Closes `fn` at teardown (sockets, clients, timers), in the order registered. */
  onTeardown(fn: () => void): void {
    this.closers.push(fn);
  }

  /**
   * The load most scenarios run: through the balancer, 300 readers over 10 articles named after
   * `prefix`, 20 writers, 20 posts/s with 4 edits and 2 deletes per second; connected and started.
   */
  async standardLoad(prefix: string, extra: Partial<WorkloadOptions> = {}): Promise<Workload> {
    const d = this.deployment;
    if (!d) throw new Error('deploy first');
    const w = this.workload({
      url: d.balancer.url,
      tokens: d.tokens,
      articles: articles(prefix, 10),
      readers: 300,
      writers: 20,
      postsPerSecond: 20,
      editsPerSecond: 4,
      deletesPerSecond: 2,
      ...extra,
    });
    await w.connect();
    w.start();
    return w;
  }

  /** A workload closed at teardown (not connected yet). */
  workload(opts: WorkloadOptions): Workload {
    const w = new Workload(opts);
    this.onTeardown(() => w.close());
    return w;
  }

  async teardown(): Promise<void> {
    try {
      this.deployment?.redis.thaw();
    } catch {
      // Redis is gone already (killed by the test): nothing to thaw.
    }
    for (const close of this.closers) close();
    await this.deployment?.stop();
    killAll();
  }
}

// ── the store, read as a client would (HTTP) ────────────────────────────────────────────────

export interface StoreThread {
  articleId: string;
  epoch: string;
  head: number;
  /** Every event, seq 1..head, as catch-up gives them: each comment as it is now. */
  events: ThreadEvent[];
  /** Every comment (all pages, all replies), as an anonymous reader sees it. */
  comments: Map<string, Comment>;
  /** Every comment as a moderator sees it: deleted ones keep their text (and the op marker). */
  full: Map<string, Comment>;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

/** Every page and every thread's earlier replies, as `headers` may see them. */
async function readComments(
  base: string,
  headers: Record<string, string>,
): Promise<{ epoch: string; head: number; comments: Map<string, Comment> }> {
  type Page = { epoch: string; head: number; comments: Comment[]; cursor: string | null; replyCursors?: Record<string, string> };
  const snap = await getJson<Page>(`${base}/thread`, headers);
  const comments = new Map<string, Comment>();
  const take = async (page: Pick<Page, 'comments' | 'replyCursors'>) => {
    for (const c of page.comments) comments.set(c.id, c);
    for (const [rootId, first] of Object.entries(page.replyCursors ?? {})) {
      for (let cursor: string | null = first; cursor;) {
        const r: { comments: Comment[]; cursor: string | null } = await getJson(
          `${base}/comments/${rootId}/replies?cursor=${cursor}`,
          headers,
        );
        for (const c of r.comments) comments.set(c.id, c);
        cursor = r.cursor;
      }
    }
  };
  await take(snap);
  for (let cursor = snap.cursor; cursor;) {
    const page = await getJson<Page>(`${base}/thread?cursor=${cursor}`, headers);
    await take(page);
    cursor = page.cursor;
  }
  return { epoch: snap.epoch, head: snap.head, comments };
}

export async function readThread(node: NodeProcess, articleId: string): Promise<StoreThread> {
  const base = `${node.url}/api/articles/${encodeURIComponent(articleId)}`;
  const moderator = await new Tokens(FAULT_SECRET).sign({ sub: 'fault-verifier', name: 'Verifier', role: 'moderator' });
  const snap = await readComments(base, {});
  const full = (await readComments(base, { authorization: `Bearer ${moderator}` })).comments;
  const events: ThreadEvent[] = [];
  for (let since = 0; since < snap.head;) {
    const r = await getJson<{ head: number; events?: ThreadEvent[]; more?: boolean }>(
      `${base}/events?since=${since}&epoch=${encodeURIComponent(snap.epoch)}`,
    );
    if (!r.events) throw new Error(`${articleId}: the store no longer keeps its whole event log`);
    events.push(...r.events.filter((e) => e.seq <= snap.head));
    if (!r.more || r.events.length === 0) break;
    since = r.events.at(-1)!.seq;
  }
  return { articleId, epoch: snap.epoch, head: snap.head, events, comments: snap.comments, full };
}

export async function readHeads(node: NodeProcess, articleIds: string[]): Promise<Map<string, number>> {
  const heads = await Promise.all(
    articleIds.map((a) => getJson<{ head: number }>(`${node.url}/api/articles/${encodeURIComponent(a)}/thread`).then((s) => s.head)),
  );
  return new Map(articleIds.map((a, i) => [a, heads[i]!]));
}

// ── the workload ───────────────────────────────────────────────────────────────────────────

export type Outcome = 'pending' | 'ok' | 'timeout' | string;

export interface Attempt {
  startedAt: number;
  ms: number;
  outcome: Outcome;
}

export interface Op {
  id: string;
  kind: 'post' | 'edit' | 'delete';
  writer: number;
  articleId: string;
  /** post: its idempotency key, the same on every retry. */
  clientId?: string;
  parentId?: string | null;
  /** edit and delete: the comment; post: the acked comment's id. */
  commentId?: string;
  body?: string;
  invokedAt: number;
  settledAt?: number;
  attempts: Attempt[];
  outcome: Outcome;
}

export interface Reader {
  index: number;
  articleId: string;
  /** Where it connects (the balancer, or one node). */
  url: string;
  client: DiscussionClient;
  /** The head of the snapshot it started from. */
  initialHead: number;
  /** Every event the SDK applied, in the order it applied them. */
  applied: ThreadEvent[];
  /** Live `thread:event`s as they arrived on the socket, with the time they arrived. */
  arrivals: { seq: number; at: number; receivedAt: number }[];
  resets: number;
  reconnects: number;
}

interface Writer {
  index: number;
  client: DiscussionClient;
  /** Its own comments that may still be edited or deleted. */
  own: Map<string, { articleId: string; busy: boolean }>;
}

export interface WorkloadOptions {
  /** Where every client connects (the balancer). */
  url: string;
  /** Where readers connect instead, round robin (one node each, no failover). */
  readerUrls?: string[];
  tokens: Tokens;
  articles: string[];
  readers: number;
  writers: number;
  postsPerSecond: number;
  editsPerSecond?: number;
  deletesPerSecond?: number;
  /** Share of posts that reply to an existing comment. */
  replyShare?: number;
  /** Characters added to each body (bigger events). */
  bodyPadding?: number;
  /** SDK ack timeout for writes. */
  ackTimeoutMs?: number;
  /** How long a post refused `unavailable` or timed out keeps being retried with its clientId. */
  retryForMs?: number;
}

const socketOptions = { transports: ['websocket'], reconnectionDelay: 200, reconnectionDelayMax: 2000 };

export class Workload {
  readonly readers: Reader[] = [];
  readonly writers: Writer[] = [];
  readonly ops: Op[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly replyable = new Map<string, string[]>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private opSeq = 0;
  private rates: { post: number; edit: number; delete: number };

  constructor(readonly opts: WorkloadOptions) {
    this.rates = { post: opts.postsPerSecond, edit: opts.editsPerSecond ?? 0, delete: opts.deletesPerSecond ?? 0 };
  }

  /** Connects the writers and the readers; each reader joins its article (round robin). */
  async connect(): Promise<void> {
    const { opts } = this;
    for (let i = 0; i < opts.writers; i++) {
      const token = await opts.tokens.sign({ sub: `writer-${i}`, name: `Writer ${i}`, role: 'commenter' });
      const client = new DiscussionClient({
        url: opts.url,
        token,
        socketOptions,
        ackTimeoutMs: opts.ackTimeoutMs ?? 5000,
        postRetries: 1,
      });
      this.writers.push({ index: i, client, own: new Map() });
    }
    for (let start = 0; start < opts.readers; start += 25) {
      const batch: Promise<void>[] = [];
      for (let i = start; i < Math.min(opts.readers, start + 25); i++)
        batch.push(this.addReader(i, opts.articles[i % opts.articles.length]!));
      await Promise.all(batch);
    }
  }

  private async addReader(index: number, articleId: string): Promise<void> {
    const url = this.opts.readerUrls ? this.opts.readerUrls[index % this.opts.readerUrls.length]! : this.opts.url;
    const client = new DiscussionClient({ url, socketOptions, resyncJitterMs: 500 });
    const reader: Reader = { index, articleId, url, client, initialHead: 0, applied: [], arrivals: [], resets: 0, reconnects: 0 };
    client.socket.on('thread:event', (e) => reader.arrivals.push({ seq: e.seq, at: Date.parse(e.at), receivedAt: Date.now() }));
    client.socket.io.on('reconnect', () => reader.reconnects++);
    const state = await client.join(articleId, {
      onEvent: (e) => reader.applied.push(e),
      onChange: (_t, reason) => {
        if (reason === 'reset') reader.resets++;
      },
    });
    reader.initialHead = state.head;
    this.readers.push(reader);
  }

  /** Starts issuing operations at the configured rates. */
  start(): void {
    const acc = { post: 0, edit: 0, delete: 0 };
    let last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      const dt = (now - last) / 1000;
      last = now;
      for (const kind of ['post', 'edit', 'delete'] as const) {
        acc[kind] += this.rates[kind] * dt;
        while (acc[kind] >= 1) {
          acc[kind] -= 1;
          this.issue(kind);
        }
      }
    }, 20);
  }

  setRates(rates: Partial<{ post: number; edit: number; delete: number }>): void {
    this.rates = { ...this.rates, ...rates };
  }

  /** Stops issuing operations and waits until every one issued has settled (retries included). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const r of this.readers) r.client.close();
    for (const w of this.writers) w.client.close();
  }

  private issue(kind: 'post' | 'edit' | 'delete'): void {
    const writer = this.writers[Math.floor(Math.random() * this.writers.length)]!;
    const free = [...writer.own].filter(([, c]) => !c.busy);
    if (kind !== 'post' && free.length === 0) kind = 'post';
    const id = `op-${++this.opSeq}-${Math.random().toString(36).slice(2, 8)}`;
    let op: Op;
    if (kind === 'post') {
      const articleId = this.opts.articles[Math.floor(Math.random() * this.opts.articles.length)]!;
      const candidates = this.replyable.get(articleId) ?? [];
      const parentId =
        candidates.length > 0 && Math.random() < (this.opts.replyShare ?? 0.3)
          ? candidates[Math.floor(Math.random() * candidates.length)]!
          : null;
      op = {
        id,
        kind,
        writer: writer.index,
        articleId,
        clientId: `cid-${id}`,
        parentId,
        body: `[${id}] comment from writer ${writer.index}${' lorem'.repeat(Math.ceil((this.opts.bodyPadding ?? 0) / 6))}`,
        invokedAt: Date.now(),
        attempts: [],
        outcome: 'pending',
      };
    } else {
      const [commentId, c] = free[Math.floor(Math.random() * free.length)]!;
      c.busy = true;
      op = { id, kind, writer: writer.index, articleId: c.articleId, commentId, invokedAt: Date.now(), attempts: [], outcome: 'pending' };
      if (kind === 'edit') op.body = `[${id}] edited by writer ${writer.index}`;
      else {
        // Never touched again, whatever the outcome: a deleted comment cannot be edited.
        writer.own.delete(commentId);
        this.forgetReplyable(c.articleId, commentId);
      }
    }
    this.ops.push(op);
    const p = this.run(writer, op).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private forgetReplyable(articleId: string, commentId: string): void {
    const list = this.replyable.get(articleId);
    const i = list?.indexOf(commentId) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  private async attempt(op: Op, fn: () => Promise<unknown>): Promise<Outcome> {
    const startedAt = Date.now();
    let outcome: Outcome;
    try {
      await fn();
      outcome = 'ok';
    } catch (e) {
      outcome = e instanceof ClientError ? e.code : `exception: ${String(e)}`;
    }
    op.attempts.push({ startedAt, ms: Date.now() - startedAt, outcome });
    return outcome;
  }

  private async run(writer: Writer, op: Op): Promise<void> {
    const retryFor = this.opts.retryForMs ?? 45_000;
    if (op.kind === 'post') {
      let comment: Comment | null = null;
      for (;;) {
        const outcome = await this.attempt(op, async () => {
          comment = await writer.client.post({ articleId: op.articleId, body: op.body!, parentId: op.parentId, clientId: op.clientId });
        });
        op.outcome = outcome;
        if (outcome === 'ok' || !['unavailable', 'timeout'].includes(outcome) || Date.now() - op.invokedAt > retryFor) break;
        await sleep(300 + Math.random() * 700);
      }
      op.settledAt = Date.now();
      if (op.outcome === 'ok' && comment) {
        const c = comment as Comment;
        op.commentId = c.id;
        writer.own.set(c.id, { articleId: op.articleId, busy: false });
        const list = this.replyable.get(op.articleId) ?? [];
        list.push(c.id);
        this.replyable.set(op.articleId, list);
      }
      return;
    }
    const commentId = op.commentId!;
    op.outcome = await this.attempt(op, () =>
      op.kind === 'edit'
        ? writer.client.edit({ articleId: op.articleId, commentId, body: op.body! })
        : writer.client.delete({ articleId: op.articleId, commentId }),
    );
    op.settledAt = Date.now();
    const own = writer.own.get(commentId);
    if (own) own.busy = false;
  }

  // ── convergence ──────────────────────────────────────────────────────────────────────────

  /**
   * Waits until every reader's head is at least `targets` (the store's heads when omitted, read
   * again on each round) and resolves with the time it took.
   */
  async waitCaughtUp(deployment: Pick<Deployment, 'readyNode'>, timeoutMs: number, targets?: Map<string, number>): Promise<number> {
    const t0 = Date.now();
    let behind: Reader[] = [];
    let heads = targets;
    for (;;) {
      try {
        if (!targets) heads = await readHeads(await deployment.readyNode(), this.opts.articles);
        behind = this.readers.filter((r) => (r.client.thread(r.articleId)?.head ?? -1) < heads!.get(r.articleId)!);
        if (behind.length === 0) return Date.now() - t0;
      } catch {
        // the store is not readable yet
      }
      if (Date.now() - t0 > timeoutMs) {
        const sample = behind
          .slice(0, 5)
          .map(
            (r) =>
              `reader ${r.index} (${r.articleId}) at ${r.client.thread(r.articleId)?.head} of ${heads?.get(r.articleId)}, connected=${r.client.connected}`,
          );
        throw new Error(`${behind.length} readers not caught up within ${timeoutMs} ms: ${sample.join('; ')}`);
      }
      await sleep(100);
    }
  }
}

// ── the check ──────────────────────────────────────────────────────────────────────────────

export interface Verdict {
  scenario: string;
  ops: Record<'post' | 'edit' | 'delete', Record<string, number>>;
  /** Writes acked ok. */
  acked: number;
  lost: number;
  duplicated: number;
  /** Comments in the store that no post of the workload asked for. */
  phantom: number;
  /** Posts whose final answer was not ok but which are in the store (allowed: "may or may not"). */
  storedWithoutAck: number;
  readers: number;
  eventsApplied: number;
  resets: number;
  readerViolations: number;
  problems: string[];
  storeEvents: number;
  convergeMs?: number;
  extra: Record<string, unknown>;
}

const MARKER = /^\[(op-[^\]]+)\]/;

function commentView(c: Comment | null | undefined): unknown {
  if (!c) return null;
  // replyCount is left out: a reply changes its parent's count without an event for the parent.
  return { id: c.id, parentId: c.parentId, author: c.author, body: c.body, status: c.status, createdAt: c.createdAt, editedAt: c.editedAt };
}

/**
 * What an event is, whenever it is read: catch-up gives each comment as it is *now* (a deleted
 * one as a tombstone, an edited one with its last text), so events compare by what happened to
 * which comment; the final thread is compared in full below.
 */
function eventView(e: ThreadEvent): string {
  return JSON.stringify({
    articleId: e.articleId,
    epoch: e.epoch,
    seq: e.seq,
    type: e.type,
    at: e.at,
    comment: e.comment?.id ?? e.commentId ?? null,
  });
}

export async function verify(scenario: string, deployment: Pick<Deployment, 'readyNode'>, workload: Workload): Promise<Verdict> {
  const node = await deployment.readyNode();
  const threads = new Map<string, StoreThread>();
  for (const a of workload.opts.articles) threads.set(a, await readThread(node, a));
  const problems: string[] = [];
  const problem = (p: string) => {
    if (problems.length < 30) problems.push(p);
  };
  const verdict: Verdict = {
    scenario,
    ops: { post: {}, edit: {}, delete: {} },
    acked: 0,
    lost: 0,
    duplicated: 0,
    phantom: 0,
    storedWithoutAck: 0,
    readers: workload.readers.length,
    eventsApplied: 0,
    resets: 0,
    readerViolations: 0,
    problems,
    storeEvents: 0,
    extra: {},
  };

  // The store itself: seq 1..head, no gap.
  const created = new Map<string, ThreadEvent[]>();
  const postOf = new Map(workload.ops.filter((o) => o.kind === 'post' && o.commentId).map((o) => [o.commentId!, o.id]));
  for (const t of threads.values()) {
    verdict.storeEvents += t.events.length;
    t.events.forEach((e, i) => {
      if (e.seq !== i + 1) problem(`store ${t.articleId}: event ${i} has seq ${e.seq}`);
    });
    if (t.events.length !== t.head) problem(`store ${t.articleId}: ${t.events.length} events for head ${t.head}`);
    for (const e of t.events) {
      if (e.type !== 'comment.created') continue;
      // Which post created it: the one acked with its id, or the marker in the text it stored (a
      // moderator still sees the text of a deleted comment; an edited one was acked, so known).
      const id = e.comment?.id ?? e.commentId ?? '';
      const body = t.full.get(id)?.body;
      const op = postOf.get(id) ?? (body ? MARKER.exec(body)?.[1] : undefined);
      if (!op) continue;
      created.set(op, [...(created.get(op) ?? []), e]);
    }
  }

  // Operations.
  const opsById = new Map(workload.ops.map((o) => [o.id, o]));
  for (const id of created.keys()) if (opsById.get(id)?.kind !== 'post') verdict.phantom++;
  const byComment = new Map<string, Op[]>();
  for (const op of workload.ops) {
    verdict.ops[op.kind][op.outcome] = (verdict.ops[op.kind][op.outcome] ?? 0) + 1;
    if (op.outcome === 'ok') verdict.acked++;
    if (op.kind === 'post') {
      const events = created.get(op.id) ?? [];
      if (events.length > 1) {
        verdict.duplicated += events.length - 1;
        problem(`post ${op.id} created ${events.length} times (attempts: ${op.attempts.map((a) => a.outcome).join(',')})`);
      }
      if (op.outcome === 'ok') {
        const stored = threads.get(op.articleId)!.comments.get(op.commentId!);
        if (events.length === 0 || !stored || (events[0]!.comment?.id ?? events[0]!.commentId) !== op.commentId) {
          verdict.lost++;
          problem(`post ${op.id} acked ok as ${op.commentId} but not in the store (events: ${events.length}, comment: ${!!stored})`);
        }
      } else if (events.length > 0) verdict.storedWithoutAck++;
      if (op.commentId) byComment.set(op.commentId, []);
    }
  }
  for (const op of workload.ops) if (op.kind !== 'post') byComment.get(op.commentId!)?.push(op);
  for (const [commentId, ops] of byComment) {
    // The last write acked ok decides, unless a later one may have been applied (timeout, unavailable).
    let lastOk: Op | null = null;
    for (const op of ops) {
      if (op.outcome === 'ok') lastOk = op;
      else if (op.outcome === 'timeout' || op.outcome === 'unavailable' || op.outcome === 'pending') lastOk = null;
    }
    if (!lastOk) continue;
    const stored = threads.get(lastOk.articleId)!.comments.get(commentId);
    const reflected = lastOk.kind === 'delete' ? stored?.status === 'deleted' : stored?.status === 'visible' && stored.body === lastOk.body;
    if (!reflected) {
      verdict.lost++;
      problem(`${lastOk.kind} ${lastOk.id} of ${commentId} acked ok but the store has ${JSON.stringify(commentView(stored))}`);
    }
  }

  // Readers.
  for (const r of workload.readers) {
    const t = threads.get(r.articleId)!;
    verdict.eventsApplied += r.applied.length;
    verdict.resets += r.resets;
    const violations: string[] = [];
    if (r.resets > 0) violations.push(`${r.resets} resets`);
    const expected = t.events.slice(r.initialHead);
    if (r.applied.length !== expected.length)
      violations.push(`applied ${r.applied.length} events, the store has ${expected.length} after its snapshot`);
    for (let i = 0; i < Math.max(r.applied.length, expected.length); i++) {
      const got = r.applied[i];
      const want = expected[i];
      if (!got || !want || eventView(got) !== eventView(want)) {
        violations.push(`event #${i}: applied seq ${got?.seq} ${got?.type}, store seq ${want?.seq} ${want?.type}`);
        break;
      }
    }
    const state = r.client.thread(r.articleId);
    if (!state || state.head !== t.head) violations.push(`final head ${state?.head}, store head ${t.head}`);
    const mine = [...(state?.comments.values() ?? [])].map(commentView);
    const theirs = [...t.comments.values()].map(commentView);
    const key = (v: unknown) => JSON.stringify(v);
    const a = new Set(mine.map(key));
    const b = new Set(theirs.map(key));
    const diff = [...a].filter((x) => !b.has(x)).length + [...b].filter((x) => !a.has(x)).length;
    if (diff > 0 || a.size !== b.size)
      violations.push(`final thread differs from the store's in ${diff} comments (${a.size} vs ${b.size})`);
    if (violations.length > 0) {
      verdict.readerViolations++;
      problem(`reader ${r.index} on ${r.articleId}: ${violations.join('; ')}`);
    }
  }
  return verdict;
}

/** Prints the scenario's figures and keeps them as JSON in the temp directory. */
export function report(v: Verdict): void {
  const dir = path.join(os.tmpdir(), 'livethread-faults');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${v.scenario}.json`), JSON.stringify(v, null, 2));
  const line =
    `[faults] ${v.scenario}: acked ${v.acked} (posts ${JSON.stringify(v.ops.post)}, edits ${JSON.stringify(v.ops.edit)}, ` +
    `deletes ${JSON.stringify(v.ops.delete)}), lost ${v.lost}, duplicated ${v.duplicated}, phantom ${v.phantom}, ` +
    `stored without ack ${v.storedWithoutAck}, store events ${v.storeEvents}, readers ${v.readers} applied ${v.eventsApplied} events, ` +
    `reader violations ${v.readerViolations}, resets ${v.resets}, converged in ${v.convergeMs ?? '?'} ms ${JSON.stringify(v.extra)}`;
  console.log(line);
  for (const p of v.problems) console.log(`  - ${p}`);
}

/** Percentile of a list of numbers (0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Unique article ids for one scenario. */
export function articles(prefix: string, n: number): string[] {
  const run = Math.random().toString(36).slice(2, 7);
  return Array.from({ length: n }, (_, i) => `${prefix}-${run}-${i}`);
}
