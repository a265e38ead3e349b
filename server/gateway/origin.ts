import type { IncomingMessage } from 'node:http';
import type { Trust } from './connections.js';

/**
 * Whether a browser request may talk to us: no Origin (not a browser page), our own origin, or
 * one listed in ALLOWED_ORIGINS. Refusing foreign origins on the handshake stops cross-site
 * WebSocket hijacking on every transport. `Origin: null` (sandboxed frames, `file:` pages) is
 * allowed only when ALLOWED_ORIGINS lists `null` itself.
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[], trust: Trust): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  return origin !== 'null' && origin === ownOrigin(req, trust);
}

/** The first value of a header a trusted proxy set (proxies overwrite these, they do not append). */
function forwarded(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

export function ownOrigin(req: IncomingMessage, trust: Trust): string | null {
  const viaProxy = trust(req.socket.remoteAddress ?? '', 0);
  const host = (viaProxy ? forwarded(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
  if (!host) return null;
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  const proto = (viaProxy ? forwarded(req.headers['x-forwarded-proto']) : undefined) ?? (tls ? 'https' : 'http');
  return `${proto}://${host}`;
}

/**
 * Remembers which refused origins were logged, so that each is logged once (a misconfigured host
 * page refuses every reader's connection). Bounded: past `max` origins, new ones are not logged.
 */
export class RefusedOrigins {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 1000) {}

  /** True the first time `origin` is seen. */
  firstTime(origin: string): boolean {
    if (this.seen.has(origin) || this.seen.size >= this.max) return false;
    this.seen.add(origin);
    return true;
  }
}
