/**
 * `readImport`: a source file to the stream of articles that records.ts describes, in two passes.
 *
 * 1. The format's parser reads the whole file (streaming: bytes, then text, then SAX events or JSON
 *    values) and the reader spools each comment to disk grouped by thread (spool.ts), keeping only
 *    the threads in memory. A malformed file stops here, before anything is yielded.
 * 2. Article ids are resolved for every thread (article-ids.ts), threads with the same id merge, and
 *    articles are yielded in the order the source first named them, each assembled from its threads'
 *    spooled comments (assemble.ts).
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_COMMENT_MAX_LENGTH } from '../../shared/schemas.js';
import { AuthorFactory, DEFAULT_AUTHOR_KEY } from './authors.js';
import { ArticleIdMap, articleIdFor, type ResolvedArticleId } from './article-ids.js';
import { assembleArticle } from './assemble.js';
import { BodyMaker } from './body.js';
import { parseCommento } from './commento.js';
import { parseDisqus } from './disqus.js';
import { ImportError } from './import-error.js';
import { parseLivethread } from './livethread.js';
import { emptyPlan, MERGED_LISTED, type ImportPlan, type OrphanPolicy } from './plan.js';
import type { ArticleIdStrategy, ImportArticle, ImportedAuthor, ImportFormat, SourceThread } from './records.js';
import { parseRemark42 } from './remark42.js';
import { readSource } from './source-stream.js';
import type { Parser, ParserContext, ParserResult, ParserSink, RawComment, RawThread } from './source-records.js';
import { Spool } from './spool.js';
import { parseWordPress } from './wordpress.js';

export interface ImportOptions {
  format: ImportFormat;
  /** Default `identifier`. */
  articleId?: ArticleIdStrategy;
  /** `--map`: a loaded map, or the path of its CSV file. */
  map?: ArticleIdMap | string | null;
  /** Import spam as removed instead of skipping it. */
  includeSpam?: boolean;
  /** Default `promote`. */
  orphans?: OrphanPolicy;
  /** Longer bodies are cut (body.ts says why). Default `DEFAULT_COMMENT_MAX_LENGTH`. */
  commentMaxLength?: number;
  /** Key of the hashes in author ids (authors.ts): a stable secret of the site. */
  authorKey?: string;
  /** Where the spool goes (default: the system's temporary directory). */
  tmpDir?: string;
  /** Progress: bytes of the file read so far, comments parsed so far. */
  onProgress?: (progress: { bytes: number; comments: number }) => void;
}

const PARSERS: Record<ImportFormat, Parser> = {
  disqus: parseDisqus,
  wordpress: parseWordPress,
  remark42: parseRemark42,
  commento: parseCommento,
  livethread: parseLivethread,
};

interface ThreadEntry {
  seq: number;
  thread: RawThread | null;
  /** Comments spooled for it. */
  comments: number;
  resolved?: ResolvedArticleId;
}

/** Reads `file` as `options.format` (see records.ts for the stream and how to consume it). */
export function readImport(file: string, options: ImportOptions): ImportReader {
  return new ImportReader(file, options);
}

export class ImportReader implements AsyncIterable<ImportArticle> {
  /** Counts so far; final once the iteration has ended. */
  readonly plan: ImportPlan;
  private spool: Spool | null = null;
  private started = false;
  private finished = false;
  private extrasFile: string | null = null;
  private extrasCount = 0;

