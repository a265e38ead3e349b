/**
 * Text formatting for the widget: relative times, comment bodies with links, error messages.
 */
import { ClientError } from '../discussion-client.js';

export { relativeTime } from '../format.js';

export function exactTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : new Date(t).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"*]$/;

/** Drops punctuation that ends a sentence rather than the URL; keeps balanced brackets. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const last = url.at(-1);
    if (last && TRAILING.test(last)) url = url.slice(0, -1);
    else if (last === ')' && count(url, '(') < count(url, ')')) url = url.slice(0, -1);
    else if (last === ']' && count(url, '[') < count(url, ']')) url = url.slice(0, -1);
    else return url;
  }
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

/** Runs of blank lines (white space only) read as one: a body cannot push the thread apart. */
export function collapseBlankLines(text: string): string {
  return text.replace(/\n[^\S\n]*\n(?:[^\S\n]*\n)+/g, '\n\n');
}

/**
 * A comment body as DOM: text nodes, and http(s) URLs as links built with DOM calls.
 * Line breaks are kept by CSS (white-space: pre-wrap); runs of blank lines collapse to one.
 */
export function bodyFragment(raw: string): DocumentFragment {
  const text = collapseBlankLines(raw);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const start = m.index;
    const raw = trimUrl(m[0]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    if (start > last) frag.append(text.slice(last, start));
    const a = document.createElement('a');
    a.href = url.href;
    a.rel = 'nofollow ugc noopener noreferrer';
    a.target = '_blank';
    a.textContent = raw;
    frag.append(a);
    last = start + raw.length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What went wrong, for a person, from a ClientError (or anything else). */
export function errorText(err: unknown, what: 'comment' | 'edit' | 'delete' | 'load' = 'comment'): string {
  if (!(err instanceof ClientError)) return 'Something went wrong. Please try again.';
  switch (err.code) {
    case 'invalid_input': {
      const detail = issueMessage(err.issues) ?? err.message;
      const max = /longer than (\d+)/.exec(detail)?.[1];
      if (max) return `Your comment is too long. Please keep it under ${Number(max).toLocaleString()} characters.`;
      if (/empty/.test(detail)) return 'Please write something first.';
      return `That didn't work: ${detail}`;
    }
    case 'rate_limited':
      return "You're posting too fast. Please wait a moment.";
    case 'thread_closed':
      return 'This discussion is closed to new comments.';
    case 'banned':
      return "You can't post in this discussion.";
    case 'unauthorized':
      return 'Your sign-in has expired. Please sign in again.';
    case 'forbidden':
      return "You're not allowed to do that.";
    case 'edit_window_closed':
      return 'This comment can no longer be edited.';
    case 'not_found':
      return what === 'comment' ? 'The comment you replied to is gone.' : 'That comment no longer exists.';
    case 'timeout':
      return "Couldn't reach the server. Check your connection and try again.";
    default:
      return 'The service is unavailable right now. Please try again.';
  }
}

function issueMessage(issues: unknown): string | null {
  if (!Array.isArray(issues)) return null;
  for (const i of issues as unknown[]) {
    const m = (i as { message?: unknown } | null)?.message;
    if (typeof m === 'string') return m;
  }
  return null;
}
