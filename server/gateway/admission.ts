/**
 * What one connection, and one client address, may ask of a node at once.
 *
 * - A socket's reads (answers built from the store) run at most `concurrent` at a time; more wait
 *   in a short queue (a widget re-joining fifty threads after a reconnect waits, it is not
 *   refused); past the queue they are refused. Writes do not queue behind reads or each other: a
 *   write waits only for the store, so that it is answered (or refused `unavailable`) in bounded
 *   time; writes are bounded by the rates below and per user (POST_RATE, EDIT_RATE).
 * - A socket spends a token per request, refilled at `perSecond` up to `burst`.
 * - An address has at most `perAddress` requests running across its sockets.
 * - A read (join, page, replies) is refused *before* its answer is built when the socket has not
 *   read what it was already sent (`maxUnreadBytes`): a client that stops reading cannot make the
 *   node build and queue answers for it.
 *
 * Per-socket state lives on the socket and is a few numbers; the per-address map holds only
 * addresses with a request running, so neither grows with what clients send.
 */
import { DomainError } from '../core/errors.js';

export interface AdmissionLimits {
  concurrent: number;
  queue: number;
  /** Requests per second per socket (Infinity: no rate). */
  perSecond: number;
  burst: number;
  perAddress: number;
  maxUnreadBytes: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = {
  concurrent: 4,
  queue: 64,
  perSecond: 20,
  burst: 60,
  perAddress: 256,
  maxUnreadBytes: 1024 * 1024,
};

/** The admission state of one socket. */
export interface Slot {
  running: number;
  tokens: number;
  refilledAt: number;
  waiting: (() => void)[] | null;
}

export function newSlot(limits: AdmissionLimits, now: number): Slot {
  return { running: 0, tokens: limits.burst, refilledAt: now, waiting: null };
}

const refused = (message: string, retryAfterMs = 1000) => new DomainError('rate_limited', message, { retryAfterMs });

export class Admission {
  private readonly byAddress = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {}

  /**
   * Waits for a place for one request of `slot` (from `address`); throws `rate_limited` when the
   * socket or the address asks too much. Every resolved call must be followed by `leave`.
   */
  async enter(slot: Slot, address: string, now: number, read: boolean): Promise<void> {
    const l = this.limits;
    if (Number.isFinite(l.perSecond)) {
      slot.tokens = Math.min(l.burst, slot.tokens + ((now - slot.refilledAt) / 1000) * l.perSecond);
      slot.refilledAt = now;
      if (slot.tokens < 1)
        throw refused('too many requests on this connection; slow down', Math.ceil(((1 - slot.tokens) / l.perSecond) * 1000));
      slot.tokens -= 1;
    }
    if (read) {
      if (slot.running >= l.concurrent) {
        const waiting = (slot.waiting ??= []);
        if (waiting.length >= l.queue) throw refused('too many requests waiting on this connection');
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else slot.running++;
    }
    const n = this.byAddress.get(address) ?? 0;
    if (n >= l.perAddress) {
      if (read) this.release(slot);
      throw refused('too many requests from this address at once');
    }
    this.byAddress.set(address, n + 1);
  }

  leave(slot: Slot, address: string, read: boolean): void {
    const n = (this.byAddress.get(address) ?? 1) - 1;
    if (n <= 0) this.byAddress.delete(address);
    else this.byAddress.set(address, n);
    if (read) this.release(slot);
  }

  /** Refuses a read for a socket with more than `maxUnreadBytes` not yet taken by its client. */
  checkUnread(unreadBytes: number): void {
    if (unreadBytes > this.limits.maxUnreadBytes) throw refused('read what was sent before asking for more');
  }

  /** Addresses with a request running (for tests and metrics). */
  get addresses(): number {
    return this.byAddress.size;
  }

  private release(slot: Slot): void {
    const next = slot.waiting?.shift();
    // The place passes straight to the next waiter: `running` stays the same.
    if (next) next();
    else slot.running--;
    if (slot.waiting?.length === 0) slot.waiting = null;
  }
}
