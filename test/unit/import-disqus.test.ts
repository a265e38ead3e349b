import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { ImportError } from '../../server/import/import-error.js';
import { readImport } from '../../server/import/import-reader.js';
import { formatPlan } from '../../server/import/plan.js';
import { importedCommentId } from '../../server/import/records.js';
import { ArticleId } from '../../shared/schemas.js';
import { checkOrder, fixture, gzipped, importFile, withTempDir } from './support/import-files.js';

const FILE = fixture('disqus.xml');

describe('a Disqus export', () => {
  it('becomes articles by identifier (else path), threads with one identifier merged, in source order', async () => {
    const { articles } = await importFile(FILE, { format: 'disqus' });
    expect(articles.map((a) => a.articleId)).toEqual(['article-one', '/blog/second', '42%20https://example.com/%3Fp%3D42', 'late']);
    expect(articles.map((a) => a.index)).toEqual([0, 1, 2, 3]);
    expect(articles[0]!.threads.map((t) => t.sourceId)).toEqual(['1001', '1003']);
    expect(articles[0]!.threads[0]).toEqual({
      sourceId: '1001',
      identifier: 'article-one',
      url: 'https://example.com/2020/01/article-one/',
      title: 'Article one ’s title',
      closed: false,
    });
    expect(articles[2]!.closed).toBe(true);
    for (const a of articles) {
      expect(ArticleId.safeParse(a.articleId).success).toBe(true);
      checkOrder(a);
    }
  });

  it('keeps threading, order and dates: parents first, then by time, dates in UTC', async () => {
    const { articles, bySource } = await importFile(FILE, { format: 'disqus' });
    const one = articles[0]!.comments;
    expect(one.map((c) => c.sourceId)).toEqual(['2010', '2001', '2002', '2003', '2005', '2006', '2007', '2009']);
    // A reply listed before its parent comes after it, under it.
    expect(bySource.get('2003')).toMatchObject({
      parentSourceId: '2002',
      parentId: importedCommentId('disqus', '2002'),
      rootId: importedCommentId('disqus', '2001'),
    });
    expect(bySource.get('2002')!.createdAt).toBe('2020-01-02T11:00:00.000Z');
    // +02:00 converted.
    expect(bySource.get('2010')!.createdAt).toBe('2020-01-01T07:00:00.000Z');
    expect(bySource.get('2017')!.createdAt).toBe('2020-02-01T10:00:00.000Z');
    // Not a date: the thread's first valid date.
    expect(bySource.get('2016')!.createdAt).toBe('2020-02-01T10:00:00.000Z');
    expect(bySource.get('2001')!.id).toBe(importedCommentId('disqus', '2001'));
  });

  it('converts HTML bodies to Markdown that renders as the HTML showed, never HTML', async () => {
    const { bySource } = await importFile(FILE, { format: 'disqus' });
    expect(bySource.get('2001')!.body).toBe('Hello **world** & friends\n\nLine\nbreak');
    const messy = bySource.get('2011')!.body;
    expect(renderMarkdown(messy)).toEqual([
      ['p', 'First line continues here, with spaces.'],
      ['p', '<b>not bold</b> and &lt; stays'],
      ['p', 'click and ', ['a', 'https://example.org/x', 'a link']],
      ['blockquote', ['p', 'quoted']],
      ['ul', ['li', ['p', 'one']], ['li', ['p', 'two']]],
      ['pre', 'code  block\n  indented'],
    ]);
    expect(messy).not.toMatch(/script|javascript/);
  });

  it('keeps deleted comments with replies as tombstones and skips spam, deleted and empty comments, counting each', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus' });
    expect(bySource.get('2006')).toMatchObject({ status: 'deleted', body: '', editedAt: null });
    expect(bySource.get('2007')!.parentSourceId).toBe('2006');
    for (const skipped of ['2004', '2008', '2012', '2013', '2018']) expect(bySource.has(skipped), skipped).toBe(false);
    expect(plan.skipped).toMatchObject({ spam: 1, deleted: 1, empty: 1, duplicates: 1, inDeletedThreads: 1, missingThread: 1, orphans: 0 });
    // The duplicate of 2001 did not replace the first.
    expect(bySource.get('2001')!.body).toContain('Hello **world**');
  });

  it('makes orphans roots and attaches replies to spam to the nearest kept ancestor, remembering the source parent', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus' });
    expect(bySource.get('2009')).toMatchObject({ parentId: null, parentSourceId: null, sourceParentId: '9999' });
    expect(bySource.get('2005')).toMatchObject({ parentId: null, sourceParentId: '2004' });
    // A cycle: the earlier of the two is the root.
    expect(bySource.get('2019')).toMatchObject({ parentId: null, sourceParentId: '2020' });
    expect(bySource.get('2020')!.parentSourceId).toBe('2019');
    expect(plan.orphans).toEqual({ policy: 'promote', promoted: 2, reattached: 1 });
  });

  it('makes authors imported identities, emails kept apart and lower-cased', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus' });
    expect(bySource.get('2001')!.author).toEqual({ id: 'disqus:jane', name: 'Jane Doe', email: 'jane@example.com', imported: true });
    const guest = bySource.get('2010')!.author;
    expect(guest).toMatchObject({ name: 'Guest Person', imported: true });
    expect(guest.id).toMatch(/^disqus:n-/);
    expect(bySource.get('2011')!.author.name).toBe('Erin & Co');
    expect(bySource.get('2016')!.author).toMatchObject({ id: 'disqus:frank', email: 'frank@example.com' });
    expect(plan).toMatchObject({ authors: 7, authorsWithEmail: 6 });
  });

  it('plans: counts by category, merged threads listed, and no email or body in it', async () => {
    const { plan } = await importFile(FILE, { format: 'disqus' });
    expect(plan).toMatchObject({
      threads: 7,
      emptyThreads: 1,
      deletedThreads: 1,
      articles: 4,
      comments: 14,
      roots: 10,
      replies: 4,
      visible: 13,
      held: 0,
      tombstones: 1,
      removed: 0,
      articleIds: { identifier: 4, path: 1, fellBack: 1, encoded: 1 },
      bodies: { converted: 13, truncated: 0 },
      dates: { assumedUtc: 1, invalid: 1, childBeforeParent: 1 },
      merged: {
        count: 1,
        articles: [
          {
            articleId: 'article-one',
            threads: ['1001 (https://example.com/2020/01/article-one/)', '1003 (https://example.com/2020/01/article-one)'],
          },
        ],
      },
    });
    const text = formatPlan(plan);
    expect(text).toContain('14 to write: 13 visible, 0 held for moderation, 1 tombstone');
    expect(text).toContain('1 spam (--include-spam imports them as removed)');
    expect(text).toContain('2 replies whose parent is missing became roots');
    expect(text).toContain('article-one ← 1001');
    expect(text).not.toMatch(/@|Hello|world/);
    expect(JSON.stringify(plan)).not.toMatch(/@/);
  });

  it('imports spam as removed with --include-spam, its reply staying under it', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus', includeSpam: true });
    expect(bySource.get('2004')).toMatchObject({ status: 'removed', removedReason: 'imported: spam in disqus' });
    expect(bySource.get('2004')!.body).toContain('pills');
    expect(bySource.get('2005')).toMatchObject({ parentSourceId: '2004' });
    expect(bySource.get('2005')!.sourceParentId).toBeUndefined();
    expect(plan).toMatchObject({ removed: 1, skipped: { spam: 0 }, orphans: { reattached: 0 } });
  });

  it('skips orphans and their replies with orphans: skip', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus', orphans: 'skip' });
    expect(bySource.has('2009')).toBe(false);
    expect(bySource.has('2019')).toBe(false);
    expect(bySource.has('2020')).toBe(false);
    expect(plan.skipped.orphans).toBe(3);
    expect(plan.orphans.promoted).toBe(0);
  });

  it('chooses article ids by path, by URL, or by a --map file', async () => {
    expect((await importFile(FILE, { format: 'disqus', articleId: 'path' })).articles.map((a) => a.articleId)).toEqual([
      '/2020/01/article-one/',
      '/blog/second',
      '/2020/01/article-one',
      '/%3Fp%3D42',
      '/late',
    ]);
    await withTempDir(async (dir) => {
      const map = join(dir, 'map.csv');
      await writeFile(map, 'source,articleId\n1003,moved-article\n"https://example.com/late",later\n');
      const { articles, plan } = await importFile(FILE, { format: 'disqus', map });
      expect(articles.map((a) => a.articleId)).toEqual([
        'article-one',
        '/blog/second',
        'moved-article',
        '42%20https://example.com/%3Fp%3D42',
        'later',
      ]);
      expect(plan.merged.count).toBe(0);
      expect(plan.articleIds.map).toBe(2);
      expect(formatPlan(plan)).toContain('2 mappings from --map');
    });
  });

  it('reads the same export gzipped, whatever its name, to the same result', async () => {
    const plain = await importFile(FILE, { format: 'disqus' });
    await withTempDir(async (dir) => {
      const gz = await importFile(await gzipped(FILE, dir), { format: 'disqus' });
      expect(gz.articles).toEqual(plain.articles);
    });
  });

  it('is deterministic: a second read yields the same ids, in the same order', async () => {
    const a = await importFile(FILE, { format: 'disqus' });
    const b = await importFile(FILE, { format: 'disqus' });
    expect(b.articles).toEqual(a.articles);
  });
});

