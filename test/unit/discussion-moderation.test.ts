import { describe, expect, it } from 'vitest';
import { HeldWords } from '../../server/core/moderation.js';
import { ARTICLE, ann, bob, discussionFixture, gil, mia } from './support/discussion-fixture.js';

const byId = (id: string) => (c: { id: string }) => c.id === id;

describe('deleting a comment', () => {
  it('leaves readers a tombstone and publishes comment.deleted without the text', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const c = await post(ann, 'regret');
    notifier.clear();
    await discussion.delete(ann, { articleId: ARTICLE, commentId: c.id });
    expect(notifier.readerEvents()).toMatchObject([
      { type: 'comment.deleted', comment: { id: c.id, status: 'deleted', body: null, author: null } },
    ]);
    expect(notifier.modTypes()).toEqual(['comment.deleted']);
    expect((await discussion.snapshot(bob, ARTICLE)).comments.find(byId(c.id))).toMatchObject({
      status: 'deleted',
      body: null,
      author: null,
    });
    expect(await discussion.counts([ARTICLE])).toEqual({ [ARTICLE]: 0 });
  });

  it('only the author may delete', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'mine');
    await expect(discussion.delete(bob, { articleId: ARTICLE, commentId: c.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(discussion.delete(mia, { articleId: ARTICLE, commentId: c.id })).rejects.toMatchObject({ code: 'forbidden' });
    expect((await discussion.snapshot(null, ARTICLE)).comments.find(byId(c.id))?.body).toBe('mine');
  });

  it('deleting twice publishes once', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const c = await post(ann, 'regret');
    notifier.clear();
    await discussion.delete(ann, { articleId: ARTICLE, commentId: c.id });
    await discussion.delete(ann, { articleId: ARTICLE, commentId: c.id });
    expect(notifier.publishedTypes()).toEqual(['comment.deleted']);
  });

  it('a held comment deleted by its author is no public event and leaves the queue', async () => {
    const { discussion, notifier, post } = discussionFixture({ premoderation: 'all' });
    const c = await post(ann, 'never mind');
    notifier.clear();
    await discussion.delete(ann, { articleId: ARTICLE, commentId: c.id });
    expect(notifier.published).toEqual([]);
    expect(notifier.modTypes()).toEqual(['comment.deleted']);
    expect(await discussion.queue(mia)).toEqual([]);
  });

  it('the author cannot delete a comment a moderator removed (it stays removed)', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'rude');
    await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id, reason: 'insult' });
    await expect(discussion.delete(ann, { articleId: ARTICLE, commentId: c.id })).rejects.toMatchObject({ code: 'not_found' });
    expect((await discussion.snapshot(mia, ARTICLE)).comments.find(byId(c.id))?.status).toBe('removed');
  });
});

