import { describe, expect, it } from 'vitest';
import { HeldWords } from '../../server/core/moderation.js';
import { ARTICLE, EDIT_WINDOW_MS, ann, bob, discussionFixture, gil, mia } from './support/discussion-fixture.js';
import type { User } from '../../server/core/ports.js';

const words = new HeldWords(['casino']);

async function bodyFor(d: ReturnType<typeof discussionFixture>['discussion'], viewer: User | null, id: string) {
  return (await d.snapshot(viewer, ARTICLE)).comments.find((c) => c.id === id);
}

describe('editing a comment', () => {
  it('changes the text for everyone and publishes comment.edited with the new text', async () => {
    const { discussion, notifier, clock, post } = discussionFixture();
    const c = await post(ann, 'teh typo');
    notifier.clear();
    clock.advance(60_000);
    const edited = await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'the typo' });
    expect(edited).toMatchObject({ body: 'the typo', editedAt: clock.now().toISOString() });
    expect(notifier.readerEvents()).toMatchObject([{ seq: 2, type: 'comment.edited', comment: { id: c.id, body: 'the typo' } }]);
    expect(notifier.modTypes()).toEqual(['comment.edited']);
    expect((await bodyFor(discussion, bob, c.id))?.body).toBe('the typo');
  });

  it('only the author may edit', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'mine');
    await expect(discussion.edit(bob, { articleId: ARTICLE, commentId: c.id, body: 'yours' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(discussion.edit(mia, { articleId: ARTICLE, commentId: c.id, body: 'moderated' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(discussion.edit(null, { articleId: ARTICLE, commentId: c.id, body: 'anon' })).rejects.toMatchObject({
      code: 'unauthorized',
    });
    expect((await bodyFor(discussion, null, c.id))?.body).toBe('mine');
  });

  it('an edit with the same text changes nothing and publishes nothing', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const c = await post(ann, 'same');
    notifier.clear();
    await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'same' });
    expect(notifier.published).toEqual([]);
    expect((await bodyFor(discussion, null, c.id))?.editedAt).toBeNull();
  });

  it('is possible until the edit window ends and refused after it', async () => {
    const { discussion, clock, post } = discussionFixture();
    const c = await post(ann, 'v1');
    clock.advance(EDIT_WINDOW_MS);
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v2' })).resolves.toMatchObject({ body: 'v2' });
    clock.advance(1);
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v3' })).rejects.toMatchObject({
      code: 'edit_window_closed',
    });
    expect((await bodyFor(discussion, null, c.id))?.body).toBe('v2');
  });

  it('refuses edits of removed and deleted comments', async () => {
    const { discussion, post } = discussionFixture();
    const removed = await post(ann, 'rude');
    const deleted = await post(ann, 'oops');
    await discussion.remove(mia, { articleId: ARTICLE, commentId: removed.id });
    await discussion.delete(ann, { articleId: ARTICLE, commentId: deleted.id });
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: removed.id, body: 'nice now' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: deleted.id, body: 'back' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses edits from a banned author', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(bob, 'before the ban');
    await discussion.ban(mia, { userId: bob.id });
    await expect(discussion.edit(bob, { articleId: ARTICLE, commentId: c.id, body: 'after the ban' })).rejects.toMatchObject({
      code: 'banned',
    });
    expect((await bodyFor(discussion, null, c.id))?.body).toBe('before the ban');
  });

  it('refuses edits in a closed thread, except from moderators', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'v1');
    const m = await post(mia, 'note');
    await discussion.close(mia, { articleId: ARTICLE, closed: true });
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v2' })).rejects.toMatchObject({
      code: 'thread_closed',
    });
    await expect(discussion.edit(mia, { articleId: ARTICLE, commentId: m.id, body: 'note, amended' })).resolves.toMatchObject({
      body: 'note, amended',
    });
    expect((await bodyFor(discussion, null, c.id))?.body).toBe('v1');
  });

  it('takes an edit point from commenters and refuses when it is spent', async () => {
    const { discussion, limiter, post } = discussionFixture();
    const c = await post(ann, 'v1');
    await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v2' });
    expect(limiter.count('edit')).toBe(1);
    limiter.refuse('edit', 5000);
    await expect(discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'v3' })).rejects.toMatchObject({
      code: 'rate_limited',
      extra: { retryAfterMs: 5000 },
    });
  });

  describe('moderation of edits', () => {
    it('an edit bringing in a held word is held: readers keep the approved text, nothing is published', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      notifier.clear();
      const answer = await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      expect(answer).toMatchObject({ body: 'Nice casino town', editPending: true, status: 'visible' });
      expect(notifier.published).toEqual([]);
      expect(notifier.modEvents).toMatchObject([
        {
          type: 'comment.held',
          comment: { id: c.id, body: 'Nice town', pendingEdit: { body: 'Nice casino town', reason: 'edit: contains a held word: casino' } },
        },
      ]);
      expect(await bodyFor(discussion, bob, c.id)).toMatchObject({ body: 'Nice town' });
      expect((await bodyFor(discussion, bob, c.id))?.editPending).toBeUndefined();
      expect(await bodyFor(discussion, null, c.id)).toMatchObject({ body: 'Nice town' });
      const queue = await discussion.queue(mia);
      expect(queue).toMatchObject([{ reason: 'held', comment: { id: c.id, moderation: { pendingEdit: { body: 'Nice casino town' } } } }]);
    });

    it('the author sees their held edit in place of the public text, marked editPending', async () => {
      const { discussion, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      expect(await bodyFor(discussion, ann, c.id)).toMatchObject({ body: 'Nice casino town', editPending: true });
    });

    it('a catch-up after a held edit carries the approved text to readers', async () => {
      const { discussion, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      const r = await discussion.join(bob, { articleId: ARTICLE, since: 0, epoch: 'epoch-1' });
      expect(r).toMatchObject({ events: [{ type: 'comment.created', comment: { body: 'Nice town' } }] });
    });

    it('approving a held edit publishes it as comment.edited and takes it off the queue', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      notifier.clear();
      await discussion.approve(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.readerEvents()).toMatchObject([{ type: 'comment.edited', comment: { body: 'Nice casino town' } }]);
      expect(await bodyFor(discussion, bob, c.id)).toMatchObject({ body: 'Nice casino town' });
      expect(await discussion.queue(mia)).toEqual([]);
    });

    it('a clean edit after a held one replaces it, goes public and leaves the queue', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      notifier.clear();
      const answer = await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice old town' });
      expect(answer.editPending).toBeUndefined();
      expect(notifier.readerEvents()).toMatchObject([{ type: 'comment.edited', comment: { body: 'Nice old town' } }]);
      expect(await bodyFor(discussion, mia, c.id)).toMatchObject({ body: 'Nice old town', moderation: { pendingEdit: null } });
      expect(await discussion.queue(mia)).toEqual([]);
    });

    it('premoderation of guests holds a guest edit of an approved comment', async () => {
      const { discussion, notifier, post } = discussionFixture({ premoderation: 'guests' });
      const c = await post(gil, 'guest text');
      await discussion.approve(mia, { articleId: ARTICLE, commentId: c.id });
      notifier.clear();
      const answer = await discussion.edit(gil, { articleId: ARTICLE, commentId: c.id, body: 'guest text, changed' });
      expect(answer).toMatchObject({ body: 'guest text, changed', editPending: true });
      expect(notifier.published).toEqual([]);
      expect(await bodyFor(discussion, bob, c.id)).toMatchObject({ body: 'guest text' });
      expect((await discussion.queue(mia)).map((q) => q.comment.id)).toEqual([c.id]);
    });

    it('a held comment edited stays held with its new text, and readers never see either', async () => {
      const { discussion, notifier, post } = discussionFixture({ premoderation: 'guests' });
      const c = await post(gil, 'first text');
      notifier.clear();
      const answer = await discussion.edit(gil, { articleId: ARTICLE, commentId: c.id, body: 'second text' });
      expect(answer).toMatchObject({ status: 'pending', body: 'second text' });
      expect(notifier.published).toEqual([]);
      expect(await bodyFor(discussion, bob, c.id)).toBeUndefined();
      expect(await discussion.queue(mia)).toMatchObject([
        { reason: 'held', comment: { id: c.id, status: 'pending', body: 'second text' } },
      ]);
    });

    it('a held comment edited clean is still held until a moderator approves it', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'casino night');
      notifier.clear();
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'quiz night' });
      expect(notifier.published).toEqual([]);
      expect(await bodyFor(discussion, bob, c.id)).toBeUndefined();
      expect((await discussion.queue(mia)).map((q) => q.comment.id)).toEqual([c.id]);
    });

    it('approving with the version the moderator saw is refused with conflict after a later edit', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: words });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      const seen = (await discussion.queue(mia))[0]!.comment.moderation!.version;
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Visit my casino: link' });
      notifier.clear();
      await expect(discussion.approve(mia, { articleId: ARTICLE, commentId: c.id, version: seen })).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(notifier.published).toEqual([]);
      expect(await bodyFor(discussion, bob, c.id)).toMatchObject({ body: 'Nice town' });
      const now = (await discussion.queue(mia))[0]!.comment.moderation!.version;
      await discussion.approve(mia, { articleId: ARTICLE, commentId: c.id, version: now });
      expect(await bodyFor(discussion, bob, c.id)).toMatchObject({ body: 'Visit my casino: link' });
    });

    it('approving a held comment with a stale version is refused with conflict', async () => {
      const { discussion, post } = discussionFixture({ premoderation: 'guests' });
      const c = await post(gil, 'first');
      const seen = (await discussion.queue(mia))[0]!.comment.moderation!.version;
      await discussion.edit(gil, { articleId: ARTICLE, commentId: c.id, body: 'second' });
      await expect(discussion.approve(mia, { articleId: ARTICLE, commentId: c.id, version: seen })).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await bodyFor(discussion, bob, c.id)).toBeUndefined();
    });
  });
});
