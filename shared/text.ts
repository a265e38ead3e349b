/**
 * PROTOCOL.md §5 text cleaning for bodies, reasons and names. No imports, so that a browser
 * bundle could use it without zod; `schemas.ts` builds the zod schemas on it.
 */

/**
 * At most this many nonspacing or enclosing marks (gc Mn, Me) in a row; the rest are dropped.
 *
 * Why 4: UTS #39 (Unicode Security Mechanisms) §5.4 proposes exactly this check, "forbid sequences
 * of more than 4 nonspacing marks (gc=Mn or gc=Me)". Ordinary text stays under it after NFC:
 * Vietnamese composes to single letters (ệ is U+1EC7), Thai puts at most a vowel and a tone mark
 * on a consonant, Devanagari a nukta, a vowel sign and a candrabindu or Vedic accent, Arabic a
 * shadda and a haraka, Tibetan stacks two or three subjoined letters and a vowel, and pointed
 * Hebrew with cantillation reaches four on one letter (dagesh, shin dot, vowel, accent; a fifth,
 * meteg, is rare outside printed Bibles). Zalgo text needs dozens to draw over the lines around it.
 *
 * A spacing mark (Mc) ends a run: it takes its own advance like a letter, so the marks after it
 * pile on it, not on the base. Counting all of `\p{M}` would cut Burmese: လျှော့ ("reduce")
 * carries five marks (three Mc, two Mn) on one consonant.
 * Emoji are safe: keycaps (1 + U+FE0F + U+20E3) carry two marks; ZWJ, skin tones and tag
 * characters are not marks.
 */
export const MARK_RUN_MAX = 4;

// Control characters other than tab (\u0009) and newline (\u000A), plus the C1 block.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;
const MARK_RUN = new RegExp(`([\\p{Mn}\\p{Me}]{${MARK_RUN_MAX}})[\\p{Mn}\\p{Me}]+`, 'gu');
/**
 * Removed from names: bidi embeddings, overrides and isolates, the three directional marks (LRM,
 * RLM, ALM), and tag characters (invisible, they can spell a hidden word after a name).
 */
const NAME_DROP = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u{E0000}-\u{E007F}]/gu;
/**
 * Text that draws nothing: white space, default-ignorable code points (zero-width and bidi
 * controls, Hangul fillers, variation selectors, tag characters, U+180E), every other format
 * character (Cf), and blank characters the properties miss: U+2800 braille blank, U+1D159
 * musical null notehead, U+16FE4 Khitan filler.
 */
// Each listed character stands alone (none combines with another): the rule's warning does not apply.
// eslint-disable-next-line no-misleading-character-class
const BLANK_ONLY = /^[\s\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\u2800\u{1D159}\u{16FE4}]*$/u;

/** Drops the marks after the first {@link MARK_RUN_MAX} of each run (Zalgo text). */
export function capMarkRuns(text: string): string {
  return text.replace(MARK_RUN, '$1');
}

/**
 * Lone surrogates replaced (valid UTF-16 when re-encoded), `\r\n` made `\n`, control characters
 * removed (newline and tab kept), `drop` removed, NFC, runs of marks capped, trimmed. NFC comes
 * after the removals so that a mark is composed with its letter even if a removed character sat
 * between them, and the cap after NFC so that it counts what is left once letters are composed.
 */
function clean(raw: string, drop?: RegExp): string {
  let text = raw.toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '');
  if (drop) text = text.replace(drop, '');
  return capMarkRuns(text.normalize('NFC')).trim();
}

/** Bodies and reasons. Bidi controls stay: clients render a body as a block, where they end. */
export function cleanText(raw: string): string {
  return clean(raw);
}

/**
 * Names: as {@link cleanText}, and without bidi controls or tag characters. A name is shown
 * inline next to other text, where a bidi control would reorder what follows it.
 */
export function cleanName(raw: string): string {
  return clean(raw, NAME_DROP);
}

/** True when the text would draw nothing (also for ""). Such bodies and names are refused. */
export function isInvisibleOnly(text: string): boolean {
  return BLANK_ONLY.test(text);
}
