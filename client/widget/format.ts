/**
 * Text formatting for the widget: times and error messages (bodies: doc-view.ts).
 */
import { ClientError } from '../discussion-client.js';
import { defaultLocale, type Locale } from './i18n.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What went wrong, for a person, from a ClientError (or anything else), in the widget's language. */
export function errorText(err: unknown, what: 'comment' | 'edit' | 'delete' | 'load' = 'comment', t: Locale = defaultLocale()): string {
  const s = t.s;
  if (!(err instanceof ClientError)) return s.errGeneric;
  switch (err.code) {
    case 'invalid_input': {
      const detail = issueMessage(err.issues) ?? err.message;
      const max = /longer than (\d+)/.exec(detail)?.[1];
      if (max) return t.f('errTooLong', { max: Number(max).toLocaleString(t.lang) });
      if (/empty/.test(detail)) return s.errEmpty;
      return t.f('errInvalid', { detail });
    }
    case 'rate_limited':
      return s.errRate;
    case 'thread_closed':
      return s.closed;
    case 'banned':
      return s.errBanned;
    case 'unauthorized':
      return s.errExpired;
    case 'forbidden':
      return s.errForbidden;
    case 'edit_window_closed':
      return s.errEditWindow;
    case 'not_found':
      return what === 'comment' ? s.errParentGone : s.errGone;
    case 'timeout':
      return s.errOffline;
    default:
      return s.errUnavailable;
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
