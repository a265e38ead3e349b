import { describe, expect, it } from 'vitest';
import { ArticleIdMap, articleIdFor, toArticleId, urlPath } from '../../server/import/article-ids.js';
import { parseCsv } from '../../server/import/csv.js';
import { ImportError } from '../../server/import/import-error.js';
import type { SourceThread } from '../../server/import/records.js';
import { ArticleId } from '../../shared/schemas.js';

const thread = (t: Partial<SourceThread>): SourceThread => ({
  sourceId: '77',
  identifier: null,
  url: null,
  title: null,
  closed: false,
  ...t,
});
const disqus = { format: 'disqus' as const };

describe('article ids of source threads', () => {
  const t = thread({ identifier: 'post-42', url: 'https://example.com/blog/post-42/?utm_source=x#comments' });

  it('takes the identifier by default, else the path, else the URL', () => {
    expect(articleIdFor(t, { ...disqus, strategy: 'identifier' })).toMatchObject({
      articleId: 'post-42',
      origin: 'identifier',
      fellBack: false,
    });
    expect(articleIdFor(thread({ identifier: '  ', url: t.url }), { ...disqus, strategy: 'identifier' })).toMatchObject({
      articleId: '/blog/post-42/',
      origin: 'path',
      fellBack: true,
    });
    expect(articleIdFor(thread({}), { ...disqus, strategy: 'identifier' })).toMatchObject({
      articleId: 'disqus-thread-77',
      origin: 'thread',
      fellBack: true,
    });
  });

  it('takes the path or the URL (without its fragment) when asked', () => {
    expect(articleIdFor(t, { ...disqus, strategy: 'path' }).articleId).toBe('/blog/post-42/');
    expect(articleIdFor(t, { ...disqus, strategy: 'url' })).toMatchObject({
      articleId: 'https://example.com/blog/post-42/%3Futm_source%3Dx',
      encoded: true,
    });
  });

  it('keeps the query of a page whose path is / (WordPress ?p=123)', () => {
    expect(urlPath('https://example.com/?p=123')).toBe('/?p=123');
    expect(articleIdFor(thread({ url: 'https://example.com/?p=123' }), { ...disqus, strategy: 'path' }).articleId).toBe('/%3Fp%3D123');
  });

  it('percent-encodes what ArticleId does not allow, deterministically, and leaves escapes as they are', () => {
    for (const raw of ['42 https://example.com/?p=42', 'Über uns', 'a&b=c;d', 'ok-already%20encoded', '🎉 party']) {
      const id = toArticleId(raw)!.id;
      expect(ArticleId.safeParse(id).success, id).toBe(true);
      expect(toArticleId(raw)!.id).toBe(id);
    }
    expect(toArticleId('Über uns')!.id).toBe('%C3%9Cber%20uns');
    expect(toArticleId('ok-already%20encoded')).toEqual({ id: 'ok-already%20encoded', encoded: false, hashed: false });
  });

  it('cuts and hashes an id longer than 256 characters, keeping distinct ids distinct', () => {
    const a = toArticleId('x'.repeat(300) + 'a')!;
    const b = toArticleId('x'.repeat(300) + 'b')!;
    expect(a.hashed).toBe(true);
    expect(a.id.length).toBeLessThanOrEqual(256);
    expect(ArticleId.safeParse(a.id).success).toBe(true);
    expect(a.id).not.toBe(b.id);
    // Never cut inside a %XX escape.
    const c = toArticleId('é'.repeat(200))!;
    expect(c.id).toMatch(/^(%C3%A9)+~[A-Za-z0-9_-]{22}$/);
  });

  it('--map overrides every strategy, matched by thread id, identifier, URL or path', () => {
    const map = ArticleIdMap.parse('source,articleId\n77,by-thread\n"https://example.com/u",by-url\n/p,by-path\nident,by-identifier\n');
    expect(articleIdFor(thread({ identifier: 'ident' }), { ...disqus, strategy: 'url', map })).toMatchObject({
      articleId: 'by-thread',
      origin: 'map',
    });
    const other = (t: Partial<SourceThread>) =>
      articleIdFor(thread({ sourceId: '1', ...t }), { ...disqus, strategy: 'identifier', map }).articleId;
    expect(other({ identifier: 'ident' })).toBe('by-identifier');
    expect(other({ url: 'https://example.com/u' })).toBe('by-url');
    expect(other({ url: 'https://example.com/p' })).toBe('by-path');
    expect(other({ url: 'https://example.com/q' })).toBe('/q');
  });

  it('refuses a map with a bad article id, a duplicate source or extra columns, naming the line', () => {
    const fails = (text: string) => {
      try {
        ArticleIdMap.parse(text);
      } catch (e) {
        expect(e).toBeInstanceOf(ImportError);
        return (e as ImportError).message;
      }
      throw new Error('no error');
    };
    expect(fails('a,ok\nb,not ok')).toMatch(/^line 2: not a valid article id/);
    expect(fails('a,x\na,y')).toMatch(/^line 2: this source is mapped twice/);
    expect(fails('a,x,z')).toMatch(/^line 1: expected two columns/);
    expect(ArticleIdMap.parse('a,x\na,x').size).toBe(1);
  });
});

describe('CSV', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",z\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
    ]);
    expect(parseCsv('\uFEFFa,\n,b')).toEqual([
      { line: 1, fields: ['a', ''] },
      { line: 2, fields: ['', 'b'] },
    ]);
  });

  it('refuses an unclosed quote and a quote in the middle of a field', () => {
    expect(() => parseCsv('"open,x\n')).toThrow(/quoted field is not closed/);
    expect(() => parseCsv('ab"c,d')).toThrow(/quote inside an unquoted field/);
    expect(() => parseCsv('"a"b,c')).toThrow(/must end at a comma/);
  });
});
