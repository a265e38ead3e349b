/**
 * The smaller things a new reader ran into, each in Debian chromium against two nodes of one Redis:
 * their own typing, the edit window, deleting, posting while disconnected, replying before signing
 * in, the reason of a report, blank lines, and a long name.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueueItem } from '../../shared/events.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { launchBrowser } from './browser.js';
import { errorsOf, live, openDemo, postViaUi, signInGuest, thread } from './harness.js';

let redis: RedisServer | undefined;
let browser: Browser | undefined;
let a: TestNode | undefined;
let b: TestNode | undefined;
let contexts: BrowserContext[] = [];
const env = { GUEST_RATE: 'off' };

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url, name: 'A', env }), startNode({ redisUrl: redis.url, name: 'B', env })]);
  browser = await launchBrowser();
}, 60_000);

afterEach(async () => {
  closeClients();
  const open = contexts;
  contexts = [];
  await Promise.allSettled(open.map((c) => c.close()));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await redis?.stop();
}, 60_000);

async function open(node: TestNode, articleId: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1000, height: 900 }, reducedMotion: 'reduce' });
  contexts.push(context);
  return openDemo(context, node, articleId);
}

async function seed(node: TestNode, articleId: string, body: string) {
  const client = sdkClient(node.url, await token(node, 'seeder', 'commenter', 'Sid Seeder'));
  await eventually(() => client.connected);
  return client.post({ articleId, body });
}

const presence = (page: Page) => page.locator('.lt-presence').evaluate((el) => ((el as HTMLElement).hidden ? '' : (el.textContent ?? '')));

describe('the details of the widget', () => {
  it('your own typing is never shown back to you; the indicator ends when the draft is posted or the tab closes', async () => {
    const articleId = 'e2e-typing-self';
    const typist = await open(a!, articleId);
    const other = await open(b!, articleId);
    await signInGuest(typist, 'Tess Typist');
    await signInGuest(other, 'Otto Other');
    const input = typist.locator('.lt-compose textarea.lt-composer-input');
    await input.click();

    /** Types a little every 300 ms until `until` holds, checking the typist's own page meanwhile. */
    const typeUntil = async (until: () => Promise<boolean>) => {
      const seenOnOwn: string[] = [];
      const deadline = Date.now() + 8000;
      while (!(await until())) {
        if (Date.now() > deadline) throw new Error('the other reader never saw "replying"');
        await input.pressSequentially('ab', { delay: 20 });
        const own = await presence(typist);
        if (own.includes('replying')) seenOnOwn.push(own);
        await sleep(300);
      }
      return seenOnOwn;
    };
    const seenOnOwn = await typeUntil(async () => (await presence(other)).includes('someone is replying'));
    // Two more presence rounds while typing on: still nothing about themselves on the typist's page.
    for (let i = 0; i < 10; i++) {
      await input.pressSequentially('cd', { delay: 20 });
      const own = await presence(typist);
      if (own.includes('replying')) seenOnOwn.push(own);
      await sleep(400);
    }
    expect(seenOnOwn).toEqual([]);
    expect(await presence(other)).toContain('someone is replying');

    // Posting ends it at once (the next presence round, not 5 s later).
    const posted = Date.now();
    await typist.locator('.lt-compose .lt-post').click();
    await eventually(async () => !(await presence(other)).includes('replying'), 3500, 100);
    console.log(`[e2e typing] the indicator ended ${Date.now() - posted} ms after the post`);

    // Typing again, then closing the tab ends it too.
    await typeUntil(async () => (await presence(other)).includes('someone is replying'));
    const closed = Date.now();
    await typist.close();
    await eventually(async () => !(await presence(other)).includes('replying'), 3500, 100);
    console.log(`[e2e typing] the indicator ended ${Date.now() - closed} ms after the tab closed`);
    expect(errorsOf(other)).toEqual([]);
  }, 60_000);

  it('Edit is offered inside the edit window only', async () => {
    const shortWindow = await startNode({ redisUrl: redis!.url, name: 'E', env: { ...env, EDIT_WINDOW_SECONDS: '3' } });
    try {
      const page = await open(shortWindow, 'e2e-edit-window');
      await signInGuest(page, 'Eddie Editor');
      const id = await postViaUi(page, 'Edit me while you can');
      const actions = page.locator(`article[data-comment-id="${id}"] .lt-actions`);
      await actions.locator('.lt-edit').waitFor();
      await eventually(async () => (await actions.locator('.lt-edit').count()) === 0, 5000, 100);
      expect(await actions.locator('.lt-delete').count()).toBe(1);
      expect(errorsOf(page)).toEqual([]);
    } finally {
      await shortWindow.stop();
    }
  }, 30_000);

  it('Delete asks for confirmation', async () => {
    const page = await open(a!, 'e2e-delete-confirm');
    await signInGuest(page, 'Della Deleter');
    const id = await postViaUi(page, 'Delete me, but ask first');
    const article = page.locator(`article[data-comment-id="${id}"]`);
    await article.locator('.lt-delete').click();
    expect(await article.locator('.lt-confirm').textContent()).toBe('Delete your comment? This cannot be undone.');
    // Cancel has the focus: Enter again deletes nothing.
    await page.keyboard.press('Enter');
    expect(await article.locator('.lt-confirm').count()).toBe(0);
    await article.locator('.lt-delete').click();
    await sleep(300);
    expect((await thread(page)).find((c) => c.id === id)).toMatchObject({ removed: false, body: 'Delete me, but ask first' });
    await article.locator('.lt-cancel-delete').click();
    expect(await article.locator('.lt-confirm').count()).toBe(0);
    expect(await article.locator('.lt-delete').evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await article.locator('.lt-delete').click();
    await article.locator('.lt-confirm-delete').click();
    await eventually(async () => !(await thread(page)).some((c) => c.id === id && !c.removed), 3000);
    expect(errorsOf(page)).toEqual([]);
  }, 30_000);

  it('while disconnected the Post button waits and the composer says so; an error from before is gone once live again', async () => {
    const redisUrl = redis!.url;
    let node: TestNode | undefined = await startNode({ redisUrl, name: 'C', env });
    try {
      const page = await open(node, 'e2e-offline-composer');
      await signInGuest(page, 'Olga Offline');
      const input = page.locator('.lt-compose textarea.lt-composer-input');
      const post = page.locator('.lt-compose .lt-post');
      const error = page.locator('.lt-compose .lt-error');
      // Only a zero-width space: the server refuses it as empty.
      await input.fill('\u200B');
      await post.click();
      await eventually(async () => (await error.isVisible()) && (await error.textContent()) === 'Please write something first.', 3000);
      await input.fill('Written while the connection is down');

      const port = node.port;
      await node.stop();
      node = undefined;
      await page.locator('.lt-status[data-state="reconnecting"]').waitFor();
      expect(await post.isDisabled()).toBe(true);
      expect(await post.textContent()).toBe('Waiting for connection…');
      expect(await page.locator('.lt-compose .lt-offline').isVisible()).toBe(true);
      await input.press('Control+Enter');
      expect(await input.inputValue()).toBe('Written while the connection is down');

      node = await startNode({ redisUrl, name: 'C', port, env });
      await live(page, 15_000);
      await eventually(async () => !(await post.isDisabled()), 3000);
      expect(await post.textContent()).toBe('Post');
      expect(await page.locator('.lt-compose .lt-offline').isVisible()).toBe(false);
      expect(await error.isVisible()).toBe(false);
      await post.click();
      await eventually(async () => (await thread(page)).some((c) => c.body === 'Written while the connection is down' && c.id), 5000);
      expect(errorsOf(page)).toEqual([]);
    } finally {
      await node?.stop();
    }
  }, 60_000);

  it('Reply pressed while signed out opens that reply box once signed in', async () => {
    const articleId = 'e2e-reply-after-signin';
    const first = await seed(a!, articleId, 'Reply to me');
    await seed(a!, articleId, 'Not me');
    const page = await open(a!, articleId);
    await page.locator(`article[data-comment-id="${first.id}"] .lt-reply`).click();
    const name = page.locator('input.lt-guest-name');
    expect(await name.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await name.fill('Rena Replier');
    await page.locator('.lt-guest-signin').click();
    const box = page.locator(`article[data-comment-id="${first.id}"] .lt-reply-form textarea`);
    await box.waitFor({ timeout: 5000 });
    await eventually(() => box.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement), 2000);
    expect(await page.locator('.lt-reply-form').count()).toBe(1);
    expect(errorsOf(page)).toEqual([]);
  }, 30_000);

  it('a report carries the reason the reader chose', async () => {
    const articleId = 'e2e-report-reason';
    const c = await seed(a!, articleId, 'Buy cheap watches');
    const page = await open(a!, articleId);
    await signInGuest(page, 'Rory Reporter');
    const article = page.locator(`article[data-comment-id="${c.id}"]`);
    await article.locator('.lt-report').click();
    await article.locator('select.lt-report-reason').selectOption('Spam');
    await article.locator('.lt-send-report').click();
    await eventually(async () => (await article.locator('.lt-report').textContent()) === 'Reported', 3000);
    expect(await article.locator('.lt-report').isDisabled()).toBe(true);
    const moderator = sdkClient(b!.url, await token(b!, 'mia', 'moderator', 'Mia'));
    await eventually(() => moderator.connected);
    const { queue } = await moderator.request('mod:watch', {});
    const item = (queue as QueueItem[]).find((q) => q.comment.id === c.id);
    expect(item?.reports.map((r) => r.reason)).toEqual(['Spam']);
    expect(errorsOf(page)).toEqual([]);
  }, 30_000);

  it('runs of blank lines collapse, and a long name does not strand the time on its own line', async () => {
    const page = await open(a!, 'e2e-text-shape');
    const longName = 'Bartholomew Maximilian Alexander von Hohenzollern-Sigmaringen the Third of Many';
    await signInGuest(page, longName);
    const id = await postViaUi(page, 'First paragraph\n\n\n\n\n\n\nSecond paragraph\n \n\t\n\nThird');
    const article = page.locator(`article[data-comment-id="${id}"]`);
    expect(await article.locator('.lt-body').innerText()).toBe('First paragraph\n\nSecond paragraph\n\nThird');
    const author = article.locator('.lt-author');
    const [nameBox, timeBox] = [(await author.boundingBox())!, (await article.locator('.lt-time').boundingBox())!];
    expect(Math.abs(nameBox.y - timeBox.y)).toBeLessThan(4);
    expect(await author.getAttribute('title')).toBe(longName);
    await page.setViewportSize({ width: 360, height: 800 });
    const [narrowName, narrowTime] = [(await author.boundingBox())!, (await article.locator('.lt-time').boundingBox())!];
    expect(Math.abs(narrowName.y - narrowTime.y)).toBeLessThan(4);
    expect(narrowTime.x + narrowTime.width).toBeLessThanOrEqual(360);
    expect(errorsOf(page)).toEqual([]);
  }, 30_000);
});
