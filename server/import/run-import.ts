/**
 * One import, from a file to a store, reporting as it goes: what `npm run import` does against
 * Redis directly and what the running service does when the command hands the file to it
 * (server/http/admin.ts). The reports are the lines the command prints.
 */
import { renderMarkdown } from '../core/markdown.js';
import type { Clock } from '../core/ports.js';
import type { ArticleIdMap } from './article-ids.js';
import { formatPlan, type ImportPlan } from './plan.js';
import { readImport, type ImportOptions } from './import-reader.js';
import type { ArticleIdStrategy, ImportFormat } from './records.js';
import { writeImport, type ImportTotals, type ImportWriterDeps } from './writer.js';

/** What the command passes (and the hand-off carries in its query string). */
export interface ImportRequest {
  format: ImportFormat;
  dryRun: boolean;
  articleId?: ArticleIdStrategy;
  /** The `--map` CSV file: its path (read where the import runs), or the map the service read (admin.ts). */
  map?: string | ArticleIdMap;
  includeSpam?: boolean;
  orphans?: 'promote' | 'skip';
}

/** A line of the import's report. */
export type ImportReport =
  | { type: 'progress'; phase: 'reading'; bytes: number; comments: number }
  | { type: 'progress'; phase: 'writing'; articles: number; written: number; existing: number }
  | { type: 'done'; dryRun: boolean; plan: ImportPlan; summary: string; totals: ImportTotals | null }
  | { type: 'error'; message: string };

export interface RunImportDeps {
  /** Where to write; none for a dry run, which never writes. */
  store: ImportWriterDeps['store'] | null;
  clock: Clock;
  newEpoch: () => string;
  commentMaxLength: number;
  /** Keys author ids of imported identities: a stable secret of the site (AUTH_SECRET). */
  authorKey: string;
  tmpDir?: string;
}

/** Reports at most about this often (ms), besides the last one. */
const REPORT_EVERY_MS = 1000;

export async function runImport(
  file: string,
  req: ImportRequest,
  deps: RunImportDeps,
  report: (line: ImportReport) => void,
): Promise<ImportTotals | null> {
  let last = 0;
  const every = (line: ImportReport) => {
    const now = Date.now();
    if (now - last < REPORT_EVERY_MS) return;
    last = now;
    report(line);
  };
  const options: ImportOptions = {
    format: req.format,
    articleId: req.articleId,
    map: req.map ?? null,
    includeSpam: req.includeSpam ?? false,
    orphans: req.orphans ?? 'promote',
    commentMaxLength: deps.commentMaxLength,
    authorKey: deps.authorKey,
    tmpDir: deps.tmpDir,
    onProgress: (p) => every({ type: 'progress', phase: 'reading', ...p }),
  };
  const reader = readImport(file, options);
  let totals: ImportTotals | null = null;
  if (req.dryRun) {
    // Read to the end (validating everything) and write nothing.
    try {
      for await (const _article of reader) void _article;
    } finally {
      await reader.close();
    }
  } else {
    if (!deps.store) throw new Error('an import that writes needs a store');
    totals = await writeImport(reader, req.format, {
      store: deps.store,
      render: renderMarkdown,
      clock: deps.clock,
      newEpoch: deps.newEpoch,
      onArticle: (t) => every({ type: 'progress', phase: 'writing', articles: t.articles, written: t.written, existing: t.existing }),
    });
  }
  report({ type: 'done', dryRun: req.dryRun, plan: reader.plan, summary: summary(reader.plan, totals), totals });
  return totals;
}

function summary(plan: ImportPlan, totals: ImportTotals | null): string {
  const head = formatPlan(plan);
  if (!totals) return `${head}\ndry run: nothing written`;
  return (
    `${head}\nwritten: ${totals.written} comments (${totals.existing} already there) in ${totals.articlesChanged} of ` +
    `${totals.articles} articles; ${totals.closed} threads closed` +
    (totals.bans || totals.audit ? `; ${totals.bans} bans, ${totals.audit} audit entries` : '')
  );
}
