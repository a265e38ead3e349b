/**
 * What a format parser hands to the reader during the first pass: threads and comments as the
 * source says them, values already converted (bodies to Markdown, dates to UTC, authors to imported
 * identities), but not yet resolved against each other (parents, tombstones, order, article ids).
 * Comments are spooled to disk in this shape (import-reader.ts).
 */
import { createHash } from 'node:crypto';
import type { AuthorFactory } from './authors.js';
import type { BodyMaker } from './body.js';
import type { ImportedAuthor } from './records.js';

/** A comment's state in the source. `spam` is skipped unless `includeSpam` (then removed). */
export type SourceKind = 'visible' | 'pending' | 'deleted' | 'spam' | 'removed';

export interface RawThread {
  /** The source's id of the thread: what comments name as theirs. */
  key: string;
  identifier: string | null;
  url: string | null;
  title: string | null;
  closed: boolean;
  /** Deleted in the source: its comments are skipped. */
  deleted: boolean;
}

/** Bits of {@link RawComment.flags}: what the plan counts about a comment. */
export const Flag = {
  /** Its date had no zone and was taken as UTC. */
  NoZone: 1,
  /** Its body was HTML, converted. */
  Converted: 2,
  /** Some block of it was kept as plain text. */
  PlainText: 4,
  /** Cut to the maximum length. */
  Truncated: 8,
  /** The source gave no id: derived from its content. */
  DerivedId: 16,
} as const;

export interface RawComment {
  /** The source's id of the comment. */
  key: string;
  /** The source's id of its thread. */
  thread: string;
  /** The source's id of its parent; null for a root. */
  parent: string | null;
  kind: SourceKind;
  /** The author, or a reference the parser resolves after the first pass (Commento lists commenters last). */
  author: ImportedAuthor | { ref: string };
  /** ISO UTC; null when the source's date was not a date. */
  createdAt: string | null;
  editedAt: string | null;
  /** Markdown, cleaned and cut; empty when deleted, spam not imported, or nothing is left. */
  body: string;
  flags: number;
  /** livethread's own export: the original id, reasons and votes. */
  id?: string;
  heldReason?: string | null;
  removedReason?: string | null;
  removedFrom?: 'visible' | 'pending' | null;
  votes?: { up: number; down: number };
  importedFrom?: { source: string; sourceId: string };
  /** Source order, set by the reader. */
  seq: number;
}

/** Where a parser puts what it reads. */
export interface ParserSink {
  thread(thread: RawThread): void;
  comment(comment: Omit<RawComment, 'seq'>): void;
  /** A comment left out by its type: pingbacks and trackbacks, or another type by name. */
  skipType(type: 'pingback' | string): void;
  /** livethread's own export: a ban or an audit entry, kept for `reader.extras()`. */
  extra(record: unknown): void;
}

/** What every parser is called with. */
export interface ParserContext {
  authors: AuthorFactory;
  bodies: BodyMaker;
  includeSpam: boolean;
}

/** A format's parser: reads the whole file into the sink, streaming. */
export type Parser = (chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext) => Promise<ParserResult>;

export interface ParserResult {
  /** Resolves `{ ref }` authors once the whole file has been read. */
  resolveAuthor?: (ref: string) => ImportedAuthor;
}

/**
 * A comment id for a source that gave none: a hash of what identifies the comment (thread, date,
 * author, text), so a re-run of the same file derives the same id. `Flag.DerivedId` counts them.
 */
export function derivedKey(parts: (string | null | undefined)[]): string {
  return (
    'h-' +
    createHash('sha256')
      .update(parts.map((p) => p ?? '').join('\u0000'))
      .digest('base64url')
      .slice(0, 22)
  );
}

/** `true`/`1` (any case, any white space around) is true; anything else is false. */
export function sourceBool(text: string | null | undefined): boolean {
  return /^\s*(true|1)\s*$/i.test(text ?? '');
}
