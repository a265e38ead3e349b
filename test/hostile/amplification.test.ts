/**
 * Answers are bounded in bytes, and so is what one client can make a node build or queue.
 *
 * The attack: an anonymous socket that stops reading sends 200 small `thread:join { since: 0 }`
 * packets for an article whose log holds 1,000 events of 20 KB. Unbounded, each answer is 20 MB
 * and the node builds and queues them all (the embedded process dies; Redis buffers gigabytes of
 * replies). Bounded, the node stays up, its memory and Redis's stay flat, and a bystander's posts
 * are acknowledged at once. The same holds for one root with 1,000 long replies (snapshots batch
 * replies) and for a flood of anonymous HTTP reads.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { Comment, JoinResult } from '../../shared/schemas.js';
import { sleep } from '../support/ports.js';
import { startTarget, type Target } from './target.js';
import { httpRequest, RawWebSocket } from './wire.js';

const ARTICLE = 'amplified';
const THREAD = 'one-root-many-replies';
/** 4,990 four-byte characters: about 20 KB of UTF-8, near the longest body there is. */
const BIG = '\u{1F600}'.repeat(4990);
const MiB = 1024 * 1024;

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function redisUsed(t: Target): Promise<number> {
  const c = new Redis(t.redis!.url, { maxRetriesPerRequest: 1 });
  try {
    return Number(/used_memory:(\d+)/.exec(await c.info('memory'))?.[1]);
  } finally {
    c.disconnect();
  }
}

/** Samples `read` every 100 ms until stopped; resolves with the highest value seen. */
function peak(read: () => number | Promise<number>): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await read());
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

