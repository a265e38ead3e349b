/**
 * Who the reader is, and the one DiscussionClient that carries their token.
 *
 * A host site may sign its users in itself (`data-token`); otherwise a reader can become a guest
 * with just a name. The guest session is kept in localStorage so it survives reloads and is
 * shared by every widget on the page (and by other tabs, through the storage event).
 */
import { DiscussionClient } from '../discussion-client.js';
import { originRefused } from './origin-check.js';

export interface User {
  id: string;
  name: string;
}

interface StoredGuest {
  token: string;
  user: User;
  name: string;
}

export const GUEST_KEY = 'livethread:guest';

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

export class Session {
  readonly client: DiscussionClient;
  user: User | null = null;
  /** Something the reader should know about their sign-in (e.g. it expired). */
  notice: 'tokenRefused' | 'guestEnded' | null = null;
  /** The server refuses this page's origin: nothing will connect, so the client is closed. */
  unavailable = false;
  private token: string | null;
  private readonly listeners = new Set<() => void>();

  /** `hostToken`: a token signed by the host site; guest sign-in and sign-out are then off. */
  constructor(
    readonly origin: string,
    readonly hostToken: string | null,
  ) {
    if (hostToken) {
      this.token = hostToken;
      this.user = userOf(hostToken);
    } else {
      const guest = readGuest();
      this.token = guest?.token ?? null;
      this.user = guest?.user ?? null;
    }
    this.client = new DiscussionClient({ url: origin, token: this.token });
    // A token the server refuses (expired, or signed with another secret) fails the whole
    // handshake: drop it and carry on as an anonymous reader.
    this.client.socket.on('connect_error', (err) => {
      if (err.message === 'unauthorized' && this.token) {
        this.expire();
        return;
      }
      // A refused origin looks like any transport error from here; reconnecting cannot help.
      void originRefused(this.origin).then((refused) => {
        if (!refused || this.unavailable) return;
        this.unavailable = true;
        this.client.close();
        this.emit();
      });
    });
    if (!hostToken) {
      window.addEventListener('storage', (ev) => {
        if (ev.key !== GUEST_KEY) return;
        const guest = readGuest();
        if ((guest?.token ?? null) !== this.token) this.use(guest?.token ?? null, guest?.user ?? null);
      });
    }
  }

  /**
   * The host signed this reader in as a moderator: the widget offers Remove and Ban. Read from
   * the token unverified, only to show the buttons; the server checks the role of every action.
   */
  get isModerator(): boolean {
    return this.user !== null && this.token !== null && claims(this.token)?.role === 'moderator';
  }

  get canSignInAsGuest(): boolean {
    return !this.hostToken;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The token requests are signed with (null when signed out). */
  get authToken(): string | null {
    return this.token;
  }

  /** POST /api/session/guest, then reconnects with the new token. Throws SignInError. */
  async signInGuest(name: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.origin}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    } catch {
      throw new SignInError("Couldn't reach the server. Check your connection and try again.");
    }
    const data = (await res.json().catch(() => null)) as {
      token?: string;
      user?: User;
      error?: { code?: string; retryAfterMs?: number };
    } | null;
    if (!res.ok || !data?.token || !data.user) {
      const code = data?.error?.code;
      if (code === 'forbidden') throw new SignInError('Guest sign-in is turned off on this site.');
      if (code === 'invalid_input') throw new SignInError('Please enter a name (up to 80 characters).');
      if (code === 'rate_limited') {
        const s = Math.ceil((data?.error?.retryAfterMs ?? Number(res.headers.get('retry-after')) * 1000) / 1000) || 60;
        throw new SignInError(`Too many sign-ins from your network. Please try again in ${s} s.`);
      }
      throw new SignInError("Couldn't sign you in. Please try again.");
    }
    const user = { id: data.user.id, name: data.user.name };
    writeGuest({ token: data.token, user, name: user.name });
    this.use(data.token, user);
  }

  signOut(): void {
    if (this.hostToken) return;
    writeGuest(null);
    this.use(null, null);
  }

  /** The server refused the token: sign out and say why. */
  expire(): void {
    if (!this.hostToken) writeGuest(null);
    this.notice = this.hostToken ? 'tokenRefused' : 'guestEnded';
    this.token = null;
    this.user = null;
    this.client.setToken(null);
    this.emit();
  }

  private use(token: string | null, user: User | null): void {
    this.token = token;
    this.user = user;
    this.notice = null;
    this.client.setToken(token);
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

function readGuest(): StoredGuest | null {
  try {
    const raw = localStorage.getItem(GUEST_KEY);
    if (!raw) return null;
    const g = JSON.parse(raw) as Partial<StoredGuest> | null;
    if (typeof g?.token !== 'string' || typeof g.user?.id !== 'string' || typeof g.user.name !== 'string') return null;
    const exp = claims(g.token)?.exp;
    if (typeof exp === 'number' && exp * 1000 <= Date.now()) return null;
    return { token: g.token, user: { id: g.user.id, name: g.user.name }, name: g.name ?? g.user.name };
  } catch {
    return null;
  }
}

function writeGuest(guest: StoredGuest | null): void {
  try {
    if (guest) localStorage.setItem(GUEST_KEY, JSON.stringify(guest));
    else localStorage.removeItem(GUEST_KEY);
  } catch {
    // Storage can be off (privacy modes, sandboxed frames): the session then lasts for this page.
  }
}

/** The claims of a JWT, unverified: only to show who is signed in; the server checks the token. */
function claims(token: string): Record<string, unknown> | null {
  try {
    const part = token.split('.')[1];
    if (!part) return null;
    const bin = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const json = new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function userOf(token: string): User | null {
  const c = claims(token);
  return typeof c?.sub === 'string' && typeof c.name === 'string' ? { id: c.sub, name: c.name } : null;
}
