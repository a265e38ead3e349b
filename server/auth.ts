/**
 * Tokens (PROTOCOL.md §1): HS256 JWTs signed with AUTH_SECRET, verified with jose.
 */
import { randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { TokenClaims } from '../shared/schemas.js';
import type { User } from './core/ports.js';

export class Tokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  /** The user of a valid token; null when it is malformed, forged or expired. */
  async verify(token: string): Promise<User | null> {
    if (token.length > 8192) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      const claims = TokenClaims.safeParse(payload);
      if (!claims.success) return null;
      return {
        id: claims.data.sub,
        name: claims.data.name,
        role: claims.data.role,
        guest: payload.guest === true,
        ...(typeof payload.exp === 'number' ? { expiresAt: payload.exp * 1000 } : {}),
      };
    } catch {
      return null;
    }
  }

  /** @example await tokens.sign({ sub: 'alice', name: 'Alice', role: 'moderator' }, '1h') */
  async sign(claims: TokenClaims & { guest?: boolean }, ttl?: string): Promise<string> {
    const jwt = new SignJWT({ name: claims.name, role: claims.role, ...(claims.guest ? { guest: true } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.sub)
      .setIssuedAt();
    if (ttl) jwt.setExpirationTime(ttl);
    return jwt.sign(this.key);
  }

  /** A guest commenter with a fresh id. */
  async guest(name: string): Promise<{ token: string; user: User }> {
    const user: User = { id: `guest-${randomUUID()}`, name, role: 'commenter', guest: true };
    const token = await this.sign({ sub: user.id, name, role: 'commenter', guest: true }, '30d');
    return { token, user };
  }
}
