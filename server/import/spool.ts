/**
 * The first pass's comments on disk, grouped by thread, so that the second pass reads one group of
 * threads at a time instead of the whole export.
 *
 * Disqus lists every thread, then every post in any order; Commento one array of comments of every
 * page. So comments are appended, as JSON lines, to a bucket file per {@link THREADS_PER_BUCKET}
 * consecutive threads (in the order the source first names them), and the second pass reads a
 * bucket, which holds only its threads' comments. Memory: the write buffers (bounded by
 * {@link BUFFERED_BYTES}) in the first pass, one bucket (plus one more while an article merges
 * threads from far apart) in the second.
 */
import { createReadStream } from 'node:fs';
import { access, appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonLines } from './json-lines.js';
import type { RawComment } from './source-records.js';
import { decodeUtf8 } from './source-stream.js';

/**
 * Threads per bucket file. Disqus exports list many threads without comments, so a bucket of 64
 * holds a few hundred comments typically, and the number of files stays far below the thousands a
 * file system handles well even for a million threads (15,625 files).
 */
export const THREADS_PER_BUCKET = 64;
/**
 * Write buffers flushed past this (all buckets together): bounds first-pass memory. Buffered lines
 * outlive young collections and are promoted, so the old space holds about this much garbage after
 * each flush until a full collection: small, but big enough that appends stay large.
 */
export const BUFFERED_BYTES = 1024 * 1024;
/** One bucket's buffer is flushed past this, so a big thread goes to disk as it grows. */
const BUCKET_FLUSH_BYTES = 256 * 1024;

export class Spool {
  private readonly buffers = new Map<number, string[]>();
  private readonly sizes = new Map<number, number>();
  private buffered = 0;
  private readonly full = new Set<number>();
  private readonly cache = new Map<number, Map<string, RawComment[]>>();

  private constructor(readonly dir: string) {}

  static async create(parent: string = tmpdir()): Promise<Spool> {
    return new Spool(await mkdtemp(join(parent, 'livethread-import-')));
  }

  static bucketOf(threadSeq: number): number {
    return Math.floor(threadSeq / THREADS_PER_BUCKET);
  }

  /** Buffers a comment of the thread that was the `threadSeq`-th the source named. */
  add(threadSeq: number, comment: RawComment): void {
    const bucket = Spool.bucketOf(threadSeq);
    const line = JSON.stringify(comment) + '\n';
    let buf = this.buffers.get(bucket);
    if (!buf) this.buffers.set(bucket, (buf = []));
    buf.push(line);
    const size = (this.sizes.get(bucket) ?? 0) + line.length;
    this.sizes.set(bucket, size);
    this.buffered += line.length;
    if (size > BUCKET_FLUSH_BYTES) this.full.add(bucket);
  }

  /** Writes what is due: full buckets, or everything once the buffers hold too much. */
  async flushIfNeeded(): Promise<void> {
    if (this.buffered > BUFFERED_BYTES) await this.flush([...this.buffers.keys()]);
    else if (this.full.size > 0) await this.flush([...this.full]);
  }

  async flushAll(): Promise<void> {
    await this.flush([...this.buffers.keys()]);
  }

  private async flush(buckets: number[]): Promise<void> {
    for (const bucket of buckets) {
      const buf = this.buffers.get(bucket);
      if (!buf) continue;
      this.buffers.delete(bucket);
      this.buffered -= this.sizes.get(bucket) ?? 0;
      this.sizes.delete(bucket);
      this.full.delete(bucket);
      await appendFile(this.file(bucket), buf.join(''));
    }
  }

  /**
   * The comments of one thread, in the order they were added; each thread is asked for once.
   * `floorSeq` is the smallest thread position still to be asked for (the second pass goes through
   * articles by their first thread), so buckets below it are dropped. At most two buckets stay in
   * memory: the floor's, whose threads come next, and one other that a merged article reached into.
   */
  async take(threadSeq: number, key: string, floorSeq: number): Promise<RawComment[]> {
    const floor = Spool.bucketOf(floorSeq);
    for (const b of this.cache.keys()) if (b < floor) this.cache.delete(b);
    const bucket = Spool.bucketOf(threadSeq);
    let threads = this.cache.get(bucket);
    if (!threads) {
      threads = await this.read(bucket);
      if (bucket === floor || this.cache.size < 2) this.cache.set(bucket, threads);
    }
    const comments = threads.get(key) ?? [];
    threads.delete(key);
    return comments;
  }

  /** A bucket's comments by thread, read line by line (never the whole file as one string). */
  private async read(bucket: number): Promise<Map<string, RawComment[]>> {
    const threads = new Map<string, RawComment[]>();
    const file = this.file(bucket);
    try {
      await access(file);
    } catch {
      return threads;
    }
    for await (const { value } of readJsonLines(decodeUtf8(createReadStream(file, { highWaterMark: 64 * 1024 })))) {
      const c = value as RawComment;
      let list = threads.get(c.thread);
      if (!list) threads.set(c.thread, (list = []));
      list.push(c);
    }
    return threads;
  }

  private file(bucket: number): string {
    return join(this.dir, `${bucket}.jsonl`);
  }

  async close(): Promise<void> {
    this.buffers.clear();
    this.cache.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
