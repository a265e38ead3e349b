import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { ImportError } from '../../server/import/import-error.js';
import { checkOrder, fixture, importFile, withTempDir } from './support/import-files.js';

const FILE = fixture('remark42.jsonl');

describe('a Remark42 backup', () => {
  it('makes an article per page URL (its path), closed where the header says read-only', async () => {
    const { articles, plan } = await importFile(FILE, { format: 'remark42' });
    expect(articles.map((a) => [a.articleId, a.closed, a.threads[0]!.title])).toEqual([
      ['/posts/one/', false, 'Post one'],
      ['/posts/closed/', true, 'Closed post'],
    ]);
    expect(plan.articleIds).toMatchObject({ path: 2, fellBack: 0 });
    for (const a of articles) checkOrder(a);
  });

  it('keeps threading (a reply exported before its parent, a reply dated before it), tombstones and orphans', async () => {
    const { articles, bySource, plan } = await importFile(FILE, { format: 'remark42' });
    expect(articles[0]!.comments.map((c) => [c.sourceId, c.parentSourceId, c.status])).toEqual([
      ['c1', null, 'visible'],
      ['c2', 'c1', 'visible'],
      ['c3', 'c2', 'visible'],
      ['c4', null, 'deleted'],
      ['c5', 'c4', 'visible'],
      ['c6', null, 'visible'],
    ]);
    expect(bySource.get('c6')!.sourceParentId).toBe('gone');
    expect(plan).toMatchObject({ tombstones: 1, orphans: { promoted: 1 }, dates: { assumedUtc: 1, childBeforeParent: 1 } });
  });

  it('converts times with offsets and fractions to UTC, and keeps edit times', async () => {
    const { bySource } = await importFile(FILE, { format: 'remark42' });
    expect(bySource.get('c1')!.createdAt).toBe('2019-06-19T05:42:07.264Z');
    expect(bySource.get('c2')).toMatchObject({ createdAt: '2019-06-19T05:00:00.000Z', editedAt: '2019-06-19T05:05:00.000Z' });
    expect(bySource.get('c7')!.createdAt).toBe('2019-07-01T10:00:00.000Z');
  });

  it('converts the rendered HTML, highlighted code included, and keeps user ids under the source', async () => {
    const { bySource } = await importFile(FILE, { format: 'remark42' });
    expect(renderMarkdown(bySource.get('c2')!.body)).toEqual([
      ['p', 'Agreed. ', ['a', 'https://example.org/ref', 'ref']],
      ['pre', 'func main() {}'],
    ]);
    expect(bySource.get('c7')!.body).toBe('On a closed post & an entity ’');
    expect(bySource.get('c1')!.author).toEqual({ id: 'remark42:github_1', name: 'Alice', imported: true });
  });

  it('stops at a line that is not JSON, or not a comment, with its number', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'backup.jsonl');
      const header = '{"version":1,"users":[],"posts":[]}';
      const ok =
        '{"id":"a","pid":"","text":"<p>x</p>","user":{"name":"A","id":"a"},"locator":{"site":"s","url":"/p"},"time":"2020-01-01T00:00:00Z"}';
      await writeFile(file, `${header}\n${ok}\n{"id":"b","text":"secret@example.com`);
      await expect(importFile(file, { format: 'remark42' })).rejects.toThrow(/backup\.jsonl:3:\d+: not a JSON value/);
      await writeFile(file, `${header}\n${ok}\n{"id":"b","text":"secret@example.com","time":"2020-01-01T00:00:00Z"}\n`);
      const e = await importFile(file, { format: 'remark42' }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(ImportError);
      expect((e as ImportError).message).toMatch(/^.*backup\.jsonl:3: not a Remark42 comment: locator/);
      expect((e as ImportError).message).not.toContain('secret');
      await writeFile(file, `${ok}\n`);
      await expect(importFile(file, { format: 'remark42' })).rejects.toThrow(/expected the Remark42 header/);
    });
  });
});