/** Posts over HTTP, eight at a time (a host backend importing, say). */
async function fill(t: Target): Promise<string> {
  const authorization = `Bearer ${await t.token('filler')}`;
  const post = async (articleId: string, body: string, parentId?: string): Promise<Comment> => {
    const res = await fetch(`${t.url}/api/articles/${articleId}/comments`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ body, ...(parentId ? { parentId } : {}) }),
    });
    if (res.status !== 201) throw new Error(`post: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { comment: Comment }).comment;
  };
  const many = async (n: number, one: (i: number) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < n) await one(next++);
      }),
    );
  };
  await many(1000, (i) => post(ARTICLE, `${i} ${BIG}`));
  const root = await post(THREAD, 'the root');
  await many(1000, (i) => post(THREAD, `${i} ${BIG}`, root.id));
  return root.id;
}

describe.each([
  { mode: 'embedded', embedded: true },
  { mode: 'Redis', embedded: false },
])('one client against a node in $mode mode', ({ embedded }) => {
  let t: Target;
  let rootId: string;
  beforeAll(async () => {
    t = await startTarget({ embedded, env: { CONNECTIONS_PER_IP: '0' } });
    rootId = await fill(t);
  }, 240_000);
  afterAll(() => t?.stop());

  it('200 catch-up joins from a socket that does not read: the node stays up, memory flat, bystanders answered at once', async () => {
    const epoch = ((await (await fetch(`${t.url}/api/articles/${ARTICLE}/thread`)).json()) as { epoch: string }).epoch;
    const rss0 = rssOf(t.node.pid!);
    const redis0 = embedded ? 0 : await redisUsed(t);
    const rss = peak(() => rssOf(t.node.pid!));
    const redisPeak = embedded ? null : peak(() => redisUsed(t));

    const attacker = await RawWebSocket.socketio(t.port);
    attacker.socket.pause();
    for (let i = 0; i < 200; i++) attacker.sendText(`42${i}${JSON.stringify(['thread:join', { articleId: ARTICLE, since: 0, epoch }])}`);

    // A bystander keeps posting meanwhile: every post acknowledged in well under 2 s.
    const bystander = new DiscussionClient({
      url: t.url,
      token: await t.token('bystander'),
      socketOptions: { transports: ['websocket'], reconnection: false },
    });
    const latencies: number[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const started = Date.now();
        await bystander.post({ articleId: 'elsewhere', body: `still here ${i}` });
        latencies.push(Date.now() - started);
        await sleep(250);
      }
    } finally {
      bystander.close();
    }
    const rssPeak = await rss.stop();
    const redisMax = (await redisPeak?.stop()) ?? 0;
    attacker.destroy();
    console.log(
      `[hostile] amplification (${embedded ? 'embedded' : 'Redis'}): node RSS +${((rssPeak - rss0) / MiB).toFixed(0)} MiB at peak` +
        (embedded ? '' : `, Redis +${((redisMax - redis0) / MiB).toFixed(0)} MiB at peak`) +
        `, bystander ack max ${Math.max(...latencies)} ms`,
    );
    expect(Math.max(...latencies)).toBeLessThan(2000);
    expect(rssPeak - rss0).toBeLessThan(400 * MiB);
    if (!embedded) expect(redisMax - redis0).toBeLessThan(200 * MiB);
    await t.assertHealthy();
  }, 120_000);

  it('a reader far behind catches up in bounded pages, each event once', async () => {
    const s = io(t.url, { transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
      const first = (await s.emitWithAck('thread:join', { articleId: ARTICLE })) as { ok: true } & JoinResult;
      const seen: number[] = [];
      let since = 0;
      while (since < first.head) {
        const r = (await s.timeout(10_000).emitWithAck('thread:join', { articleId: ARTICLE, since, epoch: first.epoch })) as
          { ok: true; events: { seq: number }[]; more?: true } | { ok: false; error: { code: string; retryAfterMs?: number } };
        // Paging as fast as the socket can: a well-behaved client waits when told to.
        if (!r.ok && r.error.code === 'rate_limited') {
          await sleep(r.error.retryAfterMs ?? 1000);
          continue;
        }
        if (!r.ok) throw new Error(JSON.stringify(r));
        expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThan(300 * 1024);
        seen.push(...r.events.map((e) => e.seq));
        if (!r.more) break;
        since = r.events.at(-1)!.seq;
      }
      expect(seen).toEqual(Array.from({ length: first.head }, (_, i) => i + 1));
    } finally {
      s.close();
    }
  }, 120_000);

  it('a root with 1,000 long replies: a join answers the newest replies in a bounded snapshot; the rest come in pages', async () => {
    const s = io(t.url, { transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
      const snap = (await s.emitWithAck('thread:join', { articleId: THREAD })) as {
        ok: true;
        comments: Comment[];
        replyCursors: Record<string, string>;
      };
      expect(Buffer.byteLength(JSON.stringify(snap))).toBeLessThan(600 * 1024);
      expect(snap.comments[0]!.id).toBe(rootId);
      const ids = new Set(snap.comments.slice(1).map((c) => c.id));
      let cursor: string | undefined = snap.replyCursors[rootId];
      while (cursor) {
        const page = (await s.emitWithAck('thread:replies', { articleId: THREAD, rootId, cursor })) as
          { ok: true; comments: Comment[]; cursor: string | null } | { ok: false; error: { code: string; retryAfterMs?: number } };
        // Paging as fast as the socket can: a well-behaved client waits when told to.
        if (!page.ok && page.error.code === 'rate_limited') {
          await sleep(page.error.retryAfterMs ?? 1000);
          continue;
        }
        if (!page.ok) throw new Error(JSON.stringify(page));
        expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(400 * 1024);
        for (const c of page.comments) ids.add(c.id);
        cursor = page.cursor ?? undefined;
      }
      expect(ids.size).toBe(1000);
    } finally {
      s.close();
    }
  }, 60_000);

  it('1,500 anonymous HTTP catch-ups from one address, none read: refused past READ_RATE and at once, the node unmoved', async () => {
    const epoch = ((await (await fetch(`${t.url}/api/articles/${ARTICLE}/thread`)).json()) as { epoch: string }).epoch;
    const rss0 = rssOf(t.node.pid!);
    const statuses: number[] = [];
    const requests: http.ClientRequest[] = [];
    const one = () =>
      new Promise<void>((resolve) => {
        const req = http.get(
          { host: '127.0.0.1', port: t.port, path: `/api/articles/${ARTICLE}/events?since=900&epoch=${epoch}`, agent: false },
          (res) => {
            statuses.push(res.statusCode ?? 0);
            // Never read the body: the answer stays queued on the node's side.
            res.pause();
            resolve();
          },
        );
        req.on('error', () => resolve());
        requests.push(req);
      });
    for (let batch = 0; batch < 15; batch++) await Promise.all(Array.from({ length: 100 }, one));
    const grew = rssOf(t.node.pid!) - rss0;
    for (const r of requests) r.destroy();
    const refused = statuses.filter((s) => s === 429).length;
    console.log(
      `[hostile] 1,500 unread HTTP catch-ups: ${statuses.length - refused} answered, ${refused} refused with 429; node RSS +${(grew / MiB).toFixed(0)} MiB`,
    );
    // READ_RATE (1,200 a minute) is spent by the 1,500 whatever else holds them back.
    expect(refused).toBeGreaterThanOrEqual(300);
    expect(grew).toBeLessThan(200 * MiB);
    // Another address reads as usual.
    const other = await httpRequest(t.port, { path: `/api/articles/${ARTICLE}/thread`, localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
    await t.assertHealthy();
  }, 60_000);
});
