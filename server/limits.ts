/**
 * Rate limits with rate-limiter-flexible: Redis-backed (shared by every node) or in memory.
 */
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateSpec } from './config.js';
import { DomainError } from './core/errors.js';
import type { RateBucket } from './core/ports.js';

/** Reports per user: generous for a reader, useless for a flood. */
export const REPORT_RATE = { points: 10, seconds: 60 } as const;
/** Personal data exports per user: each reads their whole history. */
export const EXPORT_RATE = { points: 5, seconds: 3600 } as const;

/**
 * Limiters for the given buckets; a bucket without a spec (or `off`) is unlimited. With `redis`,
 * shared by every node; without, this process only. rate-limiter-flexible's memory store expires
 * each key with its window, so a flood of distinct keys does not stay in memory.
 */
export function createLimiter<B extends string = RateBucket>(
  specs: Partial<Record<B, NonNullable<RateSpec> | null>>,
  redis?: Redis | Cluster,
  onRefused: (bucket: B) => void = () => undefined,
  prefix = 'lt:rl',
): { consume(bucket: B, key: string): Promise<void> } {
  const limiters = new Map<B, RateLimiterAbstract>();
  for (const [bucket, spec] of Object.entries(specs) as [B, RateSpec][]) {
    if (!spec) continue;
    const opts = { keyPrefix: `${prefix}:${bucket}`, points: spec.points, duration: spec.seconds };
    limiters.set(
      bucket,
      redis ? new RateLimiterRedis({ ...opts, storeClient: redis, useRedisPackage: false }) : new RateLimiterMemory(opts),
    );
  }
  return {
    async consume(bucket, key) {
      const limiter = limiters.get(bucket);
      if (!limiter) return;
      try {
        await limiter.consume(key);
      } catch (e) {
        if (e instanceof RateLimiterRes) {
          onRefused(bucket);
          throw new DomainError('rate_limited', 'too many requests; wait a moment', {
            retryAfterMs: Math.max(1, Math.ceil(e.msBeforeNext)),
          });
        }
        throw e;
      }
    },
  };
}
