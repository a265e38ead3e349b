import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportError } from '../../server/import/import-error.js';
import { checkOrder, fixture, gzipped, importFile, withTempDir } from './support/import-files.js';

const HEX1 = '7d77e39fcd813241d6281478cc8f21ab5f807d043c750bc1a936bc23b34fb854';
const HEX2 = 'ea5f7bcd6ac9bb7b657f7d0569831104e1bcf9c253d03c1e16bf9654c49a5ce9';
const USER = 'a1ac58ed1146bd7fe3feff6a7276f73955c3bfd23cacee00e2e0a7a89b1a8c10';

describe('a Commento export', () => {
  it('makes an article per page path ("blog/x" and "/blog/x" are one), parents before replies', async () => {
    const { articles, plan } = await importFile(fixture('commento.json'), { format: 'commento' });
    expect(articles.map((a) => a.articleId)).toEqual(['/blog/post/1', '/blog/post/2']);
    expect(articles[0]!.comments.map((c) => [c.sourceId.slice(0, 4), c.parentSourceId?.slice(0, 4) ?? null])).toEqual([
      ['e706', null],
      ['7d77', null],
      ['ea5f', '7d77'],
    ]);
    expect(plan.dates.childBeforeParent).toBe(1);
    for (const a of articles) checkOrder(a);
  });

  it('resolves commenters listed after the comments (repeated ones once), anonymous ones as such', async () => {
    const { bySource, plan } = await importFile(fixture('commento.json'), { format: 'commento' });
    expect(bySource.get(HEX1)!.author).toEqual({
      id: `commento:${USER}`,
      name: 'User5276',
      email: 'somegreatmail@example.com',
      imported: true,
    });
    expect(bySource.get(HEX2)!.author.name).toBe('Saturnin Uf');
    expect(bySource.get('e7069a7dfcfaed43caf62300a9b0edb1c124ad79d0f5887c93649c15d7f69945')!.author).toEqual({
      id: 'commento:anonymous',
      name: 'Anonymous',
      imported: true,
    });
    expect(plan.authors).toBe(3);
  });

  it('keeps the Markdown as written; holds unapproved, skips flagged (spam) and deleted comments', async () => {
    const { bySource, plan } = await importFile(fixture('commento.json'), { format: 'commento' });
    expect(bySource.get(HEX2)!.body).toBe('Great reply!\n\n> quoting\n\n<script>alert(1)</script>');
    expect(bySource.get('11aa')!.status).toBe('pending');
    expect(bySource.has('22bb')).toBe(false);
    expect(bySource.has('33cc')).toBe(false);
    expect(plan).toMatchObject({ held: 1, skipped: { spam: 1, deleted: 1 }, bodies: { converted: 0 } });
    expect(bySource.get(HEX1)!.createdAt).toBe('2021-03-17T12:09:47.722Z');
  });

  it('reads the gzip Commento hands out', async () => {
    await withTempDir(async (dir) => {
      const { plan } = await importFile(await gzipped(fixture('commento.json'), dir), { format: 'commento' });
      expect(plan.comments).toBe(4);
    });
  });

  it('stops at broken JSON with its line and column, and at an unknown version', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'commento.json');
      await writeFile(file, '{\n  "version": 1,\n  "comments": [\n    {"commentHex": "a",, }\n  ]\n}');
      const e = (await importFile(file, { format: 'commento' }).catch((err: unknown) => err)) as ImportError;
      expect(e).toBeInstanceOf(ImportError);
      expect(e.where.line).toBe(4);
      expect(e.message).toMatch(/commento\.json:4:\d+: not valid JSON/);
      await writeFile(file, '{"version": 2, "comments": []}');
      await expect(importFile(file, { format: 'commento' })).rejects.toThrow(/export version 2/);
      await writeFile(file, '{"version": 1, "comments": [{"commentHex": "a"}, {"markdown": "no id"}]}');
      await expect(importFile(file, { format: 'commento' })).rejects.toThrow(/comment #2 is not as Commento writes it: commentHex/);
      await writeFile(file, '{"version": 1, "comments": [');
      await expect(importFile(file, { format: 'commento' })).rejects.toThrow(/cut short|not valid JSON/);
    });
  });
});

describe('a Comentario v3 export', () => {
  it('makes an article per page, with its title; anonymous authors by their name; pending held; rejected as spam', async () => {
    const { articles, bySource, plan } = await importFile(fixture('comentario-v3.json'), { format: 'commento' });
    expect(articles.map((a) => [a.articleId, a.threads[0]!.title])).toEqual([['/docs/intro', 'Introduction']]);
    const [first, reply, pending] = articles[0]!.comments;
    expect(first).toMatchObject({
      body: 'Intro is *clear*.',
      createdAt: '2023-02-01T10:00:00.123Z',
      author: { name: 'Ann', email: 'ann@example.com' },
    });
    expect(reply).toMatchObject({ parentId: first!.id, editedAt: '2023-02-01T11:05:00.000Z', author: { name: 'Passer-by' } });
    expect(pending!.status).toBe('pending');
    expect(bySource.has('c0000000-0000-4000-8000-000000000004')).toBe(false);
    expect(plan).toMatchObject({ threads: 2, emptyThreads: 1, skipped: { spam: 1 } });
  });

  it('imports the rejected comment as removed with --include-spam', async () => {
    const { bySource } = await importFile(fixture('comentario-v3.json'), { format: 'commento', includeSpam: true });
    expect(bySource.get('c0000000-0000-4000-8000-000000000004')!.status).toBe('removed');
  });
});
