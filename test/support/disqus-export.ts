/**
 * Writes a synthetic Disqus export of any size, streaming: threads first, then posts interleaved
 * across threads as Disqus lists them (by time), with replies, deletions and spam. Deterministic
 * (seeded), so a failure reproduces.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';

export interface DisqusExportShape {
  comments: number;
  threads: number;
  /** Comments of the one very large thread (the rest spread over the others). */
  bigThread: number;
  gzip?: boolean;
}

export interface DisqusExportStats {
  bytes: number;
  replies: number;
  deleted: number;
  spam: number;
}

/** A small deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'the quick brown fox jumps over lazy dog streaming parsers keep memory bounded while reading exports of every size'.split(
  ' ',
);

export async function writeDisqusExport(file: string, shape: DisqusExportShape): Promise<DisqusExportStats> {
  const rand = random(42);
  const file$ = createWriteStream(file);
  const out: Writable = shape.gzip ? createGzip({ level: 1 }) : file$;
  if (shape.gzip) out.pipe(file$);
  let bytes = 0;
  let pending: string[] = [];
  let pendingBytes = 0;
  const write = async (s: string) => {
    pending.push(s);
    pendingBytes += s.length;
    if (pendingBytes > 1 << 20) await flush();
  };
  const flush = async () => {
    const chunk = pending.join('');
    pending = [];
    pendingBytes = 0;
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };

  await write(
    '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n',
  );
  for (let t = 0; t < shape.threads; t++) {
    await write(
      `<thread dsq:id="${100000 + t}"><id>${t % 10 === 0 ? '' : `article-${t}`}</id><forum>big</forum><link>https://example.com/articles/${t}/</link>` +
        `<title>Article ${t}</title><createdAt>2015-01-01T00:00:00Z</createdAt><isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n`,
    );
  }
  // Comments per thread: the big one, then the rest spread at random.
  const perThread = new Array<number>(shape.threads).fill(0);
  perThread[0] = shape.bigThread;
  for (let i = shape.bigThread; i < shape.comments; i++) perThread[1 + Math.floor(rand() * (shape.threads - 1))]!++;
  const remaining = [...perThread];
  const posted: number[][] = perThread.map(() => []);
  const stats: DisqusExportStats = { bytes: 0, replies: 0, deleted: 0, spam: 0 };
  let live = perThread.map((_, i) => i).filter((i) => remaining[i]! > 0);
  const start = Date.UTC(2015, 0, 1);
  for (let n = 0; n < shape.comments; n++) {
    // Interleaved across threads, as an export by date is.
    const pick = Math.floor(rand() * live.length);
    const t = live[pick]!;
    remaining[t]!--;
    if (remaining[t] === 0) live = live.filter((x) => x !== t);
    const id = 1_000_000 + n;
    const mine = posted[t]!;
    const parent = mine.length > 0 && rand() < 0.4 ? mine[Math.floor(rand() * mine.length)]! : null;
    // Keep the reply candidates bounded: recent comments only.
    mine.push(id);
    if (mine.length > 50) mine.shift();
    const r = rand();
    const deleted = r < 0.03;
    const spam = !deleted && r < 0.05;
    if (parent !== null) stats.replies++;
    if (deleted) stats.deleted++;
    if (spam) stats.spam++;
    const words = Array.from({ length: 20 + Math.floor(rand() * 40) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
    const user = Math.floor(rand() * 20000);
    await write(
      `<post dsq:id="${id}"><id/><message><![CDATA[<p>${words}</p><p>See <a href="https://example.org/${n}">this &amp; that</a>, <b>really</b>.</p>]]></message>` +
        `<createdAt>${new Date(start + n * 60_000).toISOString().replace('.000', '')}</createdAt><isDeleted>${deleted}</isDeleted><isSpam>${spam}</isSpam>` +
        `<author><email>user${user}@example.com</email><name>User ${user}</name><isAnonymous>false</isAnonymous><username>user${user}</username></author>` +
        `<thread dsq:id="${100000 + t}"/>${parent !== null ? `<parent dsq:id="${parent}"/>` : ''}</post>\n`,
    );
  }
  await write('</disqus>\n');
  await flush();
  out.end();
  await once(file$, 'close');
  stats.bytes = bytes;
  return stats;
}
