/**
 * What every part of the store contract shares: a fresh store and article per test, and helpers
 * to write comments.
 */
import { beforeEach } from 'vitest';
import type { CommentStore, NewComment } from '../../../server/core/ports.js';

export interface StoreFactory {
  /** A fresh, empty store keeping `logSize` events per article. */
  create(opts: { logSize: number }): Promise<CommentStore>;
  teardown?(): Promise<void>;
}

let n = 0;
export const at = '2026-01-01T00:00:00.000Z';

/** Sets a fresh store (a log of 5 events) and article before each test of the calling describe. */
export function useStore(factory: StoreFactory) {
  const ctx = { store: null as unknown as CommentStore, article: '' };
  beforeEach(async () => {
    ctx.store = await factory.create({ logSize: 5 });
    ctx.article = `art-${++n}-${Math.random().toString(36).slice(2)}`;
  });
  const comment = (over: Partial<NewComment> = {}): NewComment => {
    const id = over.id ?? `c${++n}`;
    return {
      id,
      articleId: ctx.article,
      parentId: null,
      rootId: id,
      author: { id: 'u1', name: 'Ann' },
      body: `body ${id}`,
      status: 'visible',
      createdAt: at,
      ...over,
    };
  };
  const post = async (over: Partial<NewComment> = {}, publish = true, clientKey: string | null = null) => {
    const r = await ctx.store.create({ comment: comment(over), clientKey, publish, rejectIfClosed: true, epochCandidate: 'ep1', at });
    if (r.kind !== 'created') throw new Error(`expected created, got ${r.kind}`);
    return r;
  };
  return { ctx, comment, post };
}
