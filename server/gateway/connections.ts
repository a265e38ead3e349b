import type { IncomingMessage } from 'node:http';

/** The first (client-side) value of an X-Forwarded-* header. */
export function firstHop(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

/** The client's address: the socket's, or the first X-Forwarded-For hop behind a trusted proxy. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? firstHop(req.headers['x-forwarded-for']) : undefined;
  if (forwarded) return forwarded;
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Open sockets per client address on this node. Counted per node on purpose: a shared counter
 * would leak the sockets of a node that crashed and lock their addresses out.
 */
export class ConnectionCounter {
  private readonly open_ = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts one more socket for `address`; false (and not counted) when at the limit. */
  open(address: string): boolean {
    if (this.limit === 0) return true;
    const n = this.open_.get(address) ?? 0;
    if (n >= this.limit) return false;
    this.open_.set(address, n + 1);
    return true;
  }

  close(address: string): void {
    if (this.limit === 0) return;
    const n = (this.open_.get(address) ?? 1) - 1;
    if (n <= 0) this.open_.delete(address);
    else this.open_.set(address, n);
  }
}
