import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import proxyaddr from 'proxy-addr';
import type { TrustProxySetting } from '../config.js';
import type { RequestContext } from '../core/ports.js';

/** Whether the hop at `index` (0: the peer of the TCP connection) is a proxy we believe. */
export type Trust = (address: string, index: number) => boolean;

export function trustFor(setting: TrustProxySetting): Trust {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, index) => index < setting;
  return proxyaddr.compile(setting);
}

/**
 * The client's address: the TCP peer, or, behind trusted proxies, the address the outermost
 * trusted one saw (the rightmost untrusted X-Forwarded-For entry). Express uses the same rule
 * (`trust proxy` is set from the same setting), so HTTP and Socket.IO limits agree.
 */
export function clientAddress(req: IncomingMessage, trust: Trust): string {
  if (!req.socket?.remoteAddress) return 'unknown';
  return proxyaddr(req, trust);
}

/**
 * The key per-address limits count under: an IPv4 address as it is, an IPv6 address by its /64
 * (one subscriber's prefix holds more addresses than any limit could count one by one).
 */
export function addressKey(address: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::', 2) as [string, string?];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/**
 * Open connections per client address on this node, counted at the engine level: from the
 * engine.io handshake to the transport's close, whether or not the socket ever joined the
 * namespace or passed authentication, so that every path releases its place. Counted per node on
 * purpose: a shared counter would leak the places of a node that crashed.
 */
export class ConnectionCounter {
  private readonly open_ = new Map<string, number>();

  /**
   * @param limit connections per address (0: no limit)
   * @param grace connections past the limit let in only to be told `rate_limited` and closed, so
   *   that a client learns why instead of seeing a bare transport error
   */
  constructor(
    private readonly limit: number,
    private readonly grace = 10,
  ) {}

  /** Whether `key` may open one more (a check before the handshake is accepted). */
  hasRoom(key: string): boolean {
    return this.limit === 0 || (this.open_.get(key) ?? 0) < this.limit + this.grace;
  }

  /** Counts one more connection for `key`: `ok`, `over` the limit (counted, to be refused), or `full` (not counted). */
  open(key: string): 'ok' | 'over' | 'full' {
    if (this.limit === 0) return 'ok';
    const n = this.open_.get(key) ?? 0;
    if (n >= this.limit + this.grace) return 'full';
    this.open_.set(key, n + 1);
    return n >= this.limit ? 'over' : 'ok';
  }

  close(key: string): void {
    if (this.limit === 0) return;
    const n = (this.open_.get(key) ?? 1) - 1;
    if (n <= 0) this.open_.delete(key);
    else this.open_.set(key, n);
  }

  /** Addresses with at least one open connection (for tests and metrics). */
  get size(): number {
    return this.open_.size;
  }
}

/**
 * Makes the request context the core sees: the address key (an IPv6 address by its /64) and its
 * salted hash, which is what bans store and compare (the address itself is never stored).
 */
export function requestContexts(secret: string) {
  const salt = createHmac('sha256', secret).update('livethread:address-salt').digest();
  return (addressKey: string, userAgent: string | null, referrer: string | null): RequestContext => ({
    address: addressKey,
    addressHash: createHmac('sha256', salt).update(addressKey).digest('base64url').slice(0, 22),
    userAgent: userAgent?.slice(0, 512) ?? null,
    referrer: referrer?.slice(0, 1024) ?? null,
  });
}
