/**
 * What happens to a new comment, as small pure phases composed in order (after Coral Talk):
 * each phase either decides or passes to the next. Closed threads are checked atomically by the
 * store, and the body length by the schema, so they do not appear here.
 */
import type { User } from './ports.js';
import { DomainError } from './errors.js';

export type Premoderation = 'off' | 'guests' | 'all';

export interface PostContext {
  user: User;
  body: string;
  banned: boolean;
  heldWords: HeldWords;
  premoderation: Premoderation;
}

export type Verdict = { status: 'visible' } | { status: 'pending'; reason: string };
type Phase = (ctx: PostContext) => Verdict | null;

const ban: Phase = (ctx) => {
  if (ctx.banned) throw new DomainError('banned', 'you are banned from commenting');
  return null;
};
const staffPass: Phase = (ctx) => (ctx.user.role === 'moderator' ? { status: 'visible' } : null);
const wordList: Phase = (ctx) => {
  const word = ctx.heldWords.match(ctx.body);
  return word ? { status: 'pending', reason: `contains a held word: ${word}` } : null;
};
const premoderation: Phase = (ctx) => {
  if (ctx.premoderation === 'all') return { status: 'pending', reason: 'premoderation' };
  if (ctx.premoderation === 'guests' && ctx.user.guest) return { status: 'pending', reason: 'premoderation of guests' };
  return null;
};

const PHASES: Phase[] = [ban, staffPass, wordList, premoderation];

/** The verdict on a new comment; throws a DomainError when it is refused outright. */
export function moderate(ctx: PostContext): Verdict {
  for (const phase of PHASES) {
    const v = phase(ctx);
    if (v) return v;
  }
  return { status: 'visible' };
}

/** A case-insensitive list of words and phrases matched on word boundaries. */
export class HeldWords {
  private readonly re: RegExp | null;

  constructor(words: readonly string[]) {
    const clean = [...new Set(words.map((w) => w.trim().normalize('NFC').toLowerCase()).filter((w) => w && !w.startsWith('#')))];
    const escaped = clean.sort((x, y) => y.length - x.length).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'));
    this.re = escaped.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'iu') : null;
  }

  static parse(text: string): HeldWords {
    return new HeldWords(text.split(/\r?\n/));
  }

  /** The first held word in `text`, or null. */
  match(text: string): string | null {
    return this.re?.exec(text.normalize('NFC'))?.[0] ?? null;
  }
}
