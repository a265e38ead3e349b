/**
 * A Discussion wired to the real MemoryStore and fakes for everything with a side effect or a
 * time: a notifier that records, a settable clock and a rate limiter told what to refuse.
 */
import { createHash } from 'node:crypto';
import { Discussion, type DiscussionConfig } from '../../../server/core/discussion.js';
import { DomainError } from '../../../server/core/errors.js';
import type { Clock, ModEvent, Notifier, RateBucket, RateLimiter, StoredEvent, User } from '../../../server/core/ports.js';
import { eventView } from '../../../server/core/thread.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import type { Comment, ThreadEvent } from '../../../shared/schemas.js';

export const ARTICLE = 'news/2026/a-story';
export const ann: User = { id: 'u-ann', name: 'Ann', role: 'commenter' };
export const bob: User = { id: 'u-bob', name: 'Bob', role: 'commenter' };
export const gil: User = { id: 'g-gil', name: 'Gil', role: 'commenter', guest: true };
export const mia: User = { id: 'm-mia', name: 'Mia', role: 'moderator' };

/** Remembers what the core handed to the notifier, as it was at that moment. */
export class RecordingNotifier implements Notifier {
  readonly published: StoredEvent[] = [];
  readonly modEvents: ModEvent[] = [];

  publish(event: StoredEvent): void {
    this.published.push(structuredClone(event));
  }

  moderators(event: ModEvent): void {
    this.modEvents.push(structuredClone(event));
  }

  /** The public events as a reader receives them. */
  readerEvents(): ThreadEvent[] {
    return this.published.map((e) => eventView(e, false));
  }

  publishedTypes(): string[] {
    return this.published.map((e) => e.type);
  }

  modTypes(): string[] {
    return this.modEvents.map((e) => e.type);
  }

  clear(): void {
    this.published.length = 0;
    this.modEvents.length = 0;
  }
}

export class FakeClock implements Clock {
  private t = Date.parse('2026-03-01T12:00:00.000Z');

  now(): Date {
    return new Date(this.t);
  }

  advance(ms: number): void {
    this.t += ms;
  }
}

/** Grants every point unless told to refuse a bucket; records what was taken. */
export class FakeRateLimiter implements RateLimiter {
  readonly taken: { bucket: RateBucket; key: string }[] = [];
  private readonly refused = new Map<RateBucket, number>();

  refuse(bucket: RateBucket, retryAfterMs = 2000): void {
    this.refused.set(bucket, retryAfterMs);
  }

  async consume(bucket: RateBucket, key: string): Promise<void> {
    const retryAfterMs = this.refused.get(bucket);
    if (retryAfterMs !== undefined) throw new DomainError('rate_limited', 'slow down', { retryAfterMs });
    this.taken.push({ bucket, key });
  }

  count(bucket: RateBucket): number {
    return this.taken.filter((t) => t.bucket === bucket).length;
  }
}

export const EDIT_WINDOW_MS = 15 * 60 * 1000;
export const EPOCH = 'epoch-1';

export function discussionFixture(config: Partial<DiscussionConfig> = {}, opts: { logSize?: number } = {}) {
  const store = new MemoryStore(opts.logSize === undefined ? {} : { logSize: opts.logSize });
  const notifier = new RecordingNotifier();
  const clock = new FakeClock();
  const limiter = new FakeRateLimiter();
  let n = 0;
  const discussion = new Discussion({
    store,
    notifier,
    clock,
    limiter,
    ids: { commentId: () => `c${++n}`, epoch: () => EPOCH, auditId: () => `a${++n}` },
    hash: (text) => createHash('sha256').update(text).digest('base64url'),
    config: { editWindowMs: EDIT_WINDOW_MS, premoderation: 'off', ...config },
  });
  /** Posts a comment and returns it as its author got it. */
  const post = (user: User, body: string, extra: { parentId?: string; clientId?: string } = {}): Promise<Comment> =>
    discussion.post(user, { articleId: ARTICLE, body, ...extra });
  return { discussion, store, notifier, clock, limiter, post };
}
