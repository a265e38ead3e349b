/**
 * What the console may send, bounded as the server's payload schemas bound it
 * (`payloadSchemas` in shared/schemas.ts; test/unit/console-limits.test.ts keeps the two equal).
 * Inputs carry these as maxlength and every value is clipped again before it is sent, so a pasted
 * wall of text is cut here rather than refused there.
 */

/** A removal, ban or hold reason (`mod:remove`, `mod:ban`, `mod:hold`). */
export const REASON_MAX = 500;
/** A moderator's note about a user (`mod:note`). */
export const NOTE_MAX = 1000;
/** Search text (`mod:search { text }`). */
export const SEARCH_TEXT_MAX = 200;
/** A user id (`mod:search { author }`, `mod:user`). */
export const USER_ID_MAX = 128;

/** Trims and cuts `text` to `max` characters (code points, as the server counts them). */
export function clip(text: string, max: number): string {
  const trimmed = text.trim();
  if (trimmed.length <= max) return trimmed;
  return [...trimmed].slice(0, max).join('').trim();
}
