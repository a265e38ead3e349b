/**
 * Parses an export in a process of its own and reports, as one JSON line on stdout, what the
 * import counted, how long it took and the process's peak resident memory (`maxRSS`): the
 * importer's own footprint, without the test runner's.
 */
import { readImport } from '../../server/import/import-reader.js';
import type { ImportFormat } from '../../server/import/records.js';

const [file, format] = process.argv.slice(2) as [string, ImportFormat];
const started = performance.now();
let sampled = 0;
const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 100);
const reader = readImport(file, { format });
let articles = 0;
let comments = 0;
let firstArticleAt = 0;
for await (const article of reader) {
  if (articles === 0) firstArticleAt = performance.now() - started;
  articles++;
  comments += article.comments.length;
}
clearInterval(timer);
process.stdout.write(
  JSON.stringify({
    articles,
    comments,
    plan: reader.plan,
    ms: Math.round(performance.now() - started),
    parseMs: Math.round(firstArticleAt),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    sampledRssBytes: sampled,
  }) + '\n',
);
