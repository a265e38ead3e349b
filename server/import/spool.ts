/**
 * The first pass's comments on disk, grouped by thread, so that the second pass reads one group of
 * threads at a time instead of the whole export.
 *
 * Disqus lists every thread, then every post in any order; Commento one array of comments of every
 * page. So comments are appended, as JSON lines, to a bucket file per {@link THREADS_PER_BUCKET}
 * consecutive threads (in the order the source first names them), and the second pass reads a
 * bucket, which holds only its threads' comments. Memory: one write arena ({@link ARENA_BYTES}) in
 * the first pass, one bucket (plus one more while an article merges threads from far apart) in the
 * second.
 */
import { appendFileSync } from 'node:fs';
import { appendFile, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawComment } from './source-records.js';

/**
 * Threads per bucket file. Disqus exports list many threads without comments, so a bucket of 64
 * holds a few hundred comments typically, and the number of files stays far below the thousands a
 * file system handles well even for a million threads (15,625 files).
 */
export const THREADS_PER_BUCKET = 64;
/**
 * The write buffer: one arena of this size, allocated once, into which each comment's line is
 * encoded as soon as it is made. So the line's string dies young, and nothing the first pass
 * buffers is ever promoted to V8's old space: with strings buffered until a flush (1 MiB of them),
 * the old space filled with some 80 MB of dead lines between full collections. The arena is written
 * out once half full (the reader flushes between chunks, and one 64 KiB chunk makes far less than
 * the other half).
 */
export const ARENA_BYTES = 2 * 1024 * 1024;

export class Spool {
  private readonly arena = Buffer.allocUnsafeSlow(ARENA_BYTES);
  private used = 0;
  /** Per bucket: start and end offsets in the arena of its lines, in order. */
  private readonly segments = new Map<number, number[]>();
  /** The bucket the second pass is in: its bytes and, per thread, the offsets of its lines. */
  private current: { bucket: number; data: Buffer; index: Map<string, number[]> } | null = null;
  private readBuffer = Buffer.alloc(0);

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
    // The thread first, so the second pass groups lines without parsing them.
    const line = JSON.stringify(comment.thread) + '\t' + JSON.stringify(comment) + '\n';
    let segs = this.segments.get(bucket);
    if (!segs) this.segments.set(bucket, (segs = []));
    if (Buffer.byteLength(line) > ARENA_BYTES - this.used) {
      // A line bigger than what is left (a huge comment, or a parser that made more than a chunk's
      // worth): write this bucket's lines and it now, in order. Rare, so synchronously.
      appendFileSync(this.file(bucket), Buffer.concat([this.bucketData(segs), Buffer.from(line)]));
      segs.length = 0;
      return;
    }
    const start = this.used;
    this.used += this.arena.write(line, start);
    segs.push(start, this.used);
  }

  /** Writes the arena out once it is half full. */
  async flushIfNeeded(): Promise<void> {
    if (this.used > ARENA_BYTES / 2) await this.flushAll();
  }

  async flushAll(): Promise<void> {
    for (const [bucket, segs] of this.segments) {
      if (segs.length === 0) continue;
      await appendFile(this.file(bucket), this.bucketData(segs));
      segs.length = 0;
    }
    this.used = 0;
  }

  private bucketData(segs: number[]): Buffer {
    const parts: Buffer[] = [];
    for (let i = 0; i < segs.length; i += 2) parts.push(this.arena.subarray(segs[i], segs[i + 1]));
    return Buffer.concat(parts);
  }

  /**
   * The comments of one thread, in the order they were added; each thread is asked for once.
   * `floorSeq` is the smallest thread position still to be asked for: the second pass goes through
   * articles by their first thread, so the bucket of `floorSeq` only moves forward. That bucket is
   * read whole into one buffer, reused from bucket to bucket (outside V8's heap, so nothing of it is
   * promoted and left for a full collection), with the offsets of each thread's lines; lines are
   * parsed when their thread is asked for, so only one article's objects exist at a time. A thread
   * in another bucket (an article merging threads from far apart) is read from its file alone.
   */
  async take(threadSeq: number, key: string, floorSeq: number): Promise<RawComment[]> {
    const bucket = Spool.bucketOf(threadSeq);
    const floor = Spool.bucketOf(floorSeq);
    let source: { data: Buffer; index: Map<string, number[]> };
    if (bucket === floor) {
      if (this.current?.bucket !== bucket) {
        const size = await this.size(bucket);
        if (this.readBuffer.length < size) this.readBuffer = Buffer.allocUnsafeSlow(Math.ceil(size * 1.25));
        const data = this.readBuffer.subarray(0, size);
        await this.readInto(bucket, data);
        this.current = { bucket, data, index: indexLines(data) };
      }
      source = this.current;
    } else {
      const data = Buffer.allocUnsafe(await this.size(bucket));
      await this.readInto(bucket, data);
      source = { data, index: indexLines(data) };
    }
    const offsets = source.index.get(key) ?? [];
    source.index.delete(key);
    const out: RawComment[] = [];
    for (let i = 0; i < offsets.length; i += 2)
      out.push(JSON.parse(source.data.toString('utf8', offsets[i], offsets[i + 1])) as RawComment);
    return out;
  }

  private async size(bucket: number): Promise<number> {
    try {
      return (await stat(this.file(bucket))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
  }

  private async readInto(bucket: number, data: Buffer): Promise<void> {
    if (data.length === 0) return;
    const handle = await open(this.file(bucket), 'r');
    try {
      let at = 0;
      while (at < data.length) {
        const { bytesRead } = await handle.read(data, at, data.length - at, at);
        if (bytesRead === 0) throw new Error(`spool file ${bucket} is shorter than it was`);
        at += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }

  private file(bucket: number): string {
    return join(this.dir, `${bucket}.jsonl`);
  }

  async close(): Promise<void> {
    this.segments.clear();
    this.current = null;
    this.readBuffer = Buffer.alloc(0);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Per thread, the start and end offsets of its lines (`"thread"\t{comment}\n`) in `data`. */
function indexLines(data: Buffer): Map<string, number[]> {
  const index = new Map<string, number[]>();
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    const tab = data.indexOf(0x09, start);
    const key = JSON.parse(data.toString('utf8', start, tab)) as string;
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(tab + 1, end);
    start = end + 1;
  }
  return index;
}
