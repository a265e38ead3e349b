/**
 * Signed links in e-mails: one-click unsubscribe (RFC 8058) scoped to a thread, to replies or to
 * everything, and the confirmation of a guest's address (double opt-in). HMAC-SHA256 with a key
 * derived from AUTH_SECRET; a link names its user and scope, so it can do nothing else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type UnsubscribeScope = { kind: 'all' } | { kind: 'replies' } | { kind: 'thread'; articleId: string; rootId: string };

/** How long a confirmation link works. */
export const CONFIRM_TTL_MS = 48 * 3600_000;

export class MailLinks {
  private readonly key: Buffer;

  constructor(
    authSecret: string,
    private readonly publicUrl: string,
  ) {
    this.key = createHmac('sha256', authSecret).update('livethread mail links v1').digest();
  }

  private sig(...parts: string[]): string {
    return createHmac('sha256', this.key).update(parts.join('\u0000')).digest('base64url').slice(0, 32);
  }

  private ok(expected: string, given: string): boolean {
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private url(path: string, params: Record<string, string>): string {
    const u = new URL(path, this.publicUrl);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.href;
  }

  unsubscribeUrl(userId: string, scope: UnsubscribeScope): string {
    const s = Buffer.from(JSON.stringify(scope)).toString('base64url');
    return this.url('/api/mail/unsubscribe', { u: userId, s, t: this.sig('unsubscribe', userId, s) });
  }

  /** The user and scope of a valid unsubscribe link; null otherwise. */
  readUnsubscribe(q: { u?: unknown; s?: unknown; t?: unknown }): { userId: string; scope: UnsubscribeScope } | null {
    const { u, s, t } = q;
    if (typeof u !== 'string' || typeof s !== 'string' || typeof t !== 'string' || u.length > 128 || s.length > 2000) return null;
    if (!this.ok(this.sig('unsubscribe', u, s), t)) return null;
    try {
      const scope = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as UnsubscribeScope;
      if (scope.kind === 'all' || scope.kind === 'replies') return { userId: u, scope: { kind: scope.kind } };
      if (scope.kind === 'thread' && typeof scope.articleId === 'string' && typeof scope.rootId === 'string') {
        return { userId: u, scope: { kind: 'thread', articleId: scope.articleId, rootId: scope.rootId } };
      }
    } catch {
      return null;
    }
    return null;
  }

  confirmUrl(userId: string, email: string, now: number): string {
    const e = Buffer.from(email).toString('base64url');
    const x = String(now + CONFIRM_TTL_MS);
    return this.url('/api/mail/confirm', { u: userId, e, x, t: this.sig('confirm', userId, e, x) });
  }

  /** The user and address of a valid, unexpired confirmation link; null otherwise. */
  readConfirm(q: { u?: unknown; e?: unknown; x?: unknown; t?: unknown }, now: number): { userId: string; email: string } | null {
    const { u, e, x, t } = q;
    if (typeof u !== 'string' || typeof e !== 'string' || typeof x !== 'string' || typeof t !== 'string') return null;
    if (u.length > 128 || e.length > 400 || !/^\d{1,16}$/.test(x) || Number(x) < now) return null;
    if (!this.ok(this.sig('confirm', u, e, x), t)) return null;
    return { userId: u, email: Buffer.from(e, 'base64url').toString('utf8') };
  }
}
