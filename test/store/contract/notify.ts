/**
 * The contract of the notification ports (ports.ts: WebhookStore, MailStore), run against every
 * implementation: `notifyContract(name, factory)`. Each call of the factory gives stores that
 * share nothing with the previous ones.
 */
import { describe, expect, it } from 'vitest';
import type { MailStore, WebhookDelivery, WebhookEndpointState, WebhookStore } from '../../../server/core/ports.js';

export interface NotifyFactory {
  create(): Promise<{ hooks: WebhookStore; mail: MailStore }>;
}

const state = (mark: number): WebhookEndpointState => ({
  since: '2026-12-01T06:00:00.000Z',
  mark,
  activity: 3,
  failures: 0,
  failingSince: null,
  retryAt: null,
  failing: false,
  lastSuccessAt: null,
  lastError: null,
  replaySince: null,
});

const delivery = (i: number): WebhookDelivery => ({
  at: new Date(1_700_000_000_000 + i).toISOString(),
  endpoint: 'https://a.example/…',
  webhookId: `evt_${i}`,
  type: 'comment.created',
  status: 204,
  ok: true,
  latencyMs: i,
  error: null,
});

export function notifyContract(name: string, factory: NotifyFactory): void {
  describe(`WebhookStore: ${name}`, () => {
    it('marks articles with increasing marks, keeps only the newest per article, answers after a mark in order', async () => {
      const { hooks } = await factory.create();
      expect(await hooks.changedSince(0, 10)).toEqual({ head: 0, articles: [] });
      const m1 = await hooks.markChanged('a');
      const m2 = await hooks.markChanged('b');
      const m3 = await hooks.markChanged('a');
      expect([m1, m2, m3]).toEqual([1, 2, 3]);
      expect(await hooks.changedSince(0, 10)).toEqual({
        head: 3,
        articles: [
          { articleId: 'b', mark: 2 },
          { articleId: 'a', mark: 3 },
        ],
      });
      expect((await hooks.changedSince(2, 10)).articles).toEqual([{ articleId: 'a', mark: 3 }]);
      expect((await hooks.changedSince(0, 1)).articles).toEqual([{ articleId: 'b', mark: 2 }]);
      expect((await hooks.changedSince(3, 10)).articles).toEqual([]);
    });

    it('keeps a cursor per endpoint and article, and a state per endpoint', async () => {
      const { hooks } = await factory.create();
      expect(await hooks.cursor('e1', 'a')).toBeNull();
      await hooks.setCursor('e1', 'a', { epoch: 'x|y', seq: 4 });
      await hooks.setCursor('e1', 'a', { epoch: 'x|y', seq: 5 });
      expect(await hooks.cursor('e1', 'a')).toEqual({ epoch: 'x|y', seq: 5 });
      expect(await hooks.cursor('e2', 'a')).toBeNull();
      expect(await hooks.endpointState('e1')).toBeNull();
      await hooks.setEndpointState('e1', state(7));
      expect(await hooks.endpointState('e1')).toEqual(state(7));
    });

    it('gives the lease to one holder at a time, renews it for that holder, and ends it on release or expiry', async () => {
      const { hooks } = await factory.create();
      expect(await hooks.claimLease('e', 'n1', 300)).toBe(true);
      expect(await hooks.claimLease('e', 'n2', 300)).toBe(false);
      expect(await hooks.claimLease('e', 'n1', 300)).toBe(true);
      await hooks.releaseLease('e', 'n2');
      expect(await hooks.claimLease('e', 'n2', 300)).toBe(false);
      await hooks.releaseLease('e', 'n1');
      expect(await hooks.claimLease('e', 'n2', 100)).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(await hooks.claimLease('e', 'n1', 100)).toBe(true);
      expect(await hooks.claimLease('other', 'n2', 100)).toBe(true);
    });

    it('keeps the newest 200 deliveries, newest first', async () => {
      const { hooks } = await factory.create();
      for (let i = 0; i < 205; i++) await hooks.appendDelivery(delivery(i));
      const all = await hooks.deliveries(1000);
      expect(all).toHaveLength(200);
      expect(all[0]).toEqual(delivery(204));
      expect(all.at(-1)).toEqual(delivery(5));
      expect((await hooks.deliveries(2)).map((d) => d.webhookId)).toEqual(['evt_204', 'evt_203']);
    });
  });

  describe(`MailStore: ${name}`, () => {
    it('batches comments per key, bounded, due in order, rescheduled and finished', async () => {
      const { mail } = await factory.create();
      const batch = (key: string, sendAt: number) => ({ key, id: `id-${key}`, userId: 'u', articleId: 'a', rootId: 'r', sendAt });
      expect(await mail.queueMail(batch('k1', 200), 'c1')).toBe('created');
      expect(await mail.queueMail(batch('k1', 999), 'c2')).toBe('added');
      expect(await mail.queueMail(batch('k1', 999), 'c2')).toBe('added');
      expect(await mail.queueMail(batch('k2', 100), 'c3')).toBe('created');
      expect(await mail.dueMail(50, 10)).toEqual([]);
      expect(await mail.dueMail(1000, 10)).toEqual([
        { ...batch('k2', 100), commentIds: ['c3'] },
        { ...batch('k1', 200), commentIds: ['c1', 'c2'] },
      ]);
      await mail.reschedule('k2', 300);
      expect((await mail.dueMail(250, 10)).map((b) => b.key)).toEqual(['k1']);
      await mail.finishMail('k1');
      expect((await mail.dueMail(1000, 10)).map((b) => b.key)).toEqual(['k2']);
      for (let i = 0; i < 60; i++) await mail.queueMail(batch('k3', 1), `m${i}`);
      expect((await mail.dueMail(1, 10))[0]!.commentIds).toHaveLength(50);
    });

    it('keeps people, followers (bounded), watching notes that expire, last-mailed times and moderators', async () => {
      const { mail } = await factory.create();
      expect(await mail.person('p')).toBeNull();
      const p = {
        userId: 'p',
        name: 'P',
        email: 'p@example.test',
        pending: null,
        replies: true,
        digest: 'daily' as const,
        none: false,
        follows: ['a\nr'],
        muted: [],
      };
      await mail.savePerson(p);
      expect(await mail.person('p')).toEqual(p);
      expect(await mail.setFollower('a', 'r', 'p', true)).toBe(true);
      expect(await mail.setFollower('a', 'r', 'q', true)).toBe(true);
      expect((await mail.followers('a', 'r', 10)).sort()).toEqual(['p', 'q']);
      await mail.setFollower('a', 'r', 'q', false);
      expect(await mail.followers('a', 'r', 10)).toEqual(['p']);
      await mail.noteWatching([{ userId: 'p', articleId: 'a' }], 150);
      expect(await mail.isWatching('p', 'a')).toBe(true);
      expect(await mail.isWatching('p', 'b')).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
      expect(await mail.isWatching('p', 'a')).toBe(false);
      expect(await mail.lastMailed('p', 'a\nr')).toBeNull();
      await mail.setLastMailed('p', 'a\nr', Date.now());
      expect(await mail.lastMailed('p', 'a\nr')).toBeGreaterThan(Date.now() - 1000);
      await mail.setModerator('p', true);
      expect(await mail.moderators()).toEqual(['p']);
      await mail.forgetPerson('p');
      expect(await mail.person('p')).toBeNull();
      expect(await mail.moderators()).toEqual([]);
      expect(await mail.lastMailed('p', 'a\nr')).toBeNull();
    });

    it('keeps a last-mailed time at least 48 hours (the daily queue digest coalesces against it)', async () => {
      const { mail } = await factory.create();
      const dayAndAHalfAgo = Date.now() - 36 * 3600_000;
      await mail.setLastMailed('p', 'a\nr', dayAndAHalfAgo);
      await mail.setLastMailed('q', 'a\nr', Date.now());
      expect(await mail.lastMailed('p', 'a\nr')).toBe(dayAndAHalfAgo);
    });

    it('refuses a follower past 1,000 per thread', async () => {
      const { mail } = await factory.create();
      for (let i = 0; i < 1000; i++) await mail.setFollower('big', 'r', `u${i}`, true);
      expect(await mail.setFollower('big', 'r', 'late', true)).toBe(false);
      expect(await mail.setFollower('big', 'r', 'u5', true)).toBe(true);
    });
  });
}
