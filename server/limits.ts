/**
 * Rate limits with rate-limiter-flexible: Redis-backed (shared by every node) or in memory.
 */
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateSpec } from './config.js';
import { DomainError } from './core/errors.js';
import type { RateBucket, RateLimiter } from './core/ports.js';

/** Reports per user: generous for a reader, useless for a flood. */
export const REPORT_RATE = { points: 10, seconds: 60 } as const;

export function createLimiter(
  specs: Record<RateBucket, NonNullable<RateSpec> | null>,
  redis?: Redis | Cluster,
  onRefused: (bucket: RateBucket) => void = () => undefined,
  prefix = 'lt:rl',
): RateLimiter {
  const limiters = new Map<RateBucket, RateLimiterAbstract>();
  for (const [bucket, spec] of Object.entries(specs) as [RateBucket, RateSpec][]) {
    if (!spec) continue;
    const opts = { keyPrefix: `${prefix}:${bucket}`, points: spec.points, duration: spec.seconds };
    limiters.set(bucket, redis ? new RateLimiterRedis({ ...opts, storeClient: redis, useRedisPackage: false }) : new RateLimiterMemory(opts));
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
          throw new DomainError('rate_limited', 'too many requests; wait a moment', { retryAfterMs: Math.max(1, Math.ceil(e.msBeforeNext)) });
        }
        throw e;
      }
    },
  };
}
