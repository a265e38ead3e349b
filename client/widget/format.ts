/**
 * Text formatting for the widget: times and error messages (bodies: doc-view.ts).
 */
import { ClientError } from '../discussion-client.js';

export { relativeTime } from '../format.js';

export function exactTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : new Date(t).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });
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
