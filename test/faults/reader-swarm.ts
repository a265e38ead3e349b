/**
 * Many readers in one child process (the reconnect-storm test forks a few): SDK clients with the
 * SDK's own reconnection (jittered backoff), each joined to one article, answering the parent's
 * questions over IPC. Run as `node --import tsx test/faults/reader-swarm.ts` through `fork`.
 */
import { DiscussionClient } from '../../client/discussion-client.js';
import { Balancer } from './processes.js';

export interface SwarmStart {
  type: 'start';
  /** Where readers connect, in turn (reader i to urls[i % urls.length]). */
  urls?: string[];
  /**
   * Or: through a TCP balancer in this process over these nodes' ports (the test's Balancer),
   * with `out` out of its rotation at first. In the readers' own process, the storm's traffic
   * does not cross another process on its way.
   */
  balance?: { ports: number[]; out: number[] };
  articles: string[];
  count: number;
  /** Index of this swarm's first reader (article i % articles). */
  first: number;
  /**
   * Writers in this process, one per url, posting in turn every `everyMs` to the articles in turn;
   * the readers here then time each of those comments from its post to its arrival.
   */
  post?: { urls: string[]; tokens: string[]; everyMs: number };
}

export type SwarmRequest =
  SwarmStart | { type: 'status' } | { type: 'stop-posting' } | { type: 'take' | 'restore'; port: number } | { type: 'close' };

export interface SwarmStatus {
  type: 'status';
  connected: number;
  /** Each reader's head, in order (-1 before its first snapshot). */
  heads: number[];
  /** When each reader last connected again after losing its connection (ms since epoch; 0: never). */
  reconnectedAt: number[];
  /** Snapshots taken after the first (a reconnection that needed one is not cheap). */
  resets: number;
  /** CPU time this process used so far. */
  cpuSeconds: number;
  /** With `post`: each delivery of one of its comments, by when it was posted and how long it took. */
  samples: { at: number; ms: number; commitMs: number }[];
  posts: number;
}

export type SwarmReply = { type: 'started' } | SwarmStatus | { type: 'error'; message: string };

const readers: { client: DiscussionClient; articleId: string; reconnectedAt: number }[] = [];
let resets = 0;
const sentAt = new Map<string, number>();
const samples: { at: number; ms: number; commitMs: number }[] = [];
let posting: ReturnType<typeof setInterval> | null = null;
let posts = 0;

function send(m: SwarmReply): void {
  process.send?.(m);
}

let balancer: Balancer | null = null;

async function start(m: SwarmStart): Promise<void> {
  let urls = m.urls ?? [];
  if (m.balance) {
    balancer = new Balancer(m.balance.ports.map((port) => ({ port })));
    for (const port of m.balance.out) balancer.take({ port });
    await balancer.listen();
    urls = [balancer.url];
  }
  for (let i = 0; i < m.count; i += 50) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(m.count, i + 50); j++) {
      const articleId = m.articles[(m.first + j) % m.articles.length]!;
      // WebSocket only: the test's balancer is a plain TCP one, not sticky (polling needs sticky).
      const client = new DiscussionClient({ url: urls[j % urls.length]!, socketOptions: { transports: ['websocket'] } });
      const reader = { client, articleId, reconnectedAt: 0 };
      client.socket.io.on('reconnect', () => (reader.reconnectedAt = Date.now()));
      readers.push(reader);
      batch.push(
        client.join(articleId, {
          onEvent: (e) => {
            const sent = m.post && e.type === 'comment.created' ? sentAt.get(e.comment?.body ?? '') : undefined;
            if (sent !== undefined) samples.push({ at: sent, ms: Date.now() - sent, commitMs: Date.parse(e.at) - sent });
          },
          onChange: (_t, reason) => {
            if (reason === 'reset' || (reason === 'snapshot' && reader.reconnectedAt > 0)) resets++;
          },
        }),
      );
    }
    await Promise.all(batch);
  }
  const post = m.post;
  if (!post) return;
  const writers = post.urls.map(
    (url, i) => new DiscussionClient({ url, token: post.tokens[i]!, socketOptions: { transports: ['websocket'] } }),
  );
  await Promise.all(
    writers.map((w) => new Promise<void>((resolve) => (w.connected ? resolve() : w.socket.once('connect', () => resolve())))),
  );
  posting = setInterval(() => {
    const body = `swarm post ${++posts}`;
    sentAt.set(body, Date.now());
    writers[posts % writers.length]!.post({ articleId: m.articles[posts % m.articles.length]!, body }).catch(() => undefined);
  }, post.everyMs);
}

// The parent is gone (killed by a timeout, say): so are we.
process.on('disconnect', () => process.exit(0));

process.on('message', (m: SwarmRequest) => {
  if (m.type === 'start') {
    start(m).then(
      () => send({ type: 'started' }),
      (e: unknown) => send({ type: 'error', message: String(e) }),
    );
  } else if (m.type === 'take' || m.type === 'restore') {
    balancer?.[m.type]({ port: m.port });
    send({ type: 'started' });
  } else if (m.type === 'stop-posting') {
    if (posting) clearInterval(posting);
    posting = null;
    send({ type: 'started' });
  } else if (m.type === 'status') {
    send({
      type: 'status',
      connected: readers.filter((r) => r.client.connected).length,
      heads: readers.map((r) => r.client.thread(r.articleId)?.head ?? -1),
      reconnectedAt: readers.map((r) => r.reconnectedAt),
      resets,
      cpuSeconds: Math.round(((u) => u.user + u.system)(process.cpuUsage()) / 10_000) / 100,
      samples,
      posts,
    });
  } else {
    for (const r of readers) r.client.close();
    process.exit(0);
  }
});
