/**
 * The console bounds what it sends as the server's schemas bound it: a reason, note or search at
 * the console's limit is accepted, one character more is refused.
 */
import { describe, expect, it } from 'vitest';
import { clip, NOTE_MAX, REASON_MAX, SEARCH_TEXT_MAX, USER_ID_MAX } from '../../client/moderate/limits.js';
import { payloadSchemas } from '../../shared/schemas.js';

const schemas = payloadSchemas();
const cases: [string, (s: string) => unknown, number][] = [
  ['mod:remove reason', (reason) => schemas['mod:remove'].safeParse({ articleId: 'a', commentId: 'c', reason }), REASON_MAX],
  ['mod:ban reason', (reason) => schemas['mod:ban'].safeParse({ userId: 'u', reason }), REASON_MAX],
  ['mod:hold reason', (reason) => schemas['mod:hold'].safeParse({ userId: 'u', hold: true, reason }), REASON_MAX],
  ['mod:note text', (text) => schemas['mod:note'].safeParse({ userId: 'u', text }), NOTE_MAX],
  ['mod:search text', (text) => schemas['mod:search'].safeParse({ text }), SEARCH_TEXT_MAX],
  ['mod:search author', (author) => schemas['mod:search'].safeParse({ author }), USER_ID_MAX],
  ['mod:user userId', (userId) => schemas['mod:user'].safeParse({ userId }), USER_ID_MAX],
];

describe('console limits', () => {
  it.each(cases)('%s: the console limit is the server limit', (_, parse, max) => {
    expect((parse('é'.repeat(max)) as { success: boolean }).success).toBe(true);
    expect((parse('é'.repeat(max + 1)) as { success: boolean }).success).toBe(false);
  });

  it('clip cuts by code points, never splitting an astral character', () => {
    const text = '😀'.repeat(REASON_MAX + 5);
    const cut = clip(text, REASON_MAX);
    expect([...cut]).toHaveLength(REASON_MAX);
    expect(cut.endsWith('😀')).toBe(true);
    expect(clip('  short  ', 10)).toBe('short');
  });
});
