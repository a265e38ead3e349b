/**
 * The widget's reader count, "someone is replying" and the report button, across two nodes.
 */
import { describe, expect, it } from 'vitest';
import { openDemo, signInGuest, twoNodesAndBrowser } from './harness.js';
import { eventually } from '../support/ports.js';
import { rawSocket, token } from '../support/nodes.js';

const env = twoNodesAndBrowser();

describe('presence and reports in the widget', () => {
  it('shows how many are reading and that someone is replying; a report reaches the queue', async () => {
    const { a, b, browser } = env;
    const articleId = 'presence-widget';
    const posted = await rawSocket(a.url, await token(a, 'zoe', 'commenter', 'Zoe')).emitWithAck('comment:post', {
      articleId,
      body: 'Report me',
    });
    if (!posted.ok) throw new Error('could not post');
    const reader = await openDemo(await browser.newContext(), a, articleId);
    const writer = await openDemo(await browser.newContext(), b, articleId);
    const presence = () => reader.locator('.lt-presence').innerText();
    await eventually(async () => (await presence()) === '2 reading', 10_000, 100);

    await signInGuest(writer, 'Wren');
    await writer.bringToFront();
    await writer.locator('textarea.lt-composer-input').first().pressSequentially('I am typing');
    await eventually(async () => (await presence()) === '2 reading · someone is replying', 10_000, 100);

    const comment = writer.locator(`article.lt-comment[data-comment-id="${posted.comment.id}"]`);
    await comment.locator('.lt-report').click();
    // The report asks why; the reason goes with it.
    await comment.locator('select.lt-report-reason').selectOption('Off-topic');
    await comment.locator('.lt-send-report').click();
    await eventually(async () => (await comment.locator('.lt-report').innerText()) === 'Reported');
    const queue = (await (
      await fetch(`${a.url}/api/moderation/queue`, { headers: { authorization: `Bearer ${await token(a, 'mo', 'moderator')}` } })
    ).json()) as {
      queue: { comment: { id: string }; reason: string; reports: { userId: string; reason: string | null }[] }[];
    };
    const item = queue.queue.find((q) => q.comment.id === posted.comment.id);
    expect(item?.reason).toBe('reported');
    expect(item?.reports).toHaveLength(1);
    expect(item?.reports[0]?.reason).toBe('Off-topic');
  }, 60_000);
});
