/**
 * TRUST_PROXY and X-Forwarded-For (PROTOCOL.md §4). Behind nginx, X-Forwarded-For arrives as
 * `<whatever the client wrote>, <the client's real address>`: nginx appends the address it saw
 * ($proxy_add_x_forwarded_for). The per-address limits (GUEST_RATE, CONNECTIONS_PER_IP) must
 * count under the address the trusted proxy added, never under what the client wrote itself:
 * otherwise a client escapes every limit by rotating a made-up leftmost value, and can spend
 * someone else's allowance by writing the victim's address there.
 *
 * Every request here comes from 127.0.0.1 (or another loopback address), which plays the proxy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.js';
import { httpRequest, RawWebSocket } from './wire.js';

const LIMITS = { GUEST_RATE: '2/60', CONNECTIONS_PER_IP: '3' };

/** A guest sign-in, as the widget makes it, with the X-Forwarded-For the proxy would send. */
async function guestSignIn(t: Target, xff: string | null, localAddress?: string): Promise<number> {
  const r = await httpRequest(t.port, {
    method: 'POST',
    path: '/api/session/guest',
    headers: { 'content-type': 'application/json', ...(xff !== null ? { 'x-forwarded-for': xff } : {}) },
    body: JSON.stringify({ name: 'Ann' }),
    localAddress,
  });
  return r.status;
}

/** Guest sign-ins one after the other; their statuses. */
async function signIns(t: Target, xffs: string[], localAddress?: string): Promise<number[]> {
  const out: number[] = [];
  for (const xff of xffs) out.push(await guestSignIn(t, xff, localAddress));
  return out;
}

type Upgrade = { admitted: RawWebSocket } | { refused: string };

/**
 * A Socket.IO connection over a raw WebSocket with the given X-Forwarded-For. A refusal is either
 * the upgrade answered with 400/403 or the namespace connect refused with `rate_limited`.
 */
async function upgrade(t: Target, xff: string, localAddress?: string): Promise<Upgrade> {
  try {
    return { admitted: await RawWebSocket.socketio(t.port, { headers: [`X-Forwarded-For: ${xff}`], localAddress }) };
  } catch (e) {
    const m = String(e);
    if (/rate_limited|upgrade refused: HTTP\/1\.1 (400|403)/.test(m)) return { refused: m };
    throw e;
  }
}

/** Opens connections one after the other, keeping the admitted ones open; closes them at the end. */
async function upgrades(t: Target, xffs: string[], localAddress?: string): Promise<{ results: string[]; close(): void }> {
  const open: RawWebSocket[] = [];
  const results: string[] = [];
  for (const xff of xffs) {
    const r = await upgrade(t, xff, localAddress);
    if ('admitted' in r) open.push(r.admitted);
    results.push('admitted' in r ? 'admitted' : 'refused');
  }
  return { results, close: () => open.forEach((s) => s.destroy()) };
}

describe('TRUST_PROXY=true (one proxy: nginx appends the address it saw)', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ env: { ...LIMITS, TRUST_PROXY: 'true' } });
  }, 60_000);
  afterAll(() => t?.stop());
  afterEach(async () => {
    await t.assertHealthy();
  });

  it('a client rotating a made-up leftmost X-Forwarded-For still gets 429 on its third guest sign-in', async () => {
    const statuses = await signIns(
      t,
      [1, 2, 3].map((i) => `10.9.0.${i}, 203.0.113.7`),
    );
    expect(statuses).toEqual([201, 201, 429]);
  });

  it("an attacker writing the victim's address leftmost does not use up the victim's guest sign-ins", async () => {
    // The attacker (at 203.0.113.8) claims to be 198.51.100.9 and signs in until refused.
    const attacker = await signIns(
      t,
      [1, 2, 3].map(() => '198.51.100.9, 203.0.113.8'),
    );
    expect(attacker).toEqual([201, 201, 429]);
    // The victim's own request, as nginx sends it: only the address it saw.
    expect(await guestSignIn(t, '198.51.100.9')).toBe(201);
  });

  it('Socket.IO: the fourth connection from one real address is refused however the leftmost value rotates; another address is admitted', async () => {
    const conns = await upgrades(
      t,
      [1, 2, 3, 4].map((i) => `10.9.1.${i}, 203.0.113.20`),
    );
    try {
      expect(conns.results).toEqual(['admitted', 'admitted', 'admitted', 'refused']);
      // Still at its limit: another rotation is refused too, while a different client gets in.
      expect('refused' in (await upgrade(t, '10.9.1.99, 203.0.113.20'))).toBe(true);
      const other = await upgrade(t, '10.9.1.1, 203.0.113.21');
      expect('admitted' in other, JSON.stringify(other)).toBe(true);
      if ('admitted' in other) other.admitted.destroy();
    } finally {
      conns.close();
    }
  });
});

