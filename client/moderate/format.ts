/**
 * Formatting for the moderator console: times, error messages, token claims.
 */
import { ClientError } from '../discussion-client.js';
import { ARTICLE_ID_RE } from '../../shared/constants.js';
import { relativeTime } from '../format.js';
import { h } from './dom.js';

export { ARTICLE_ID_RE };

export function exactTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "14:03:22" today, "12 Mar 14:03" before. */
export function clockTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t);
  if (new Date(now).toDateString() === d.toDateString()) {
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** A <time> element; `relative` ones are refreshed by `refreshTimes`. */
export function timeEl(iso: string, mode: 'clock' | 'relative'): HTMLTimeElement {
  const el = h('time', { class: 'lm-time', datetime: iso, title: exactTime(iso), 'data-relative': mode === 'relative' });
  el.textContent = mode === 'relative' ? relativeTime(iso) : clockTime(iso);
  return el;
}

export function refreshTimes(root: ParentNode): void {
  const now = Date.now();
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    const text = relativeTime(el.dateTime, now);
    if (el.textContent !== text) el.textContent = text;
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** "Couldn't remove: this comment is not removed." from any error. */
export function actionError(what: string, err: unknown): string {
  return `Couldn't ${what}: ${describeError(err)}`;
}

export function describeError(err: unknown): string {
  if (!(err instanceof ClientError)) return err instanceof Error ? err.message : 'something went wrong.';
  switch (err.code) {
    case 'timeout':
      return 'no answer from the server. Check the connection and try again.';
    case 'unauthorized':
      return 'your token is not valid any more. Sign in again.';
    case 'forbidden':
      return 'this token is not a moderator token.';
    case 'rate_limited': {
      const s = err.retryAfterMs ? Math.ceil(err.retryAfterMs / 1000) : null;
      return s ? `too many requests; try again in ${s} s.` : 'too many requests; try again shortly.';
    }
    case 'invalid_input': {
      const issue = firstIssue(err.issues);
      return issue ? `${issue}.` : `${err.message}.`;
    }
    case 'unavailable':
      return 'the service is unavailable right now; try again.';
    case 'conflict':
      return 'the comment changed since you saw it (conflict): read it again before approving.';
    case 'not_found':
      return `it is gone (not found): ${err.message}.`.replace(/\.\.$/, '.');
    case 'thread_closed':
      return 'the thread is closed (thread closed).';
    case 'banned':
      return 'this account is banned (banned).';
    default:
      return `${capitalise(err.message)}.`.replace(/\.\.$/, '.');
  }
}

function firstIssue(issues: unknown): string | null {
  if (!Array.isArray(issues)) return null;
  for (const i of issues as unknown[]) {
    const m = (i as { message?: unknown; path?: unknown } | null)?.message;
    const path = (i as { path?: unknown }).path;
    if (typeof m !== 'string') continue;
    const where = Array.isArray(path) ? path.join('.') : '';
    return where && !m.startsWith(where) ? `${where}: ${m}` : m;
  }
  return null;
}

export interface TokenInfo {
  sub: string | null;
  name: string | null;
  role: string | null;
  exp: number | null;
}

/** The claims of a JWT, for display only (the server verifies it). */
export function tokenInfo(token: string): TokenInfo | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      sub: str(claims.sub),
      name: str(claims.name),
      role: str(claims.role),
      exp: typeof claims.exp === 'number' ? claims.exp : null,
    };
  } catch {
    return null;
  }
}
