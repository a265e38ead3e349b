import { describe, expect, it } from 'vitest';
import { ARTICLE, ann, bob, discussionFixture, gil, mia } from './support/discussion-fixture.js';
import { HeldWords } from '../../server/core/moderation.js';

describe('posting a comment', () => {
  it('stores it, answers the author with it and publishes comment.created to readers and moderators', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const c = await post(ann, 'First!');
    expect(c).toMatchObject({
      articleId: ARTICLE,
      parentId: null,
      rootId: c.id,
      author: { id: ann.id, name: 'Ann' },
      body: 'First!',
      status: 'visible',
    });
    expect(notifier.readerEvents()).toMatchObject([{ seq: 1, type: 'comment.created', comment: { id: c.id, body: 'First!' } }]);
    expect(notifier.modTypes()).toEqual(['comment.created']);
    const snap = await discussion.snapshot(null, ARTICLE);
    expect(snap.comments.map((x) => x.body)).toEqual(['First!']);
    expect(snap.head).toBe(1);
  });

  it('refuses anonymous viewers', async () => {
    const { discussion } = discussionFixture();
    await expect(discussion.post(null, { articleId: ARTICLE, body: 'hi' })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a retry with the same clientId gets the same comment and stores nothing more', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const first = await post(ann, 'Once only', { clientId: 'k1' });
    const again = await post(ann, 'Once only', { clientId: 'k1' });
    expect(again.id).toBe(first.id);
    expect((await discussion.snapshot(null, ARTICLE)).comments).toHaveLength(1);
    expect(notifier.published).toHaveLength(1);
  });

  it('a retry of a stored post is answered even when the rate limit is spent', async () => {
    const { limiter, post } = discussionFixture();
    const first = await post(ann, 'Once only', { clientId: 'k1' });
    limiter.refuse('post');
    await expect(post(ann, 'Once only', { clientId: 'k1' })).resolves.toMatchObject({ id: first.id });
    await expect(post(ann, 'Something else', { clientId: 'k2' })).rejects.toMatchObject({
      code: 'rate_limited',
      extra: { retryAfterMs: 2000 },
    });
  });

  it('the same clientId from another user is another comment', async () => {
    const { post } = discussionFixture();
    const a = await post(ann, 'Mine', { clientId: 'k1' });
    const b = await post(bob, 'Mine too', { clientId: 'k1' });
    expect(b.id).not.toBe(a.id);
    expect(b.body).toBe('Mine too');
  });

  it('a retry that arrives while the first attempt is being stored gets the same comment', async () => {
    const { discussion, limiter, notifier, post } = discussionFixture();
    const [a, b, c] = await Promise.all([
      post(ann, 'Sent three times', { clientId: 'k1' }),
      post(ann, 'Sent three times', { clientId: 'k1' }),
      post(ann, 'Sent three times', { clientId: 'k1' }),
    ]);
    expect(new Set([a.id, b.id, c.id]).size).toBe(1);
    expect((await discussion.snapshot(null, ARTICLE)).comments).toHaveLength(1);
    expect(notifier.published).toHaveLength(1);
    expect(limiter.count('post')).toBe(1);
  });

  it('takes a post point from commenters but not from moderators', async () => {
    const { limiter, post } = discussionFixture();
    await post(ann, 'from Ann');
    await post(mia, 'from Mia');
    expect(limiter.taken).toEqual([{ bucket: 'post', key: ann.id }]);
    limiter.refuse('post');
    await expect(post(ann, 'again')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(post(mia, 'again')).resolves.toMatchObject({ status: 'visible' });
  });

  describe('replies', () => {
    it('a reply belongs to its parent thread and counts as one of the parent replies', async () => {
      const { discussion, post } = discussionFixture();
      const root = await post(ann, 'root');
      const reply = await post(bob, 'reply', { parentId: root.id });
      const nested = await post(ann, 'reply to reply', { parentId: reply.id });
      expect(reply).toMatchObject({ parentId: root.id, rootId: root.id });
      expect(nested).toMatchObject({ parentId: reply.id, rootId: root.id });
      const snap = await discussion.snapshot(null, ARTICLE);
      expect(snap.comments.find((c) => c.id === root.id)?.replyCount).toBe(1);
      expect(snap.comments.find((c) => c.id === reply.id)?.replyCount).toBe(1);
    });

    it('refuses a reply to a comment that does not exist', async () => {
      const { post } = discussionFixture();
      await expect(post(ann, 'hello?', { parentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('refuses a reply to a removed or deleted comment', async () => {
      const { discussion, post } = discussionFixture();
      const removed = await post(ann, 'rude');
      await discussion.remove(mia, { articleId: ARTICLE, commentId: removed.id });
      const deleted = await post(ann, 'oops');
      await discussion.delete(ann, { articleId: ARTICLE, commentId: deleted.id });
      await expect(post(bob, 'reply', { parentId: removed.id })).rejects.toMatchObject({ code: 'not_found' });
      await expect(post(bob, 'reply', { parentId: deleted.id })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('refuses a reply to a held comment, even from its author (it is not public yet)', async () => {
      const { post } = discussionFixture({ premoderation: 'guests' });
      const held = await post(gil, 'waiting');
      expect(held.status).toBe('pending');
      await expect(post(bob, 'reply', { parentId: held.id })).rejects.toMatchObject({ code: 'not_found' });
      await expect(post(gil, 'reply', { parentId: held.id })).rejects.toMatchObject({ code: 'not_found' });
    });

    it('a held reply does not count as a reply until approved', async () => {
      const { discussion, post } = discussionFixture({ heldWords: new HeldWords(['spam']) });
      const root = await post(ann, 'root');
      const held = await post(bob, 'spam reply', { parentId: root.id });
      expect((await discussion.snapshot(null, ARTICLE)).comments.find((c) => c.id === root.id)?.replyCount).toBe(0);
      await discussion.approve(mia, { articleId: ARTICLE, commentId: held.id });
      expect((await discussion.snapshot(null, ARTICLE)).comments.find((c) => c.id === root.id)?.replyCount).toBe(1);
    });
  });

  describe('closed threads', () => {
    it('refuses posts from commenters once a moderator closed the thread, and takes them after reopening', async () => {
      const { discussion, post } = discussionFixture();
      await post(ann, 'before');
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      await expect(post(ann, 'after')).rejects.toMatchObject({ code: 'thread_closed' });
      await discussion.close(mia, { articleId: ARTICLE, closed: false });
      await expect(post(ann, 'after reopening')).resolves.toMatchObject({ status: 'visible' });
    });

    it('moderators may still post in a closed thread', async () => {
      const { discussion, post } = discussionFixture();
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      await expect(post(mia, 'Closed for the night, thanks all')).resolves.toMatchObject({ status: 'visible' });
    });
  });

  describe('bans', () => {
    it('refuses a banned user, and takes their posts again after unban', async () => {
      const { discussion, notifier, post } = discussionFixture();
      await discussion.ban(mia, { userId: bob.id });
      notifier.clear();
      await expect(post(bob, 'let me in')).rejects.toMatchObject({ code: 'banned' });
      expect(notifier.published).toEqual([]);
      await discussion.unban(mia, { userId: bob.id });
      await expect(post(bob, 'thanks')).resolves.toMatchObject({ status: 'visible' });
    });
  });

  describe('held comments', () => {
    it('a comment with a held word reaches only its author and the moderators', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: new HeldWords(['casino']) });
      const c = await post(ann, 'Best Casino in town');
      expect(c).toMatchObject({ status: 'pending', body: 'Best Casino in town' });
      expect(notifier.published).toEqual([]);
      expect(notifier.modEvents).toMatchObject([
        { type: 'comment.held', comment: { id: c.id, heldReason: 'contains a held word: Casino' } },
      ]);
      expect((await discussion.snapshot(bob, ARTICLE)).comments).toEqual([]);
      expect((await discussion.snapshot(ann, ARTICLE)).comments.map((x) => x.id)).toEqual([c.id]);
      expect((await discussion.queue(mia)).map((q) => [q.comment.id, q.reason])).toEqual([[c.id, 'held']]);
    });

    it('premoderation of guests holds guests and lets signed-in users through', async () => {
      const { post } = discussionFixture({ premoderation: 'guests' });
      expect((await post(gil, 'guest text')).status).toBe('pending');
      expect((await post(ann, 'member text')).status).toBe('visible');
    });
  });

  describe('the same body twice', () => {
    it('refuses the same body from the same user within the window, whatever its case', async () => {
      const { post } = discussionFixture({ duplicateBodySeconds: 600 });
      await post(ann, 'Great article', { clientId: 'k1' });
      await expect(post(ann, 'GREAT ARTICLE', { clientId: 'k2' })).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(post(ann, 'Great article')).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('lets another user say the same, a moderator repeat themself, and the same clientId retry', async () => {
      const { post } = discussionFixture({ duplicateBodySeconds: 600 });
      const first = await post(ann, 'Great article', { clientId: 'k1' });
      await expect(post(bob, 'Great article')).resolves.toMatchObject({ status: 'visible' });
      await expect(post(ann, 'Great article', { clientId: 'k1' })).resolves.toMatchObject({ id: first.id });
      await post(mia, 'Please stay on topic');
      await expect(post(mia, 'Please stay on topic')).resolves.toMatchObject({ status: 'visible' });
    });

    it('takes the same body twice when the duplicate check is off', async () => {
      const { post } = discussionFixture();
      await post(ann, 'Great article');
      await expect(post(ann, 'Great article')).resolves.toMatchObject({ status: 'visible' });
    });
  });
});
