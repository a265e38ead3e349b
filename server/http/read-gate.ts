/**
 * Anonymous HTTP reads (a thread, its events, a thread's replies) per client address: a rate
 * (READ_RATE, shared with the socket reads of the same address) and a number answered at once.
 * The map holds only addresses with a read in progress.
 */
import type { Request, Response } from 'express';
import { DomainError } from '../core/errors.js';
import { addressKey } from '../gateway/connections.js';

export interface ReadGate {
  /** Admits one read, or throws rate_limited; the place is given back when the response ends. */
  enter(req: Request, res: Response): Promise<void>;
}

export function createReadGate(readLimit: (address: string) => Promise<void>, atOnce = 16): ReadGate {
  const running = new Map<string, number>();
  return {
    async enter(req, res) {
      // req.ip follows `trust proxy`, which is set from TRUST_PROXY like the socket side.
      const key = addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      await readLimit(key);
      const n = running.get(key) ?? 0;
      if (n >= atOnce) throw new DomainError('rate_limited', 'too many requests from this address at once', { retryAfterMs: 1000 });
      running.set(key, n + 1);
      res.once('close', () => {
        const left = (running.get(key) ?? 1) - 1;
        if (left <= 0) running.delete(key);
        else running.set(key, left);
      });
    },
  };
}
