import { describe, expect, it } from 'vitest';
import { cleanText, payloadSchemas } from '../../shared/schemas.js';
import { readerView, viewFor } from '../../server/core/thread.js';
import type { StoredComment } from '../../server/core/ports.js';

const schemas = payloadSchemas(10);

describe('text cleaning (PROTOCOL.md §5)', () => {
  it('normalises to NFC, trims, drops control characters but keeps newlines and tabs', () => {
    expect(cleanText('  e\u0301\u0007x\r\ny\tz\u009b  ')).toBe('éx\ny\tz');
  });
  it('replaces lone surrogates', () => {
    expect(cleanText('a\ud800b')).toBe('a\ufffdb');
  });
  it('refuses bodies that are empty, invisible only, or too long after cleaning', () => {
    const post = (body: unknown) => schemas['comment:post'].safeParse({ articleId: 'a', body });
    expect(post('\u200b\u200d \u2060\ufeff').success).toBe(false);
    expect(post('\u202e\u202d').success).toBe(false);
    expect(post('12345678901').success).toBe(false);
    expect(post(' 1234567890 ').success).toBe(true);
    expect(post('😀😀😀😀😀😀😀😀😀😀').success).toBe(true);
  });
  it('checks article ids', () => {
    const join = (articleId: unknown) => schemas['thread:join'].safeParse({ articleId }).success;
    expect(join('news/2026/11/a-story_1.html~x:y@z%20+')).toBe(true);
    expect(join('a b')).toBe(false);
    expect(join('a'.repeat(257))).toBe(false);
    expect(join('{hash}')).toBe(false);
  });
});

describe('what each viewer sees', () => {
  const base: StoredComment = {
    id: 'c1',
    articleId: 'a',
    parentId: null,
    rootId: 'c1',
    author: { id: 'u1', name: 'Ann' },
    body: 'hi',
    status: 'visible',
    createdAt: 't',
    editedAt: null,
    replyCount: 0,
    order: 1,
    version: 1,
  };
  it('readers get tombstones for removed and deleted comments, and nothing for pending ones', () => {
    expect(readerView({ ...base, status: 'removed' })).toMatchObject({ id: 'c1', status: 'removed', body: null, author: null });
    expect(readerView({ ...base, status: 'deleted' })).toMatchObject({ body: null, author: null });
    expect(readerView({ ...base, status: 'pending' })).toBeNull();
  });
  it('the author sees their pending comment; moderators see everything; internals never leak', () => {
    expect(viewFor({ ...base, status: 'pending' }, { id: 'u1', name: 'Ann', role: 'commenter' })?.body).toBe('hi');
    expect(viewFor({ ...base, status: 'pending' }, { id: 'u2', name: 'Bo', role: 'commenter' })).toBeNull();
    const mod = viewFor({ ...base, status: 'removed' }, { id: 'm', name: 'M', role: 'moderator' });
    expect(mod?.body).toBe('hi');
    expect(Object.keys(mod!).sort()).toEqual([
      'articleId',
      'author',
      'body',
      'createdAt',
      'doc',
      'editedAt',
      'id',
      'moderation',
      'parentId',
      'replyCount',
      'rootId',
      'status',
    ]);
    expect(Object.keys(mod!.moderation!).sort()).toEqual(['heldReason', 'pendingEdit', 'removedReason', 'version']);
  });
});
