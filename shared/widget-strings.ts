/**
 * The reader's words: every string the widget and `thread.html` show, per language. English is
 * the reference; a language may leave a key out (English shows instead), and a publisher may
 * override any key (`data-strings` on the widget's div, or `window.livethreadStrings`; README).
 *
 * Keys are flat and named after what they say. `{name}`-style placeholders are filled by fmt().
 * The other languages' tables are in locales.ts.
 * Times are not here: relativeTime() uses the browser's Intl.RelativeTimeFormat.
 * Pure data and helpers, no imports: the server renders thread.html with the same words.
 */

export const EN = {
  comments: 'Comments',
  commentsCount: 'Comments, {n}',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  liveTitle: 'New comments appear here as they are posted',
  sortLabel: 'Sort comments',
  newest: 'Newest',
  oldest: 'Oldest',
  loadOlder: 'Load older comments',
  loadingComments: 'Loading comments…',
  loading: 'Loading…',
  loadFailed: "Couldn't load. Try again",
  notLoaded: "Comments couldn't be loaded. ",
  tryAgain: 'Try again',
  noComments: 'No comments.',
  noCommentsYet: 'No comments yet. Start the conversation.',
  closed: 'This discussion is closed to new comments.',
  unavailable: 'Comments are not available on this page.',
  reading: '{n} reading',
  someoneReplying: 'someone is replying',
  peopleReplying: '{n} people are replying',
  newComment: 'New comment from {name}',
  newComments: '{n} new comments',
  newCommentsOne: '1 new comment',
  writeComment: 'Write a comment',
  shareThoughts: 'Share your thoughts…',
  post: 'Post',
  reply: 'Reply',
  replyTo: 'Reply to {name}',
  replyToPlaceholder: 'Reply to {name}…',
  repliesTo: 'Replies to {name}',
  editYours: 'Edit your comment',
  save: 'Save',
  saving: 'Saving…',
  cancel: 'Cancel',
  preview: 'Preview',
  write: 'Write',
  nothingToPreview: 'Nothing to preview',
  loadingPreview: 'Loading preview…',
  previewFailed: "Couldn't load the preview.",
  submitHint: '{key}+Enter to {action}',
  posted: 'Your comment was posted',
  awaitingYours: 'Your comment is awaiting approval',
  updated: 'Your comment was updated',
  deleted: 'Your comment was deleted',
  reportThanks: 'Thank you: a moderator will look at this comment',
  signedInAs: 'Signed in as ',
  signOut: 'Sign out',
  signInHere: 'Sign in on this site to join the discussion.',
  join: 'Join the discussion',
  yourName: 'Your name',
  signInGuest: 'Sign in as guest',
  signingIn: 'Signing in…',
  enterName: 'Please enter your name.',
  signInFailed: "Couldn't sign you in. Please try again.",
  removedComment: 'This comment was removed',
  aRemovedComment: 'a removed comment',
  thisComment: 'this comment',
  you: 'You',
  staff: 'Staff',
  staffTitle: 'A moderator of this site',
  replyingTo: 'replying to ',
  sending: 'Sending…',
  edited: '(edited)',
  editedAt: 'Edited {time}',
  awaiting: 'Awaiting approval',
  edit: 'Edit',
  delete: 'Delete',
  deleteYours: 'Delete your comment',
  report: 'Report',
  reported: 'Reported',
  reportLabel: 'Report the comment by {name} to the moderators',
  showMore: 'Show more',
  showLess: 'Show less',
  earlierReplies: 'Show earlier replies',
  remove: 'Remove',
  removeLabel: 'Remove the comment by {name}',
  removeConfirm: 'Remove this comment by {name}? Readers will see that it was removed.',
  removed: 'Comment removed',
  ban: 'Ban',
  banLabel: 'Ban {name}',
  banConfirm: 'Ban {name} from commenting and remove their comments?',
  banned: '{name} is banned',
  errGeneric: 'Something went wrong. Please try again.',
  errTooLong: 'Your comment is too long. Please keep it under {max} characters.',
  errEmpty: 'Please write something first.',
  errInvalid: "That didn't work: {detail}",
  errRate: "You're posting too fast. Please wait a moment.",
  errRateIn: "You're posting too fast. You can post again in {s} s.",
  errBanned: "You can't post in this discussion.",
  errExpired: 'Your sign-in has expired. Please sign in again.',
  errForbidden: "You're not allowed to do that.",
  errEditWindow: 'This comment can no longer be edited.',
  errParentGone: 'The comment you replied to is gone.',
  errGone: 'That comment no longer exists.',
  errOffline: "Couldn't reach the server. Check your connection and try again.",
  errUnavailable: 'The service is unavailable right now. Please try again.',
  tokenRefused: "Your sign-in couldn't be verified. You can read, but not post.",
  guestEnded: 'Your guest session has ended. Please sign in again to post.',
  top: 'Top',
  loadMore: 'Load more comments',
  loadMoreLeft: 'Load more comments ({n} not shown yet)',
  loadNewer: 'Load newer comments',
  loadEarlier: 'Load earlier comments',
  laterReplies: 'Show later replies',
  link: 'Link',
  linkLabel: 'Copy a link to the comment by {name}',
  copied: 'Copied',
  linkCopied: 'Link to the comment copied',
  linkInAddressBar: 'Link in the address bar',
  linkInAddressBarSaid: 'The link to the comment is in the address bar',
  linkedUnavailable: 'The linked comment is not available. It may have been deleted or be awaiting approval.',
  linkedRemoved: 'The linked comment was removed.',
  deleteConfirm: 'Delete your comment? This cannot be undone.',
  yesDelete: 'Yes, delete',
  reportAs: 'Report it as',
  reportWhy: 'Why report the comment by {name}?',
  sendReport: 'Send report',
  reasonSpam: 'Spam',
  reasonHarassment: 'Harassment or hate',
  reasonOffTopic: 'Off-topic',
  reasonOther: 'Something else',
  votes: 'Votes',
  voteUp: 'Vote up the comment by {name} ({n} up)',
  voteDown: 'Vote down the comment by {name} ({n} down)',
  upCount: '{n} up',
  downCount: '{n} down',
  errVoteRate: "You're voting too fast. Please wait a moment.",
  errVoteOwn: "You can't vote on your own comment.",
  errVoteGone: 'This comment can no longer be voted on.',
  offlineNote: "You're offline. Your text stays here; you can send it once the connection is back.",
  waitingConnection: 'Waiting for connection…',
};

