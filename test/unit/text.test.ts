import { describe, expect, it } from 'vitest';
import { capMarkRuns, cleanName, cleanText, isInvisibleOnly, MARK_RUN_MAX } from '../../shared/text.js';
import { DisplayName, payloadSchemas } from '../../shared/schemas.js';

const cp = (...points: number[]) => String.fromCodePoint(...points);
const tags = (text: string) => [...text].map((c) => cp(0xe0000 + c.codePointAt(0)!)).join('') + cp(0xe007f);

describe('runs of combining marks', () => {
  it(`keeps at most ${MARK_RUN_MAX} nonspacing or enclosing marks after each character`, () => {
    const marks = '\u0300\u0316\u0301\u0317\u0302\u0318\u0303\u0319';
    expect(capMarkRuns(`a${marks}b${marks}`)).toBe(`a${marks.slice(0, 4)}b${marks.slice(0, 4)}`);
    expect(capMarkRuns('x' + '\u0363'.repeat(4))).toBe('x' + '\u0363'.repeat(4));
  });
  it('cuts Zalgo text in bodies and names', () => {
    const zalgo = [...'Zalgo'].map((c) => c + '\u0363\u0364\u0365\u0366\u0367\u0368'.repeat(8)).join('');
    const capped = [...'Zalgo'].map((c) => c + '\u0363\u0364\u0365\u0366').join('');
    expect(cleanText(zalgo)).toBe(capped);
    expect(cleanName(zalgo)).toBe(capped);
  });
  it('counts marks left adjacent by removed control, bidi and tag characters as one run', () => {
    expect(cleanText('a\u0363\u0363\u0000\u0363\u0363\u0007\u0363\u0363')).toBe('a' + '\u0363'.repeat(4));
    expect(cleanName('a\u0363\u0363\u202E\u0363\u0363\u{E0041}\u0363\u0363')).toBe('a' + '\u0363'.repeat(4));
  });
  it('normalises to NFC after removing control characters, so no mark is left apart from its letter', () => {
    expect(cleanText('e\u0000\u0301')).toBe('\u00e9');
  });

  // Each is NFC already, so cleaning must return it unchanged.
  it.each([
    ['Arabic with harakat and shadda', 'مُحَمَّدٌ رَسُولُ'],
    ['Arabic (Quranic marks)', 'بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ'],
    ['Hebrew with niqqud', 'שָׁלוֹם עֲלֵיכֶם'],
    ['Hebrew with niqqud and cantillation (4 marks on one letter)', 'בְּרֵאשִׁ֖ית בָּרָ֣א שָּׁ֖'],
    ['Hindi', 'नमस्ते दुनिया, क़ीं क्षत्रिय'],
    ['Thai', 'ภาษาไทย กี่ปี ผู้ใหญ่'],
    ['Vietnamese', 'Tiếng Việt có dấu: người, được, nghiêng'],
    ['Korean', '한국어 텍스트'],
    ['Tibetan stacks', 'བསྒྲུབས་ བསྒྲིགས་'],
    ['Burmese (spacing marks between nonspacing ones)', 'လျှော့ ကြွေး မြန်မာ'],
    ['Devanagari with Vedic accents', 'अ॒ग्निमी॑ळे'],
    ['emoji ZWJ sequences and skin tones', '👩‍💻 👨‍👩‍👧‍👦 👍🏽 🏳️‍🌈'],
    ['flags, including a tag sequence', '🇫🇷 🇯🇵 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['keycaps and emoji presentation', '1️⃣ #️⃣ ❤️ ☺️'],
  ])('leaves ordinary text unchanged: %s', (_what, text) => {
    expect(text).toBe(text.normalize('NFC'));
    expect(cleanText(text)).toBe(text);
  });
  it('composes decomposed Vietnamese and Korean before counting marks', () => {
    expect(cleanText('Tiếng Việt'.normalize('NFD'))).toBe('Tiếng Việt');
    expect(cleanText('한국어'.normalize('NFD'))).toBe('한국어');
  });
});

describe('blank-looking text', () => {
  it.each([
    ['braille blank', '\u2800'],
    ['tag characters', tags('admin')],
    ['Hangul fillers', '\u3164\u115F\u1160\uFFA0'],
    ['variation selectors', '\uFE0F\uFE00\u{E0100}\u{E01EF}'],
    ['Mongolian vowel separator and wide spaces', '\u180E\u2000\u200A\u205F\u3000'],
    ['musical null notehead and format characters', '\u{1D159}\u{1D173}\u{1D17A}'],
    ['shorthand format controls and the Khitan filler', '\u{1BCA0}\u{16FE4}'],
    ['a mix with bidi and zero-width characters', ' \u3164\u2800\u202E\u200B\u2066\u00AD\uFEFF '],
  ])('%s only count as blank', (_what, text) => {
    expect(isInvisibleOnly(text)).toBe(true);
  });
  it.each([
    ['a letter among blanks', '\u2800a\u2800'],
    ['an emoji with its variation selector', '❤️'],
    ['an accent on a braille blank', '\u2800\u0301'],
    ['a CJK character', '李'],
  ])('%s is not blank', (_what, text) => {
    expect(isInvisibleOnly(text)).toBe(false);
  });
  it('bodies and names made only of them are refused as empty', () => {
    const schemas = payloadSchemas(100);
    for (const body of ['\u2800\u2800', tags('hi'), '\u3164\u2800', '\u{1D159}\u{E0100}']) {
      const r = schemas['comment:post'].safeParse({ articleId: 'a', body });
      expect(r.success, JSON.stringify(body)).toBe(false);
      expect(r.error?.issues[0]?.message).toBe('body is empty');
    }
    for (const name of ['\u2800', tags('Ada'), '\u202E\u2066\u200F']) {
      const r = DisplayName.safeParse(name);
      expect(r.success, JSON.stringify(name)).toBe(false);
      expect(r.error?.issues[0]?.message).toBe('name is empty');
    }
  });
});

describe('names', () => {
  it('lose bidi controls and marks, then are trimmed again', () => {
    expect(cleanName('Ada\u202Enimda')).toBe('Adanimda');
    expect(cleanName('\u202E Ada \u2066Lovelace\u2069\u200E\u200F\u061C \u202C')).toBe('Ada Lovelace');
  });
  it('lose tag characters (an England flag becomes a black flag)', () => {
    expect(cleanName(`Ada${tags('mod')}`)).toBe('Ada');
    expect(cleanName('Ada 🏴󠁧󠁢󠁥󠁮󠁧󠁿')).toBe('Ada 🏴');
  });
  it('keep joiners, emoji and right-to-left letters', () => {
    for (const name of ['محمد', 'می‌خواهم', 'שָׁלוֹם', 'Ada 👩‍💻', 'Zoë 1️⃣ ❤️']) expect(cleanName(name)).toBe(name);
  });
  it('bodies keep bidi controls (the widget isolates text)', () => {
    expect(cleanText('invoice\u202Egnp.exe')).toBe('invoice\u202Egnp.exe');
  });
});
