/**
 * AuditStore: every moderator action, in order.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CommentStore } from '../../../server/core/ports.js';
import { at, useStore, type StoreFactory } from './fixture.js';

export function auditContract(storeName: string, factory: StoreFactory): void {
  describe(`AuditStore contract: ${storeName}`, () => {
    const { ctx } = useStore(factory);
    let store: CommentStore;
    let article: string;
    beforeEach(() => {
      store = ctx.store;
      article = ctx.article;
    });

    it('keeps the audit log in order', async () => {
      const entry = (i: number) => ({
        id: `${article}-${i}`,
        at,
        moderator: { id: 'm', name: 'M' },
        action: 'remove' as const,
        articleId: article,
        commentId: `c${i}`,
        userId: null,
        reason: null,
      });
      for (let i = 0; i < 3; i++) await store.appendAudit(entry(i));
      const log = (await store.auditLog(1000)).filter((e) => e.articleId === article);
      expect(log.map((e) => e.id)).toEqual([0, 1, 2].map((i) => `${article}-${i}`));
    });
  });
}
