import { describe, expect, it } from 'vitest';
import { AuthorFactory, displayName } from '../../server/import/authors.js';
import { BodyMaker, TRUNCATION_MARKER } from '../../server/import/body.js';
import { parseSourceDate } from '../../server/import/dates.js';
import { importedCommentId } from '../../server/import/records.js';
import { CommentId, UserId } from '../../shared/schemas.js';

describe('dates of exports', () => {
  it.each([
    ['2011-08-31T15:16:29Z', '2011-08-31T15:16:29.000Z', true],
    ['2021-03-17T12:09:47.722181Z', '2021-03-17T12:09:47.722Z', true],
    ['2019-06-19T00:42:07.264512-05:00', '2019-06-19T05:42:07.264Z', true],
    ['2019-06-19T00:42:07+0530', '2019-06-18T19:12:07.000Z', true],
    ['  2020-01-01 10:00:00  ', '2020-01-01T10:00:00.000Z', false],
    ['2020-01-01', '2020-01-01T00:00:00.000Z', false],
  ])('%s', (raw, iso, zoned) => {
    expect(parseSourceDate(raw)).toEqual({ iso, zoned });
  });

  it.each(['0000-00-00 00:00:00', '2020-02-30 10:00:00', '2020-13-01', 'yesterday', '', '1577872800'])('refuses %j', (raw) => {
    expect(parseSourceDate(raw)).toBeNull();
  });
});

describe('imported authors', () => {
  const authors = new AuthorFactory('disqus', 'site-secret');

  it('are the source username, else a keyed hash of the email, else of the name', () => {
    expect(authors.author({ username: 'jane', name: 'Jane', email: 'Jane@Example.COM ' })).toEqual({
      id: 'disqus:jane',
      name: 'Jane',
      email: 'jane@example.com',
      imported: true,
    });
    const byEmail = authors.author({ name: 'Guest', email: 'guest@example.com' });
    expect(byEmail.id).toMatch(/^disqus:e-[A-Za-z0-9_-]{22}$/);
    expect(byEmail.id).not.toContain('guest');
    // The same email is the same author; another key gives other ids (they cannot be looked up).
    expect(authors.author({ name: 'G', email: 'GUEST@example.com' }).id).toBe(byEmail.id);
    expect(new AuthorFactory('disqus', 'other').author({ email: 'guest@example.com' }).id).not.toBe(byEmail.id);
    expect(authors.author({ name: 'Only A Name' }).id).toMatch(/^disqus:n-/);
    expect(authors.author({})).toEqual({ id: 'disqus:anonymous', name: 'Anonymous', imported: true });
  });

  it('hash usernames that would not make a plain id, and keep every id a valid UserId', () => {
    const odd = authors.author({ username: 'name with spaces/and:colons ' + 'x'.repeat(200) });
    expect(odd.id).toMatch(/^disqus:u-/);
    expect(UserId.safeParse(odd.id).success).toBe(true);
  });

  it('clean names like display names: bidi controls out, runs of spaces one, cut to 80', () => {
    expect(displayName('  Evil\u202Ename  \n spaced ')).toBe('Evilname spaced');
    expect([...displayName('n'.repeat(100))!].length).toBe(80);
    expect(displayName('\u200B\u200B')).toBeNull();
  });

  it('drop what is not an email', () => {
    expect(authors.author({ username: 'x', email: 'not an email' }).email).toBeUndefined();
  });
});

describe('bodies', () => {
  const bodies = new BodyMaker(100);

  it('are cleaned like posted ones', () => {
    expect(bodies.fromMarkdown('  a\u0000b\r\nc  ').body).toBe('ab\nc');
    expect(bodies.fromMarkdown('\u200B \n').body).toBe('');
  });

  it('are cut at the maximum with a marker, at a word, and counted', () => {
    const long = bodies.fromMarkdown('word '.repeat(60));
    expect([...long.body].length).toBeLessThanOrEqual(100);
    expect(long.body.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(long.body).toMatch(/word\n\n\[…\]$/);
    expect(long.flags).not.toBe(0);
    expect(bodies.fromMarkdown('short').flags).toBe(0);
  });

  it('count a code point as one character (an emoji is not cut in half)', () => {
    const emoji = bodies.fromMarkdown('😀'.repeat(150)).body;
    expect(emoji.toWellFormed()).toBe(emoji);
  });
});

describe('comment ids', () => {
  it('are stable, valid and distinct per source and id', () => {
    const id = importedCommentId('disqus', '2001');
    expect(id).toBe(importedCommentId('disqus', '2001'));
    expect(CommentId.safeParse(id).success).toBe(true);
    expect(id).not.toBe(importedCommentId('wordpress', '2001'));
  });
});
