import type { IncomingMessage } from 'node:http';
import { firstHop } from './connections.js';

/**
 * Whether a browser request may talk to us: no Origin (not a browser page), our own origin, or
 * one listed in ALLOWED_ORIGINS. Refusing foreign origins on the handshake stops cross-site
 * WebSocket hijacking on every transport.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[], trustProxy: boolean): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  return origin === ownOrigin(req, trustProxy);
}

export function ownOrigin(req: IncomingMessage, trustProxy: boolean): string | null {
  const forwardedHost = trustProxy ? firstHop(req.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost ?? req.headers.host;
  if (!host) return null;
  const forwardedProto = trustProxy ? firstHop(req.headers['x-forwarded-proto']) : undefined;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = forwardedProto ?? (tls ? 'https' : 'http');
  return `${proto}://${host}`;
}
