/**
 * livethread's own export (livethread-format.ts) read back: restoring a backup, or moving between
 * installations. Ids, authors (the original users, not imported identities), statuses, reasons,
 * edit times and vote counts are kept; bans and audit entries go to `reader.extras()`.
 */
import { displayName, normalizeEmail } from './authors.js';
import { parseSourceDate } from './dates.js';
import { firstIssue, ImportError } from './import-error.js';
import { readJsonLines } from './json-lines.js';
import { EXPORT_FORMAT_VERSION, ExportHeader, ExportRecord, type ExportComment } from './livethread-format.js';
import type { ImportedAuthor } from './records.js';
import type { ParserContext, ParserResult, ParserSink } from './source-records.js';
import { decodeUtf8 } from './source-stream.js';

export async function parseLivethread(chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext): Promise<ParserResult> {
  let header = false;
  const declared = new Set<string>();
  const implicit = new Set<string>();
  for await (const { line, value } of readJsonLines(decodeUtf8(chunks))) {
    if (!header) {
      const h = ExportHeader.safeParse(value);
      if (!h.success) {
        const v = value as { format?: unknown; version?: unknown } | null;
        if (v?.format === 'livethread' && v.version !== EXPORT_FORMAT_VERSION)
          throw new ImportError(`livethread export version ${JSON.stringify(v.version)}: this version reads ${EXPORT_FORMAT_VERSION}`, {
            line,
          });
        throw new ImportError('expected the header {"format":"livethread","version":1} on the first line', { line });
      }
      header = true;
      continue;
    }
    const parsed = ExportRecord.safeParse(value);
    if (!parsed.success) throw new ImportError(`not a livethread export record: ${firstIssue(parsed.error)}`, { line });
    const r = parsed.data;
    switch (r.type) {
      case 'article':
        declared.add(r.articleId);
        sink.thread({ key: r.articleId, identifier: r.articleId, url: null, title: null, closed: r.closed, deleted: false });
        break;
      case 'comment':
        // A comment of an article without its record (an export cut by hand): the article id is
        // all there is to know of it.
        if (!declared.has(r.articleId) && !implicit.has(r.articleId)) implicit.add(r.articleId);
        comment(r, sink, context, line);
        break;
      case 'ban':
      case 'audit':
        sink.extra(r);
        break;
    }
  }
  if (!header) throw new ImportError('the file is empty: expected a livethread export (JSON lines)');
  for (const articleId of implicit)
    if (!declared.has(articleId))
      sink.thread({ key: articleId, identifier: articleId, url: null, title: null, closed: false, deleted: false });
  return {};
}

function comment(r: ExportComment, sink: ParserSink, context: ParserContext, line: number): void {
  const created = parseSourceDate(r.createdAt);
  if (!created) throw new ImportError('createdAt: not a date', { line });
  const name = displayName(r.author.name);
  if (!name) throw new ImportError('author.name: empty once cleaned', { line });
  const email = normalizeEmail(r.author.email);
  const author: ImportedAuthor = { id: r.author.id, name, imported: false };
  if (email) author.email = email;
  if (r.author.staff) author.staff = true;
  const made = r.status === 'deleted' ? { body: '', flags: 0 } : context.bodies.fromMarkdown(r.body);
  sink.comment({
    key: r.id,
    id: r.id,
    thread: r.articleId,
    parent: r.parentId,
    kind: r.status,
    author,
    createdAt: created.iso,
    editedAt: r.editedAt ? (parseSourceDate(r.editedAt)?.iso ?? null) : null,
    body: made.body,
    flags: made.flags,
    heldReason: r.heldReason ?? null,
    removedReason: r.removedReason ?? null,
    ...(r.removedFrom ? { removedFrom: r.removedFrom } : {}),
    ...(r.votes ? { votes: { up: r.votes.up, down: r.votes.down } } : {}),
    ...(r.importedFrom ? { importedFrom: { source: r.importedFrom.source, sourceId: r.importedFrom.sourceId } } : {}),
  });
}
