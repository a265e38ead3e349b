/**
 * Reads an import to the end (what a writer would get) for the import tests, and helpers to look
 * into it.
 */
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readImport, type ImportOptions } from '../../../server/import/import-reader.js';
import type { ImportPlan } from '../../../server/import/plan.js';
import type { ImportArticle, ImportedComment } from '../../../server/import/records.js';

export const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'import', name);

export interface Imported {
  articles: ImportArticle[];
  plan: ImportPlan;
  extras: unknown[];
  /** Every comment by source id. */
  bySource: Map<string, ImportedComment>;
}

export async function importFile(file: string, options: ImportOptions): Promise<Imported> {
  const reader = readImport(file, options);
  const articles: ImportArticle[] = [];
  for await (const a of reader) articles.push(a);
  const extras: unknown[] = [];
  for await (const e of reader.extras()) extras.push(e);
  const bySource = new Map(articles.flatMap((a) => a.comments.map((c) => [c.sourceId, c] as const)));
  return { articles, plan: reader.plan, extras, bySource };
}

/** Runs `fn` with a scratch directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'livethread-import-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A copy of a fixture, gzipped, under a name that does not say so. */
export async function gzipped(source: string, dir: string): Promise<string> {
  const file = join(dir, 'export.dat');
  await writeFile(file, gzipSync(await readFile(source)));
  return file;
}

/** Asserts that every comment comes after its parent and that ids, parents and roots agree. */
export function checkOrder(article: ImportArticle): void {
  const seen = new Map<string, ImportedComment>();
  for (const c of article.comments) {
    if (c.parentId !== null) {
      const parent = seen.get(c.parentId);
      if (!parent) throw new Error(`${c.sourceId} comes before its parent`);
      if (c.rootId !== parent.rootId) throw new Error(`${c.sourceId} has another root than its parent`);
    } else if (c.rootId !== c.id) throw new Error(`root ${c.sourceId} is not its own root`);
    seen.set(c.id, c);
  }
}
