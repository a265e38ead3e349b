/**
 * AbuseStore: short-lived facts for abuse checks.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore } from '../../../server/core/ports.js';
import { useStore, type StoreFactory } from './fixture.js';

export function abuseContract(storeName: string, factory: StoreFactory): void {
  describe(`AbuseStore contract: ${storeName}`, () => {
    const { ctx } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });

    it('refuses the same body from the same user under another clientId until it expires', async () => {
      const user = `dup-${article}`;
      expect(await store.claimBody(user, 'h1', 'client-a', 600)).toBe(true);
      expect(await store.claimBody(user, 'h1', 'client-a', 600)).toBe(true);
      expect(await store.claimBody(user, 'h1', 'client-b', 600)).toBe(false);
      expect(await store.claimBody(user, 'h2', 'client-b', 600)).toBe(true);
      expect(await store.claimBody(`${user}-2`, 'h1', 'client-b', 600)).toBe(true);
    });

    it('counts the distinct articles a text went to, within its window', async () => {
      const h = `body-${article}`;
      expect(await store.noteBody(h, 'a1', 3600)).toBe(1);
      expect(await store.noteBody(h, 'a1', 3600)).toBe(1);
      expect(await store.noteBody(h, 'a2', 3600)).toBe(2);
      expect(await store.noteBody(h, 'a3', 3600)).toBe(3);
      expect(await store.noteBody(`other-${article}`, 'a1', 3600)).toBe(1);
    });
  });
}