export type StringKey = keyof typeof EN;
export type Strings = Record<StringKey, string>;

/**
 * The languages shipped. English is in the widget; the others (shared/locales.ts) are fetched by
 * the widget that needs one (`GET /api/strings/:lang`), so that the bundle carries one language.
 */
export const LANGS = ['en', 'de', 'fr', 'es'] as const;

/**
 * The first of `wanted` (BCP 47 tags, most wanted first: `data-lang`, the page's `lang`) that a
 * table exists for, by its primary subtag; English otherwise.
 */
export function pickLang(...wanted: (string | null | undefined)[]): string {
  for (const tag of wanted) {
    const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
    if (primary && (LANGS as readonly string[]).includes(primary)) return primary;
  }
  return 'en';
}

/**
 * A language's table (English where it has no string), then a publisher's overrides over it:
 * only known keys with string values are taken from either.
 */
export function stringsFor(table: unknown, overrides?: unknown): Strings {
  const out: Strings = { ...EN };
  for (const layer of [table, overrides]) {
    if (typeof layer !== 'object' || layer === null) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (Object.prototype.hasOwnProperty.call(EN, key) && typeof value === 'string') out[key as StringKey] = value;
    }
  }
  return out;
}

/** Fills `{name}` placeholders; an unknown one stays as written. */
export function fmt(template: string, vars: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "3 minutes ago", "yesterday", "4 days ago" in `lang` (Intl.RelativeTimeFormat),
 * then a date. One function for the widget and thread.html, so both read the same.
 */
export function relativeTime(iso: string, lang: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const ago = Math.max(0, now - t);
  const rtf = cached(relativeFormats, lang, (l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto' }));
  if (ago < 45_000) return rtf.format(0, 'second');
  if (ago < HOUR) return rtf.format(-Math.max(1, Math.round(ago / MINUTE)), 'minute');
  if (ago < DAY) return rtf.format(-Math.round(ago / HOUR), 'hour');
  const days = Math.floor(ago / DAY);
  if (days < 7) return rtf.format(-days, 'day');
  const d = new Date(t);
  return d.toLocaleDateString(lang, {
    day: 'numeric',
    month: 'short',
    ...(d.getUTCFullYear() === new Date(now).getUTCFullYear() ? {} : { year: 'numeric' }),
    timeZone: 'UTC',
  });
}

/** The exact time, for a title. */
export function exactTime(iso: string, lang: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  return cached(exactFormats, lang, (l) => new Intl.DateTimeFormat(l, { dateStyle: 'full', timeStyle: 'short' })).format(t);
}

// Formatters are slow to make and a thread renders hundreds of times: one per language.
const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
const exactFormats = new Map<string, Intl.DateTimeFormat>();

/** The formatter of `lang` (English when the runtime does not know it), made once. */
function cached<F>(map: Map<string, F>, lang: string, make: (lang: string) => F): F {
  let f = map.get(lang);
  if (!f) {
    try {
      f = make(lang);
    } catch {
      f = make('en');
    }
    if (map.size < 16) map.set(lang, f);
  }
  return f;
}

/** Languages written right to left (by primary subtag), for a page that does not say `dir`. */
export function isRtl(lang: string | null | undefined): boolean {
  return ['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug'].includes(lang?.trim().toLowerCase().split(/[-_]/)[0] ?? '');
}

/** Avatar colours, chosen per author id (the widget and thread.html agree). */
const AVATAR_COLOURS = ['#0b57d0', '#137333', '#b3261e', '#8430ce', '#a8480b', '#00677f', '#5b5fc7', '#9c2b6b', '#7b5800'];

export function avatarColour(id: string): string {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return AVATAR_COLOURS[Math.abs(hash) % AVATAR_COLOURS.length]!;
}

/** The letter on an author's avatar. */
export function avatarLetter(name: string): string {
  return ([...name.trim()][0] ?? '?').toLocaleUpperCase();
}
