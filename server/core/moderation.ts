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
  /** A moderator put all this user's comments on hold. */
  userHeld?: boolean;
  spam?: SpamSignals;
}

/** What the built-in spam checks found about a new text (each off when its setting is). */
export interface SpamSignals {
  /** Links in the text, and how many are allowed (0: no limit). */
  links: number;
  maxLinks: number;
  /** A guest's first comment, with a link in it, and whether that holds it. */
  firstComment: boolean;
  firstCommentLink: boolean;
  /** Distinct articles the same text went to lately, and how many hold it (0: off). */
  articles: number;
  maxArticles: number;
  /** This address posted more than its burst allows. */
  burst: boolean;
}

export type Verdict = { status: 'visible' } | { status: 'pending'; reason: string };
type Phase = (ctx: PostContext) => Verdict | null;

const held = (reason: string): Verdict => ({ status: 'pending', reason });

const ban: Phase = (ctx) => {
  if (ctx.banned) throw new DomainError('banned', 'you are banned from commenting');
  return null;
};
const staffPass: Phase = (ctx) => (ctx.user.role === 'moderator' ? { status: 'visible' } : null);
const userHold: Phase = (ctx) => (ctx.userHeld ? held('a moderator holds all comments of this user for review') : null);
const wordList: Phase = (ctx) => {
  const word = ctx.heldWords.match(ctx.body);
  return word ? held(`contains a held word: ${word}`) : null;
};
const spam: Phase = ({ spam: s, user }) => {
  if (!s) return null;
  if (s.maxLinks > 0 && s.links > s.maxLinks) return held(`spam check: ${s.links} links (more than ${s.maxLinks})`);
  if (s.firstCommentLink && s.firstComment && user.guest && s.links > 0) return held("spam check: a link in a new guest's first comment");
  if (s.maxArticles > 0 && s.articles >= s.maxArticles) return held(`spam check: the same text on ${s.articles} articles`);
  if (s.burst) return held('spam check: a burst of comments from one address');
  return null;
};
const premoderation: Phase = (ctx) => {
  if (ctx.premoderation === 'all') return held('premoderation');
  if (ctx.premoderation === 'guests' && ctx.user.guest) return held('premoderation of guests');
  return null;
};

const PHASES: Phase[] = [ban, staffPass, userHold, wordList, spam, premoderation];

/** The verdict on a new comment; throws a DomainError when it is refused outright. */
export function moderate(ctx: PostContext): Verdict {
  for (const phase of PHASES) {
    const v = phase(ctx);
    if (v) return v;
  }
  return { status: 'visible' };
}

/** Links in a text: URLs with a scheme, and bare www. names (what a reader would follow). */
export function countLinks(text: string): number {
  return (text.match(/\b(?:https?:\/\/|mailto:|www\.)[^\s<>()]+/gi) ?? []).length;
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
