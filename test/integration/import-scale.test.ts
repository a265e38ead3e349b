/**
 * A 300,000-comment Disqus export, gzipped, parsed in a process of its own: the importer's peak
 * memory stays under 300 MB (the bound for a 1 GB export, whose first pass costs the same
 * and whose second pass grows with the largest article, not with the file). Prints the time and
 * the peak.
 *
 * The child is bundled by esbuild and run on plain node, as the built CLI runs: under tsx's loader
 * the same parse shows some 60 MB more, none of it the importer's.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPlan } from '../../server/import/plan.js';
import { writeDisqusExport, type DisqusExportStats } from '../support/disqus-export.js';

const run = promisify(execFile);
const COMMENTS = 300_000;
const MAX_RSS = 300 * 1024 * 1024;
/** The V8 flag of the `import` script in package.json. */
const IMPORT_NODE_FLAG = '--max-semi-space-size=8';

interface ChildReport {
  articles: number;
  comments: number;
  plan: ImportPlan;
  ms: number;
  parseMs: number;
  maxRssBytes: number;
  sampledRssBytes: number;
}

describe('a 300,000-comment Disqus export', () => {
  let dir: string;
  let file: string;
  let stats: DisqusExportStats;
  let child: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livethread-scale-'));
    file = join(dir, 'disqus.xml.gz');
    stats = await writeDisqusExport(file, { comments: COMMENTS, threads: 3000, bigThread: 20_000, gzip: true });
    child = join(dir, 'import-scale-child.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, 'import-scale-child.ts')],
      outfile: child,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
      // CommonJS dependencies (markdown-it's) call require: give the bundle one.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses gzipped with a peak RSS under 300 MB, every comment accounted for', async () => {
    // With the flag `npm run import` runs with (package.json): Node 24's larger young generation
    // alone takes the same parse from about 230 MB to 344 MB.
    const { stdout } = await run(process.execPath, [IMPORT_NODE_FLAG, child, file, 'disqus'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const report = JSON.parse(stdout) as ChildReport;
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    console.log(
      `import of ${COMMENTS} Disqus comments (${mb(stats.bytes)} of XML, ${mb((await stat(file)).size)} gzipped): ` +
        `${(report.ms / 1000).toFixed(1)} s (first pass ${(report.parseMs / 1000).toFixed(1)} s), peak RSS ${mb(report.maxRssBytes)}`,
    );
    expect(report.maxRssBytes).toBeLessThan(MAX_RSS);
    const p = report.plan;
    expect(report.articles).toBe(3000);
    expect(p.skipped.spam).toBe(stats.spam);
    // Every comment is written or skipped for a reason.
    expect(p.comments + p.skipped.spam + p.skipped.deleted).toBe(COMMENTS);
    expect(p.tombstones + p.skipped.deleted).toBe(stats.deleted);
    expect(p.replies + p.roots).toBe(p.comments);
    expect(p.authors).toBeGreaterThan(19_000);
    // Every tenth thread has no identifier: its path is the article id.
    expect(p.articleIds).toMatchObject({ identifier: 2700, path: 300, fellBack: 300 });
  }, 600_000);
});
