/**
 * Tokens (PROTOCOL.md §1): HS256 JWTs signed with AUTH_SECRET, verified with jose.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { z } from 'zod';
import { TokenClaims } from '../shared/schemas.js';
import type { User } from './core/ports.js';

export interface TokenOptions {
  /** When a user was erased, if ever: their tokens issued up to then are refused. */
  erasedAt?: (userId: string) => Promise<string | null>;
  /**
   * Told of each valid token that carries a verified e-mail address (for reply e-mails). The
   * address is passed here only, never put on the User: views and logs cannot carry it.
   */
  verifiedEmail?: (user: User, email: string) => void;
}

/** What an admin token (signAdmin) allows. */
export type AdminScope = 'import' | 'export';
const ADMIN_AUDIENCE = 'livethread:admin';

export class Tokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly opts: TokenOptions = {},
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * The user of a valid token; null when it is malformed, forged, expired or its user was erased
   * since. Rejects (the store could not say) rather than call a good token bad.
   */
  async verify(token: string): Promise<User | null> {
    if (token.length > 8192) return null;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }));
    } catch {
      return null;
    }
    const claims = TokenClaims.safeParse(payload);
    if (!claims.success) return null;
    const erased = await this.opts.erasedAt?.(claims.data.sub);
    // Without `iat`, a token could be from any time: it is refused too.
    if (erased && (typeof payload.iat !== 'number' || payload.iat * 1000 <= Date.parse(erased))) return null;
    const user: User = {
      id: claims.data.sub,
      name: claims.data.name,
      role: claims.data.role,
      guest: payload.guest === true,
      ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
    };
    if (claims.data.email && claims.data.email_verified === true && z.email().max(254).safeParse(claims.data.email).success) {
      this.opts.verifiedEmail?.(user, claims.data.email);
    }
    return user;
  }

  /** @example await tokens.sign({ sub: 'alice', name: 'Alice', role: 'moderator' }, '1h') */
  async sign(claims: TokenClaims & { guest?: boolean }, ttl?: string): Promise<string> {
    const jwt = new SignJWT({
      name: claims.name,
      role: claims.role,
      ...(claims.guest ? { guest: true } : {}),
      ...(claims.email ? { email: claims.email, email_verified: claims.email_verified === true } : {}),
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt();
    if (ttl) jwt.setExpirationTime(ttl);
    return jwt.sign(this.key);
  }

  /**
   * A short-lived token for the site's own command-line tools (`npm run import`), scoped to one
   * task. It names no user (no `name`, no `role`): `verify` refuses it, and user tokens are refused
   * where it is expected.
   */
  async signAdmin(scope: AdminScope, ttl = '15m'): Promise<string> {
    return new SignJWT({ scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cli')
      .setAudience(ADMIN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(this.key);
  }

  /** Whether `token` is a valid admin token for `scope` (signAdmin). */
  async verifyAdmin(token: string, scope: AdminScope): Promise<boolean> {
    if (token.length > 8192) return false;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: ADMIN_AUDIENCE, requiredClaims: ['exp'] });
      return payload.scope === scope;
    } catch {
      return false;
    }
  }

  /** A guest commenter with a fresh id. */
  async guest(name: string): Promise<{ token: string; user: User }> {
    const user: User = { id: `guest-${randomUUID()}`, name, role: 'commenter', guest: true };
    const token = await this.sign({ sub: user.id, name, role: 'commenter', guest: true }, '30d');
    return { token, user };
  }
}