describe('a malformed Disqus export', () => {
  async function failure(xml: string | Buffer): Promise<ImportError> {
    return withTempDir(async (dir) => {
      const file = join(dir, 'broken.xml');
      await writeFile(file, xml);
      const reader = readImport(file, { format: 'disqus' });
      const yielded: string[] = [];
      try {
        for await (const a of reader) yielded.push(a.articleId);
      } catch (e) {
        expect(yielded, 'nothing is yielded before the whole file parsed').toEqual([]);
        expect(e).toBeInstanceOf(ImportError);
        return e as ImportError;
      }
      throw new Error('no error');
    });
  }
  const good = (posts: string) =>
    `<?xml version="1.0"?>\n<disqus xmlns:dsq="http://disqus.com/disqus-internals">\n<thread dsq:id="1"><id>a</id><link>https://x.example/a</link></thread>\n${posts}`;

  it('stops at a broken tag with its line and column', async () => {
    const e = await failure(
      good('<post dsq:id="2"><message>hi</message><thread dsq:id="1"/></post>\n<post dsq:id="3"><message>x</mesage></post>\n</disqus>'),
    );
    expect(e.where.line).toBe(5);
    expect(e.where.column).toBeGreaterThan(1);
    expect(e.message).toMatch(/broken\.xml:5:\d+: not well-formed XML/);
    expect(e.stack === undefined || !e.message.includes('    at ')).toBe(true);
  });

  it('stops at a file cut short', async () => {
    const e = await failure(good('<post dsq:id="2"><message>hi</message><thread dsq:id="1"/></post>\n<post dsq:id="3"><mess'));
    expect(e.message).toMatch(/not well-formed XML/);
    expect(e.where.line).toBeGreaterThanOrEqual(5);
  });

  it('refuses an encoding other than UTF-8, an empty file and a damaged gzip', async () => {
    expect((await failure('<?xml version="1.0" encoding="ISO-8859-1"?><disqus/>')).message).toMatch(/only UTF-8/);
    expect((await failure('')).message).toMatch(/empty or not XML/);
    expect((await failure(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72]))).message).toMatch(/gzip data is damaged/);
  });

  it('tolerates HTML entities outside CDATA and control characters XML forbids', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'entities.xml');
      await writeFile(
        file,
        good(
          '<post dsq:id="2"><message>&lt;p&gt;caf&eacute;&nbsp;ok\u0001&lt;/p&gt;</message><author><name>Zo&euml;</name></author><thread dsq:id="1"/></post>\n</disqus>',
        ),
      );
      const { bySource } = await importFile(file, { format: 'disqus' });
      expect(bySource.get('2')!.body).toBe('café ok');
      expect(bySource.get('2')!.author.name).toBe('Zoë');
    });
  });
});