  constructor(
    private readonly file: string,
    private readonly options: ImportOptions,
  ) {
    this.plan = emptyPlan(options.format, {
      articleId: options.articleId ?? 'identifier',
      mapEntries: 0,
      includeSpam: options.includeSpam ?? false,
      orphans: options.orphans ?? 'promote',
      commentMaxLength: options.commentMaxLength ?? DEFAULT_COMMENT_MAX_LENGTH,
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ImportArticle> {
    if (this.started) throw new Error('an ImportReader is read once');
    this.started = true;
    try {
      yield* this.run();
      this.finished = true;
    } finally {
      // The spool stays for extras() when the iteration ended normally; close() removes it.
      if (!this.finished || this.extrasCount === 0) await this.close();
    }
  }

  /** livethread's own export: its ban and audit records, after the articles have been read. */
  async *extras(): AsyncGenerator<unknown> {
    if (!this.finished) throw new Error('extras() is read after the articles');
    if (!this.extrasFile || this.extrasCount === 0) return;
    const text = await readFile(this.extrasFile, 'utf8');
    for (const line of text.split('\n')) if (line) yield JSON.parse(line) as unknown;
    await this.close();
  }

  /** Removes the spool; safe to call twice. */
  async close(): Promise<void> {
    const spool = this.spool;
    this.spool = null;
    await spool?.close();
  }

  private async *run(): AsyncGenerator<ImportArticle> {
    const { options, plan } = this;
    const map = typeof options.map === 'string' ? await ArticleIdMap.load(options.map) : (options.map ?? null);
    plan.options.mapEntries = map?.size ?? 0;
    const spool = (this.spool = await Spool.create(options.tmpDir));
    this.extrasFile = join(spool.dir, 'extras.jsonl');

    // Pass 1.
    const threads = new Map<string, ThreadEntry>();
    const entry = (key: string): ThreadEntry => {
      let e = threads.get(key);
      if (!e) threads.set(key, (e = { seq: threads.size, thread: null, comments: 0 }));
      return e;
    };
    let seq = 0;
    let bytes = 0;
    const extras: string[] = [];
    const sink: ParserSink = {
      thread: (thread) => {
        const e = entry(thread.key);
        // A thread named twice: the first wins, but a later mark of deletion or closing counts.
        if (!e.thread) e.thread = thread;
        else e.thread = { ...e.thread, closed: e.thread.closed || thread.closed, deleted: e.thread.deleted || thread.deleted };
      },
      comment: (c) => {
        const e = entry(c.thread);
        e.comments++;
        spool.add(e.seq, { ...c, seq: seq++ });
      },
      skipType: (type) => {
        if (type === 'pingback') plan.skipped.pingbacks++;
        else plan.skipped.otherTypes[type] = (plan.skipped.otherTypes[type] ?? 0) + 1;
      },
      extra: (record) => {
        extras.push(JSON.stringify(record) + '\n');
      },
    };
    const context: ParserContext = {
      authors: new AuthorFactory(options.format, options.authorKey ?? DEFAULT_AUTHOR_KEY),
      bodies: new BodyMaker(plan.options.commentMaxLength),
      includeSpam: plan.options.includeSpam,
    };
    const chunks = async function* (this: ImportReader): AsyncGenerator<Buffer> {
      for await (const chunk of readSource(this.file, (b) => (bytes = b))) {
        yield chunk;
        // Between chunks: write what the parser buffered, and the extras.
        await spool.flushIfNeeded();
        if (extras.length > 0) {
          this.extrasCount += extras.length;
          await appendFile(this.extrasFile!, extras.splice(0).join(''));
        }
        options.onProgress?.({ bytes, comments: seq });
      }
    }.call(this);
    let result: ParserResult;
    try {
      result = await PARSERS[options.format](chunks, sink, context);
    } catch (e) {
      throw e instanceof ImportError ? e.inFile(this.file) : e;
    }
    await spool.flushAll();
    if (extras.length > 0) {
      this.extrasCount += extras.length;
      await appendFile(this.extrasFile, extras.splice(0).join(''));
    }

    // Article ids, and the articles in the order their first thread came.
    const articles = new Map<string, ThreadEntry[]>();
    for (const e of threads.values()) {
      if (!e.thread) {
        plan.skipped.missingThread += e.comments;
        continue;
      }
      plan.threads++;
      if (e.thread.deleted) {
        plan.deletedThreads++;
        plan.skipped.inDeletedThreads += e.comments;
        continue;
      }
      if (e.comments === 0) {
        plan.emptyThreads++;
        continue;
      }
      e.resolved = articleIdFor(toSourceThread(e.thread), { format: options.format, strategy: plan.options.articleId, map });
      let list = articles.get(e.resolved.articleId);
      if (!list) articles.set(e.resolved.articleId, (list = []));
      list.push(e);
    }

    // Pass 2.
    const resolveAuthor = result.resolveAuthor ?? ((ref: string): ImportedAuthor => context.authors.author({ username: ref }));
    const authors = new Set<string>();
    let index = 0;
    const order = [...articles].sort((a, b) => a[1][0]!.seq - b[1][0]!.seq);
    for (const [articleId, entries] of order) {
      const raw: RawComment[] = [];
      for (const e of entries) raw.push(...(await spool.take(e.seq, e.thread!.key, entries[0]!.seq)));
      const comments = assembleArticle(
        raw,
        { format: options.format, includeSpam: plan.options.includeSpam, orphans: plan.options.orphans, resolveAuthor },
        plan,
      );
      // Threads whose comments were all skipped are empty; the others count for the article.
      const contributing = entries.filter((e) => comments.some((c) => c.threadSourceId === e.thread!.key));
      plan.emptyThreads += entries.length - contributing.length;
      if (comments.length === 0) continue;
      for (const e of contributing) countArticleId(plan, e.resolved!);
      for (const c of comments) {
        if (authors.has(c.author.id)) continue;
        authors.add(c.author.id);
        plan.authors++;
        if (c.author.email) plan.authorsWithEmail++;
      }
      if (contributing.length > 1) {
        plan.merged.count++;
        if (plan.merged.articles.length < MERGED_LISTED)
          plan.merged.articles.push({ articleId, threads: contributing.map((e) => describeThread(e.thread!)) });
      }
      plan.articles++;
      yield {
        index: index++,
        articleId,
        threads: contributing.map((e) => toSourceThread(e.thread!)),
        closed: contributing.some((e) => e.thread!.closed),
        comments,
      };
    }
  }
}

function toSourceThread(t: RawThread): SourceThread {
  return { sourceId: t.key, identifier: t.identifier, url: t.url, title: t.title, closed: t.closed };
}

function describeThread(t: RawThread): string {
  const where = t.url ?? t.identifier;
  return where && where !== t.key ? `${t.key} (${where})` : t.key;
}

function countArticleId(plan: ImportPlan, r: ResolvedArticleId): void {
  plan.articleIds[r.origin]++;
  if (r.fellBack) plan.articleIds.fellBack++;
  if (r.encoded) plan.articleIds.encoded++;
  if (r.hashed) plan.articleIds.hashed++;
}
