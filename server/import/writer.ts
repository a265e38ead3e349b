/**
 * Writes what `readImport` yields into a store (records.ts tells the stream).
 *
 * Per article: its comments in batches (parents before replies, `ImportStore.importComments`
 * skips ids the store already has, so a re-run or a second run after a failure writes only what
 * is missing), the thread closed when the source had it closed, and then, when anything changed,
 * a new epoch (`rewriteHistory`): readers with the page open reload the thread once (presence
 * carries the epoch to them within seconds) instead of receiving an event per imported comment.
 */
import type { Doc } from '../../shared/markdown.js';
import type { Clock, CommentStore, ImportRecord } from '../core/ports.js';
import type { ImportReader } from './import-reader.js';
import { ExportRecord } from './livethread-format.js';
import type { ImportArticle, ImportedComment, ImportFormat } from './records.js';

/** Audit entries an import compares its own with (the stores keep 100,000). */
const AUDIT_DEDUPE = 100_000;

/** Records per store call (the port's bound). */
export const IMPORT_BATCH = 500;

export interface ImportWriterDeps {
  store: Pick<CommentStore, 'importComments' | 'rewriteHistory' | 'setClosed' | 'isClosed' | 'heads' | 'ban' | 'appendAudit' | 'auditLog'>;
  render: (markdown: string) => Doc;
  clock: Clock;
  /** A fresh epoch for an article whose history the import rewrote. */
  newEpoch: () => string;
  /** After each article, with the totals so far. */
  onArticle?: (totals: ImportTotals, article: ImportArticle) => void;
}

export interface ImportTotals {
  articles: number;
  /** Articles that got at least one comment (or were closed) by this run. */
  articlesChanged: number;
  written: number;
  /** Already in the store (an earlier run, or the same source imported before). */
  existing: number;
  closed: number;
  /** livethread's own export: bans in force written, audit entries added (those already there skipped). */
  bans: number;
  audit: number;
}

/** Reads every article of `reader` into the store; the reader is closed when this returns. */
export async function writeImport(reader: ImportReader, format: ImportFormat, deps: ImportWriterDeps): Promise<ImportTotals> {
  const totals: ImportTotals = { articles: 0, articlesChanged: 0, written: 0, existing: 0, closed: 0, bans: 0, audit: 0 };
  try {
    for await (const article of reader) {
      await writeArticle(article, format, deps, totals);
      totals.articles += 1;
      deps.onArticle?.(totals, article);
    }
    if (format === 'livethread') await writeExtras(reader, deps, totals);
  } finally {
    await reader.close();
  }
  return totals;
}

async function writeArticle(article: ImportArticle, format: ImportFormat, deps: ImportWriterDeps, totals: ImportTotals): Promise<void> {
  const { store } = deps;
  const { articleId } = article;
  const head = (await store.heads([articleId]))[articleId];
  // An article the store has keeps its epoch while comments are added; a new one takes a fresh one.
  const epochCandidate = head && head.head > 0 ? head.epoch : deps.newEpoch();
  let written = 0;
  for (let i = 0; i < article.comments.length; i += IMPORT_BATCH) {
    const batch = article.comments.slice(i, i + IMPORT_BATCH).map((c) => toRecord(c, format, deps.render));
    const ids = await store.importComments(articleId, batch, epochCandidate);
    written += ids.length;
    totals.existing += batch.length - ids.length;
  }
  totals.written += written;
  let closed = false;
  if (article.closed && !(await store.isClosed(articleId))) {
    await store.setClosed({ articleId, closed: true, epochCandidate, at: deps.clock.now().toISOString() });
    totals.closed += 1;
    closed = true;
  }
  if (written > 0 || closed) {
    await store.rewriteHistory(articleId, deps.newEpoch());
    totals.articlesChanged += 1;
  }
}

/**
 * livethread's own export: its bans (those still in force) and audit entries (appended oldest
 * first, skipping ids among the store's newest ones, so that a re-run adds none twice).
 */
async function writeExtras(reader: ImportReader, deps: ImportWriterDeps, totals: ImportTotals): Promise<void> {
  const now = deps.clock.now().toISOString();
  const known = new Set((await deps.store.auditLog(AUDIT_DEDUPE)).map((a) => a.id));
  for await (const raw of reader.extras()) {
    const record = ExportRecord.parse(raw);
    if (record.type === 'ban') {
      if (record.until && record.until <= now) continue;
      await deps.store.ban({
        userId: record.userId,
        until: record.until ?? null,
        reason: record.reason ?? null,
        by: record.by ?? { id: 'import', name: 'import' },
        at: record.at ?? now,
        addressHash: record.addressHash ?? null,
      });
      totals.bans += 1;
    } else if (record.type === 'audit' && !known.has(record.id)) {
      const { type: _type, ...entry } = record;
      await deps.store.appendAudit(entry);
      known.add(record.id);
      totals.audit += 1;
    }
  }
}

/** An imported comment as the store keeps it: rendered once, with where it came from. */
export function toRecord(c: ImportedComment, format: ImportFormat, render: (markdown: string) => Doc): ImportRecord {
  const source = c.importedFrom
    ? { name: c.importedFrom.source, id: c.importedFrom.sourceId }
    : c.author.imported
      ? { name: format, id: c.sourceId }
      : null;
  return {
    id: c.id,
    parentId: c.parentId,
    rootId: c.rootId,
    author: {
      id: c.author.id,
      name: c.author.name,
      ...(c.author.staff ? { staff: true } : {}),
      ...(c.author.email ? { email: c.author.email } : {}),
    },
    body: c.body,
    doc: c.body ? render(c.body) : [],
    source,
    status: c.status,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    ...(c.status === 'pending' ? { heldReason: c.heldReason ?? 'imported as pending' } : {}),
    ...(c.status === 'removed' ? { removedReason: c.removedReason ?? null, removedFrom: c.removedFrom ?? ('visible' as const) } : {}),
    ...(c.votes && (c.votes.up || c.votes.down) ? { up: c.votes.up, down: c.votes.down } : {}),
  };
}
