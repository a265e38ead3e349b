import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { formatPlan } from '../../server/import/plan.js';
import { checkOrder, fixture, importFile } from './support/import-files.js';

const FILE = fixture('wordpress.xml');

describe('a WordPress export (WXR)', () => {
  it('makes an article per post with comments, by slug, closed where comments are closed', async () => {
    const { articles } = await importFile(FILE, { format: 'wordpress' });
    expect(articles.map((a) => [a.articleId, a.closed, a.threads[0]!.url, a.threads[0]!.title])).toEqual([
      ['hello-world', false, 'https://blog.example.com/2020/01/hello-world/', 'Hello world!'],
      ['about', true, 'https://blog.example.com/about/', 'About & contact'],
    ]);
    for (const a of articles) checkOrder(a);
    const byPath = await importFile(FILE, { format: 'wordpress', articleId: 'path' });
    expect(byPath.articles.map((a) => a.articleId)).toEqual(['/2020/01/hello-world/', '/about/']);
  });

  it('keeps threading and order, replies listed before their parent included', async () => {
    const { articles, bySource } = await importFile(FILE, { format: 'wordpress' });
    expect(articles[0]!.comments.map((c) => [c.sourceId, c.parentSourceId])).toEqual([
      ['1', null],
      ['3', '1'],
      ['4', '3'],
      ['5', null],
      ['8', null],
      ['9', '8'],
    ]);
    expect(bySource.get('4')!.rootId).toBe(bySource.get('1')!.id);
  });

  it('takes comment_date_gmt as UTC, and comment_date (taken as UTC) when the GMT date is zero', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'wordpress' });
    expect(bySource.get('1')!.createdAt).toBe('2020-01-01T10:00:00.000Z');
    expect(bySource.get('5')!.createdAt).toBe('2020-01-03T09:00:00.000Z');
    expect(plan.dates.assumedUtc).toBe(1);
  });

  it('holds unapproved comments, keeps trashed ones with replies as tombstones, skips spam, pingbacks and other types', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'wordpress' });
    expect(bySource.get('5')).toMatchObject({ status: 'pending', heldReason: 'imported: not approved in wordpress' });
    expect(bySource.get('8')).toMatchObject({ status: 'deleted', body: '' });
    for (const id of ['6', '7', '30']) expect(bySource.has(id)).toBe(false);
    expect(plan).toMatchObject({ held: 1, tombstones: 1, skipped: { spam: 1, pingbacks: 1, otherTypes: { order_note: 1 } } });
    expect(formatPlan(plan)).toContain('1 pingback or trackback, 1 of type "order_note"');
  });

  it('reads comment text as WordPress shows it: blank lines are paragraphs, newlines breaks, bare URLs links', async () => {
    const { bySource } = await importFile(FILE, { format: 'wordpress' });
    expect(renderMarkdown(bySource.get('1')!.body)).toEqual([
      [
        'p',
        'Hi, this is a comment.',
        ['br'],
        'To get started with moderating, editing, and deleting comments, please visit the Comments screen in the dashboard.',
      ],
      ['p', 'Commenter avatars come from ', ['a', 'https://en.gravatar.com/', 'Gravatar'], '.'],
    ]);
    expect(renderMarkdown(bySource.get('3')!.body)).toEqual([
      ['p', 'Great post!'],
      ['blockquote', ['p', 'This is your first post.']],
      ['p', 'I ', ['strong', 'love'], ' it.'],
    ]);
    expect(renderMarkdown(bySource.get('4')!.body)).toEqual([
      ['p', 'Thanks & welcome! See ', ['a', 'https://blog.example.com/about', 'https://blog.example.com/about'], '.'],
    ]);
    expect(bySource.get('10')!.body).toBe('Nice page. Multi\nline\ntoo.');
  });

  it('makes registered users wordpress:user-<id> and guests a hash of their email, names decoded and trimmed', async () => {
    const { bySource } = await importFile(FILE, { format: 'wordpress' });
    expect(bySource.get('4')!.author).toMatchObject({ id: 'wordpress:user-1', name: 'Admin' });
    expect(bySource.get('3')!.author).toMatchObject({ name: 'José', email: 'jose@example.com' });
    expect(bySource.get('3')!.author.id).toMatch(/^wordpress:e-/);
  });
});