describe('reporting a comment', () => {
  it('puts it on the moderators queue with the report and tells them; readers notice nothing', async () => {
    const { discussion, notifier, clock, post } = discussionFixture();
    const c = await post(ann, 'questionable');
    notifier.clear();
    await discussion.report(bob, { articleId: ARTICLE, commentId: c.id, reason: 'off topic' });
    expect(notifier.published).toEqual([]);
    expect(notifier.modEvents).toMatchObject([
      { type: 'comment.reported', comment: { id: c.id }, report: { userId: bob.id, reason: 'off topic' } },
    ]);
    expect(await discussion.queue(mia)).toMatchObject([
      { reason: 'reported', comment: { id: c.id }, reports: [{ userId: bob.id, reason: 'off topic', at: clock.now().toISOString() }] },
    ]);
  });

  it('a second report from the same user adds nothing; another user adds one', async () => {
    const { discussion, notifier, post } = discussionFixture();
    const c = await post(ann, 'questionable');
    await discussion.report(bob, { articleId: ARTICLE, commentId: c.id });
    await discussion.report(bob, { articleId: ARTICLE, commentId: c.id });
    await discussion.report(gil, { articleId: ARTICLE, commentId: c.id });
    expect(notifier.modTypes().filter((t) => t === 'comment.reported')).toHaveLength(2);
    expect((await discussion.queue(mia))[0]?.reports.map((r) => r.userId)).toEqual([bob.id, gil.id]);
  });

  it('refuses reports of comments a commenter cannot see, and anonymous reports', async () => {
    const { discussion, post } = discussionFixture({ premoderation: 'guests' });
    const held = await post(gil, 'waiting');
    const removed = await post(ann, 'rude');
    await discussion.remove(mia, { articleId: ARTICLE, commentId: removed.id });
    await expect(discussion.report(bob, { articleId: ARTICLE, commentId: held.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(discussion.report(bob, { articleId: ARTICLE, commentId: removed.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(discussion.report(bob, { articleId: ARTICLE, commentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(discussion.report(null, { articleId: ARTICLE, commentId: removed.id })).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('an author editing a reported comment does not take it off the queue', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'nasty remark');
    await discussion.report(bob, { articleId: ARTICLE, commentId: c.id, reason: 'abuse' });
    await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'another nasty remark' });
    expect(await discussion.queue(mia)).toMatchObject([
      { reason: 'reported', comment: { id: c.id, body: 'another nasty remark' }, reports: [{ userId: bob.id }] },
    ]);
  });

  it('is rate limited', async () => {
    const { discussion, limiter, post } = discussionFixture();
    const c = await post(ann, 'questionable');
    limiter.refuse('report');
    await expect(discussion.report(bob, { articleId: ARTICLE, commentId: c.id })).rejects.toMatchObject({ code: 'rate_limited' });
    expect(await discussion.queue(mia)).toEqual([]);
  });
});

describe('moderator actions', () => {
  it('only moderators may remove, restore, approve, ban, unban, close, read the queue and the audit log', async () => {
    const { discussion, post } = discussionFixture();
    const c = await post(ann, 'text');
    const ref = { articleId: ARTICLE, commentId: c.id };
    for (const viewer of [null, bob]) {
      await expect(discussion.remove(viewer, ref)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.restore(viewer, ref)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.approve(viewer, ref)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.ban(viewer, { userId: ann.id })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.unban(viewer, { userId: ann.id })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.close(viewer, { articleId: ARTICLE, closed: true })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.queue(viewer)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(discussion.auditLog(viewer)).rejects.toMatchObject({ code: 'forbidden' });
    }
    expect((await discussion.snapshot(null, ARTICLE)).comments.find(byId(c.id))?.body).toBe('text');
    expect(await discussion.auditLog(mia)).toEqual([]);
  });

  describe('remove', () => {
    it('tombstones the comment for readers, publishes comment.removed, audits it and tells moderators', async () => {
      const { discussion, notifier, clock, post } = discussionFixture();
      const c = await post(ann, 'insulting text');
      await discussion.report(bob, { articleId: ARTICLE, commentId: c.id });
      notifier.clear();
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id, reason: 'insult' });
      expect(notifier.readerEvents()).toMatchObject([
        { type: 'comment.removed', comment: { id: c.id, status: 'removed', body: null, author: null } },
      ]);
      expect(JSON.stringify(notifier.readerEvents())).not.toContain('insulting text');
      const audit = {
        action: 'remove',
        moderator: { id: mia.id, name: 'Mia' },
        articleId: ARTICLE,
        commentId: c.id,
        userId: ann.id,
        reason: 'insult',
        at: clock.now().toISOString(),
      };
      expect(notifier.modEvents).toMatchObject([
        { type: 'comment.removed', comment: { id: c.id, status: 'removed', removedReason: 'insult' }, audit },
      ]);
      expect(await discussion.auditLog(mia)).toMatchObject([audit]);
      expect(await discussion.queue(mia)).toEqual([]);
      expect((await discussion.snapshot(ann, ARTICLE)).comments.find(byId(c.id))).toMatchObject({ status: 'removed', body: null });
      expect(await discussion.counts([ARTICLE])).toEqual({ [ARTICLE]: 0 });
    });

    it('a held comment removed is no public event', async () => {
      const { discussion, notifier, post } = discussionFixture({ premoderation: 'all' });
      const c = await post(ann, 'spam');
      notifier.clear();
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.published).toEqual([]);
      expect(notifier.modTypes()).toEqual(['comment.removed']);
      expect(await discussion.queue(mia)).toEqual([]);
    });

    it('removing twice audits once', async () => {
      const { discussion, notifier, post } = discussionFixture();
      const c = await post(ann, 'rude');
      notifier.clear();
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.publishedTypes()).toEqual(['comment.removed']);
      expect((await discussion.auditLog(mia)).map((a) => a.action)).toEqual(['remove']);
    });
  });

  describe('restore', () => {
    it('brings a removed comment back for readers with comment.restored and an audit entry', async () => {
      const { discussion, notifier, post } = discussionFixture();
      const c = await post(ann, 'not so bad');
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      notifier.clear();
      await discussion.restore(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.readerEvents()).toMatchObject([
        { type: 'comment.restored', comment: { id: c.id, status: 'visible', body: 'not so bad' } },
      ]);
      expect(notifier.modEvents).toMatchObject([
        { type: 'comment.restored', audit: { action: 'restore', commentId: c.id, userId: ann.id } },
      ]);
      expect((await discussion.snapshot(bob, ARTICLE)).comments.find(byId(c.id))?.body).toBe('not so bad');
      expect(await discussion.counts([ARTICLE])).toEqual({ [ARTICLE]: 1 });
    });

    it('a comment removed while held goes back to held: not public, and on the queue again', async () => {
      const { discussion, notifier, post } = discussionFixture({ premoderation: 'all' });
      const c = await post(ann, 'borderline');
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      notifier.clear();
      await discussion.restore(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.published).toEqual([]);
      expect((await discussion.snapshot(bob, ARTICLE)).comments).toEqual([]);
      expect((await discussion.snapshot(mia, ARTICLE)).comments.find(byId(c.id))?.status).toBe('pending');
      expect((await discussion.queue(mia)).map((q) => q.comment.id)).toEqual([c.id]);
    });

    it('an edit still waiting for review after a remove and restore is on the queue', async () => {
      const { discussion, post } = discussionFixture({ heldWords: new HeldWords(['casino']) });
      const c = await post(ann, 'Nice town');
      await discussion.edit(ann, { articleId: ARTICLE, commentId: c.id, body: 'Nice casino town' });
      await discussion.remove(mia, { articleId: ARTICLE, commentId: c.id });
      await discussion.restore(mia, { articleId: ARTICLE, commentId: c.id });
      const waiting = (await discussion.snapshot(mia, ARTICLE)).comments.find(byId(c.id))?.moderation?.pendingEdit;
      const queued = (await discussion.queue(mia)).map((q) => q.comment.id);
      // Either the remove dropped the held edit, or the restore brought it back for review.
      expect(waiting ? queued : [c.id]).toEqual([c.id]);
    });

    it('refuses to restore what its author deleted', async () => {
      const { discussion, post } = discussionFixture();
      const c = await post(ann, 'gone');
      await discussion.delete(ann, { articleId: ARTICLE, commentId: c.id });
      await expect(discussion.restore(mia, { articleId: ARTICLE, commentId: c.id })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('approve', () => {
    it('publishes a held comment as comment.created, counts it, dequeues it and audits it', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: new HeldWords(['casino']) });
      const c = await post(ann, 'casino review');
      notifier.clear();
      await discussion.approve(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.readerEvents()).toMatchObject([
        { seq: 1, type: 'comment.created', comment: { id: c.id, status: 'visible', body: 'casino review' } },
      ]);
      expect(notifier.modEvents).toMatchObject([
        {
          type: 'comment.approved',
          comment: { id: c.id, status: 'visible', heldReason: null },
          audit: { action: 'approve', commentId: c.id, userId: ann.id },
        },
      ]);
      expect(await discussion.queue(mia)).toEqual([]);
      expect(await discussion.counts([ARTICLE])).toEqual({ [ARTICLE]: 1 });
    });

    it('approving a reported visible comment keeps it and clears it from the queue', async () => {
      const { discussion, notifier, post } = discussionFixture();
      const c = await post(ann, 'fine, really');
      await discussion.report(bob, { articleId: ARTICLE, commentId: c.id });
      notifier.clear();
      await discussion.approve(mia, { articleId: ARTICLE, commentId: c.id });
      expect(notifier.published).toEqual([]);
      expect(notifier.modEvents).toMatchObject([{ type: 'comment.approved', audit: { action: 'approve' } }]);
      expect(await discussion.queue(mia)).toEqual([]);
      expect((await discussion.snapshot(bob, ARTICLE)).comments.find(byId(c.id))?.status).toBe('visible');
    });

    it('refuses to approve a removed or deleted comment', async () => {
      const { discussion, post } = discussionFixture();
      const removed = await post(ann, 'rude');
      const deleted = await post(ann, 'oops');
      await discussion.remove(mia, { articleId: ARTICLE, commentId: removed.id });
      await discussion.delete(ann, { articleId: ARTICLE, commentId: deleted.id });
      await expect(discussion.approve(mia, { articleId: ARTICLE, commentId: removed.id })).rejects.toMatchObject({ code: 'not_found' });
      await expect(discussion.approve(mia, { articleId: ARTICLE, commentId: deleted.id })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('ban and unban', () => {
    it('a ban is audited and told to moderators only', async () => {
      const { discussion, notifier } = discussionFixture();
      await discussion.ban(mia, { userId: bob.id, reason: 'trolling' });
      expect(notifier.published).toEqual([]);
      expect(notifier.modEvents).toMatchObject([
        {
          type: 'user.banned',
          articleId: null,
          comment: null,
          audit: { action: 'ban', userId: bob.id, reason: 'trolling', commentId: null },
        },
      ]);
      await discussion.unban(mia, { userId: bob.id });
      expect(notifier.modTypes()).toEqual(['user.banned', 'user.unbanned']);
      expect((await discussion.auditLog(mia)).map((a) => [a.action, a.userId])).toEqual([
        ['ban', bob.id],
        ['unban', bob.id],
      ]);
    });

    it('banning a banned user, or unbanning one who is not banned, changes nothing and is not logged', async () => {
      const { discussion, notifier } = discussionFixture();
      await discussion.ban(mia, { userId: bob.id });
      await discussion.ban(mia, { userId: bob.id });
      await discussion.unban(mia, { userId: bob.id });
      await discussion.unban(mia, { userId: bob.id });
      expect((await discussion.auditLog(mia)).map((a) => a.action)).toEqual(['ban', 'unban']);
      expect(notifier.modTypes()).toEqual(['user.banned', 'user.unbanned']);
    });

    it('a ban that removes comments removes every visible and held comment of the user, each audited', async () => {
      const { discussion, notifier, post } = discussionFixture({ heldWords: new HeldWords(['casino']) });
      const v1 = await post(bob, 'troll one');
      const v2 = await post(bob, 'troll two', { parentId: v1.id });
      const held = await post(bob, 'casino spam');
      const gone = await post(bob, 'deleted already');
      await discussion.delete(bob, { articleId: ARTICLE, commentId: gone.id });
      const other = await post(ann, 'innocent');
      notifier.clear();
      await discussion.ban(mia, { userId: bob.id, removeComments: true });
      expect(notifier.publishedTypes()).toEqual(['comment.removed', 'comment.removed']);
      const audit = await discussion.auditLog(mia);
      expect(audit.map((a) => [a.action, a.commentId, a.reason])).toEqual([
        ['ban', null, null],
        ['remove', v1.id, 'author banned'],
        ['remove', v2.id, 'author banned'],
        ['remove', held.id, 'author banned'],
      ]);
      const seen = (await discussion.snapshot(mia, ARTICLE)).comments;
      expect(seen.find(byId(other.id))?.status).toBe('visible');
      expect(seen.find(byId(gone.id))?.status).toBe('deleted');
      expect(await discussion.queue(mia)).toEqual([]);
    });
  });

  describe('close and reopen', () => {
    it('closing publishes thread.closed to readers, shows in the snapshot, and is audited', async () => {
      const { discussion, notifier } = discussionFixture();
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      expect(notifier.readerEvents()).toMatchObject([{ seq: 1, type: 'thread.closed', comment: null }]);
      expect(notifier.modEvents).toMatchObject([
        { type: 'thread.closed', articleId: ARTICLE, audit: { action: 'close', articleId: ARTICLE } },
      ]);
      expect((await discussion.snapshot(null, ARTICLE)).closed).toBe(true);
      await discussion.close(mia, { articleId: ARTICLE, closed: false });
      expect(notifier.publishedTypes()).toEqual(['thread.closed', 'thread.reopened']);
      expect((await discussion.auditLog(mia)).map((a) => a.action)).toEqual(['close', 'reopen']);
      expect((await discussion.snapshot(null, ARTICLE)).closed).toBe(false);
    });

    it('closing a closed thread publishes nothing more', async () => {
      const { discussion, notifier } = discussionFixture();
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      expect(notifier.publishedTypes()).toEqual(['thread.closed']);
    });

    it('closing a closed thread, or reopening an open one, changes nothing and is not logged', async () => {
      const { discussion, notifier } = discussionFixture();
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      await discussion.close(mia, { articleId: ARTICLE, closed: true });
      await discussion.close(mia, { articleId: ARTICLE, closed: false });
      await discussion.close(mia, { articleId: ARTICLE, closed: false });
      expect((await discussion.auditLog(mia)).map((a) => a.action)).toEqual(['close', 'reopen']);
      expect(notifier.modTypes()).toEqual(['thread.closed', 'thread.reopened']);
    });
  });
});

describe('what goes to readers and what only to moderators', () => {
  it('public events take a seq; held posts and edits, reports, bans and decisions on held comments do not', async () => {
    const { discussion, notifier, post } = discussionFixture({ heldWords: new HeldWords(['casino']) });
    const a = await post(ann, 'hello');
    const held = await post(bob, 'casino');
    await discussion.edit(ann, { articleId: ARTICLE, commentId: a.id, body: 'hello, casino' });
    await discussion.report(bob, { articleId: ARTICLE, commentId: a.id });
    await discussion.approve(mia, { articleId: ARTICLE, commentId: held.id });
    await discussion.ban(mia, { userId: gil.id });
    await discussion.edit(ann, { articleId: ARTICLE, commentId: a.id, body: 'hello again' });
    await discussion.remove(mia, { articleId: ARTICLE, commentId: held.id });
    await discussion.close(mia, { articleId: ARTICLE, closed: true });
    expect(notifier.published.map((e) => [e.seq, e.type])).toEqual([
      [1, 'comment.created'],
      [2, 'comment.created'],
      [3, 'comment.edited'],
      [4, 'comment.removed'],
      [5, 'thread.closed'],
    ]);
    expect(notifier.modTypes()).toEqual([
      'comment.created',
      'comment.held',
      'comment.held',
      'comment.reported',
      'comment.approved',
      'user.banned',
      'comment.edited',
      'comment.removed',
      'thread.closed',
    ]);
  });
});
