import { describe, expect, it } from 'vitest';
import { HeldWords, moderate, type PostContext } from '../../server/core/moderation.js';
import type { User } from '../../server/core/ports.js';

const member: User = { id: 'u1', name: 'Ann', role: 'commenter' };
const guest: User = { id: 'g1', name: 'Gil', role: 'commenter', guest: true };
const staff: User = { id: 'm1', name: 'Mia', role: 'moderator' };

const ctx = (over: Partial<PostContext>): PostContext => ({
  user: member,
  body: 'a fine comment',
  banned: false,
  heldWords: new HeldWords(['casino']),
  premoderation: 'off',
  ...over,
});

describe('the moderation phases', () => {
  it('lets an ordinary comment through', () => {
    expect(moderate(ctx({}))).toEqual({ status: 'visible' });
  });

  it('refuses a banned user outright, moderators included', () => {
    expect(() => moderate(ctx({ banned: true }))).toThrow(expect.objectContaining({ code: 'banned' }));
    expect(() => moderate(ctx({ banned: true, user: staff }))).toThrow(expect.objectContaining({ code: 'banned' }));
  });

  it('holds a comment with a held word and says which word', () => {
    expect(moderate(ctx({ body: 'Visit my CASINO' }))).toEqual({ status: 'pending', reason: 'contains a held word: CASINO' });
  });

  it('lets moderators through held words and premoderation', () => {
    expect(moderate(ctx({ user: staff, body: 'no casino links please', premoderation: 'all' }))).toEqual({ status: 'visible' });
  });

  it('premoderation "all" holds every commenter, "guests" only guests, "off" nobody', () => {
    expect(moderate(ctx({ premoderation: 'all' }))).toEqual({ status: 'pending', reason: 'premoderation' });
    expect(moderate(ctx({ premoderation: 'guests' }))).toEqual({ status: 'visible' });
    expect(moderate(ctx({ premoderation: 'guests', user: guest }))).toEqual({ status: 'pending', reason: 'premoderation of guests' });
    expect(moderate(ctx({ premoderation: 'off', user: guest }))).toEqual({ status: 'visible' });
  });

  it('a held word is the reason given even under premoderation', () => {
    expect(moderate(ctx({ premoderation: 'all', body: 'casino' }))).toMatchObject({ reason: 'contains a held word: casino' });
  });
});

describe('held words', () => {
  it('match whole words only, not inside other words', () => {
    const w = new HeldWords(['ass']);
    expect(w.match('you ass!')).toBe('ass');
    expect(w.match('ass')).toBe('ass');
    expect(w.match('(ass)')).toBe('ass');
    expect(w.match('a class act, a passing grade, assets')).toBeNull();
    expect(w.match('ass1')).toBeNull();
    expect(w.match('_ass_')).toBe('ass');
  });

  it('treat letters of every script as part of a word', () => {
    const w = new HeldWords(['дурак']);
    expect(w.match('ты дурак.')).toBe('дурак');
    expect(w.match('дураки')).toBeNull();
    expect(w.match('endurak')).toBeNull();
  });

  it('ignore case, and answer the text as written', () => {
    const w = new HeldWords(['Casino']);
    expect(w.match('CaSiNo night')).toBe('CaSiNo');
    expect(new HeldWords(['ÉCOLE']).match('une école')).toBe('école');
  });

  it('match composed and decomposed accents alike (NFC)', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(new HeldWords([composed]).match(`a ${decomposed} sign`)).toBe(composed);
    expect(new HeldWords([decomposed]).match(`a ${composed} sign`)).toBe(composed);
    expect(new HeldWords([composed]).match('a cafe sign')).toBeNull();
  });

  it('match phrases across any run of white space, and prefer the longest phrase', () => {
    const w = new HeldWords(['buy now', 'buy now cheap']);
    expect(w.match('Buy   now!')).toBe('Buy   now');
    expect(w.match('buy\nnow')).toBe('buy\nnow');
    expect(w.match('buy now cheap pills')).toBe('buy now cheap');
    expect(w.match('buynow')).toBeNull();
  });

  it('take words with regular expression characters literally', () => {
    const w = new HeldWords(['c.a.s.h', 'a+b']);
    expect(w.match('easy c.a.s.h here')).toBe('c.a.s.h');
    expect(w.match('easy cxaxsxh here')).toBeNull();
    expect(w.match('a+b')).toBe('a+b');
    expect(w.match('aab')).toBeNull();
  });

  it('a list file: one word or phrase a line, blank lines and # comments ignored, surrounding spaces trimmed', () => {
    const w = HeldWords.parse('# spam\r\n  casino  \n\n#poker\nfree   money\n');
    expect(w.match('casino')).toBe('casino');
    expect(w.match('free money')).toBe('free money');
    expect(w.match('poker')).toBeNull();
    expect(w.match('# spam')).toBeNull();
  });

  it('an empty list holds nothing', () => {
    expect(new HeldWords([]).match('anything at all')).toBeNull();
    expect(HeldWords.parse('\n# only comments\n').match('only comments')).toBeNull();
  });
});