describe('TRUST_PROXY=2 (two proxies: the client is the second entry from the right)', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ embedded: true, env: { ...LIMITS, TRUST_PROXY: '2' } });
  }, 60_000);
  afterAll(() => t?.stop());
  afterEach(async () => {
    await t.assertHealthy();
  });

  it('guest sign-ins count under the second entry from the right, whichever inner proxy and leftmost value the requests carry', async () => {
    // Client 203.0.113.30 through the edge proxy, then through one of three inner proxies.
    const statuses = await signIns(
      t,
      [1, 2, 3].map((i) => `10.9.2.${i}, 203.0.113.30, 10.0.0.${i}`),
    );
    expect(statuses).toEqual([201, 201, 429]);
    // Another client behind the same inner proxy has its own allowance.
    expect(await guestSignIn(t, '10.9.2.1, 203.0.113.31, 10.0.0.1')).toBe(201);
  });
});

describe('TRUST_PROXY=false (no proxy: the peer is the client)', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ embedded: true, env: { ...LIMITS, TRUST_PROXY: 'false' } });
  }, 60_000);
  afterAll(() => t?.stop());
  afterEach(async () => {
    await t.assertHealthy();
  });

  it('X-Forwarded-For is ignored: three different values from one peer share its guest limit', async () => {
    const statuses = await signIns(t, ['198.51.100.1', '198.51.100.2, 203.0.113.50', '198.51.100.3'], '127.0.0.41');
    expect(statuses).toEqual([201, 201, 429]);
    // Another peer is a different client.
    expect(await guestSignIn(t, '198.51.100.1', '127.0.0.42')).toBe(201);
  });

  it('X-Forwarded-For is ignored on Socket.IO too: the fourth connection from one peer is refused', async () => {
    const conns = await upgrades(
      t,
      [1, 2, 3, 4].map((i) => `198.51.100.${i}`),
      '127.0.0.43',
    );
    try {
      expect(conns.results).toEqual(['admitted', 'admitted', 'admitted', 'refused']);
    } finally {
      conns.close();
    }
  });
});

describe('TRUST_PROXY=loopback (a list of proxy addresses)', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ embedded: true, env: { ...LIMITS, TRUST_PROXY: 'loopback' } });
  }, 60_000);
  afterAll(() => t?.stop());
  afterEach(async () => {
    await t.assertHealthy();
  });

  it('the peer (127.0.0.1) is a trusted proxy: guest sign-ins count under the address it appended, not the leftmost value', async () => {
    const statuses = await signIns(
      t,
      [1, 2, 3].map((i) => `10.9.3.${i}, 203.0.113.40`),
    );
    expect(statuses).toEqual([201, 201, 429]);
    expect(await guestSignIn(t, '10.9.3.1, 203.0.113.41')).toBe(201);
  });

  it('every listed proxy is skipped: behind two loopback proxies the client is the first address outside the list', async () => {
    const statuses = await signIns(
      t,
      [1, 2, 3].map((i) => `10.9.4.${i}, 203.0.113.42, 127.0.0.${10 + i}`),
    );
    expect(statuses).toEqual([201, 201, 429]);
  });

  it('Socket.IO counts under the same address: the fourth connection is refused, another address admitted', async () => {
    const conns = await upgrades(
      t,
      [1, 2, 3, 4].map((i) => `10.9.5.${i}, 203.0.113.43`),
    );
    try {
      expect(conns.results).toEqual(['admitted', 'admitted', 'admitted', 'refused']);
      const other = await upgrade(t, '10.9.5.1, 203.0.113.44');
      expect('admitted' in other, JSON.stringify(other)).toBe(true);
      if ('admitted' in other) other.admitted.destroy();
    } finally {
      conns.close();
    }
  });
});
