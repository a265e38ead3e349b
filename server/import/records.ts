/**
 * What every import parser produces: one normalized, validated stream of articles, whatever the
 * source format (`docs/IMPORT.md` tells the formats).
 *
 * ## The stream
 *
 * `readImport(file, options)` (import-reader.ts) returns an {@link ImportReader}: an async iterable
 * of {@link ImportArticle}, one per livethread article, in the order the source first names them.
 * An article carries every comment of every source thread that maps to its id (threads whose ids
 * collide merge, and `plan.merged` lists them), parents before children, in creation order.
 *
 * - **Nothing is yielded before the whole file has parsed.** The first pass reads the file to its
 *   end, validating it, and spools the comments to a temporary directory grouped by thread; the
 *   second pass reads one group of threads at a time. So a malformed file stops with an
 *   {@link ImportError} (line and column) before any write, and memory stays bounded by the largest
 *   article, not by the file.
 * - **Every value is final.** Bodies are Markdown (HTML converted by html-to-markdown.ts, never HTML),
 *   cleaned by the rules of posted bodies (`cleanText`), at most `commentMaxLength` characters.
 *   Names are cleaned like display names. Dates are ISO 8601 in UTC. Article ids pass `ArticleId`.
 * - **Deterministic.** The same file with the same options yields the same articles in the same
 *   order, with the same comment ids (`id`, derived from the source and its id), so a re-run is
 *   idempotent.
 *
 * ## How a writer consumes it
 *
 * @example
 * ```ts
 * const reader = readImport(file, { format: 'disqus', commentMaxLength, authorKey });
 * try {
 *   for await (const article of reader) {
 *     // One transaction per article: create every comment in the order given (a parent always
 *     // comes before its replies), skipping ids the store already has. A failure rolls back this
 *     // article only; a re-run skips what earlier runs committed.
 *     await writeArticle(article);
 *     checkpoint(article.index); // optional: a re-run may skip articles up to it
 *   }
 * } finally {
 *   await reader.close(); // removes the spool; reading to the end does so too (or extras() after it, when there are any)
 * }
 * print(formatPlan(reader.plan)); // counts, final once the iteration ended
 * ```
 *
 * - `status: 'pending'` goes to the moderation queue as held (never to readers); `'deleted'` is a
 *   tombstone kept because it has replies (its `body` is empty); `'removed'` is spam imported with
 *   `includeSpam` (or a comment a moderator removed, in livethread's own export).
 * - `author.email` is for the store only: never send it to readers, never log it. The plan and
 *   every `ImportError` message are free of emails and bodies.
 * - For livethread's own export, `id`, `author.id` and `votes` are the original ones, and
 *   `reader.extras()` yields its bans and audit entries after the articles.
 */
import { createHash } from 'node:crypto';

/** The formats `readImport` reads. */
export const IMPORT_FORMATS = ['disqus', 'wordpress', 'remark42', 'commento', 'livethread'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** How article ids are made from a source thread (article-ids.ts); `--map` overrides any. */
export const ARTICLE_ID_STRATEGIES = ['identifier', 'path', 'url'] as const;
export type ArticleIdStrategy = (typeof ARTICLE_ID_STRATEGIES)[number];

/** The statuses an imported comment can have (a subset of `CommentStatus`). */
export type ImportedStatus = 'visible' | 'pending' | 'deleted' | 'removed';

/** A thread of the source: one page's discussion there. */
export interface SourceThread {
  /** The source's id of the thread (Disqus `dsq:id`, WordPress post id, the page URL or path…). */
  sourceId: string;
  /** The source's own identifier of the page, when it has one (Disqus `<id>`, WordPress slug). */
  identifier: string | null;
  /** The page's URL (absolute, or a path where the source keeps only that). */
  url: string | null;
  title: string | null;
  /** Closed to new comments in the source. */
  closed: boolean;
}

/**
 * An author as an imported identity: it cannot sign in (its id is prefixed with the source, e.g.
 * `disqus:jane` or `wordpress:e-<hash of the email>`), except for livethread's own export, where it
 * is the original user.
 */
export interface ImportedAuthor {
  /** At most 128 characters. */
  id: string;
  /** Cleaned like a display name, 1–80 characters ("Anonymous" when the source had none). */
  name: string;
  /** Lower-cased; server-side only: never sent to readers, never logged. */
  email?: string;
  /** Wrote as staff (livethread export only). */
  staff?: boolean;
  /** False for livethread's own export: the identity is the original user. */
  imported: boolean;
}

export interface ImportedComment {
  /**
   * The livethread comment id to store it under: `i` and 22 characters of a hash of the source and
   * its id, so that a re-run finds it; the original id for livethread's own export.
   */
  id: string;
  /** The id of its parent (`id` of an earlier comment of the same article), null for a root. */
  parentId: string | null;
  /** The root of its thread: itself for a root. */
  rootId: string;
  sourceId: string;
  /** The source thread it came from (an article can merge several). */
  threadSourceId: string;
  /** The source's parent id as imported (null for a root). */
  parentSourceId: string | null;
  /**
   * Present when the parent differs from what the source said: the source's parent id. An orphan
   * (its parent is missing from the export) became a root; a reply to skipped spam was attached
   * to the nearest kept ancestor.
   */
  sourceParentId?: string;
  author: ImportedAuthor;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  editedAt: string | null;
  /** Markdown (PROTOCOL.md §5); empty for a tombstone. */
  body: string;
  status: ImportedStatus;
  /** Why it is held, for `pending`. */
  heldReason?: string | null;
  /** Why it was removed, for `removed`. */
  removedReason?: string | null;
  /** The status it had before a moderator removed it (livethread export only). */
  removedFrom?: 'visible' | 'pending';
  /** Vote counts (livethread export only: other sources keep no per-user votes to replay). */
  votes?: { up: number; down: number };
  /**
   * livethread export only: where the comment came from when it was itself imported (its `id` is
   * already the one that import derived, so re-running that import finds it).
   */
  importedFrom?: { source: string; sourceId: string };
}

/** One livethread article and everything to write into it, in one transaction. */
export interface ImportArticle {
  /** 0, 1, 2…: the same for the same file and options (a checkpoint for a writer). */
  index: number;
  /** Valid `ArticleId`. */
  articleId: string;
  /** The source threads merged into it, in source order (usually one). */
  threads: SourceThread[];
  /** Closed in the source (any of its threads). */
  closed: boolean;
  /** Parents before children; otherwise by creation time, then source order. */
  comments: ImportedComment[];
}

/** The source's name as it prefixes author ids and derives comment ids. */
export type ImportSource = ImportFormat;

/**
 * The comment id for a source comment: deterministic, valid `CommentId` (letters, digits, `-_`),
 * and short. 22 base64url characters of SHA-256 are 132 bits: no collision in any realistic import.
 */
export function importedCommentId(source: ImportSource, sourceId: string): string {
  return 'i' + createHash('sha256').update(`${source}\u0000${sourceId}`).digest('base64url').slice(0, 22);
}
