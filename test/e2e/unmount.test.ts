/**
 * A single-page app unmounts widgets (`window.livethread.unmount`): the widget leaves its thread
 * on the server while the page's connection, and the other widgets on it, carry on; nothing of
 * the unmounted widget runs any more (no interval, no listener: its DOM never changes again);
 * and scan() mounts the same div again.
 */
import { expect, it, onTestFinished } from 'vitest';
import { articleRoom } from '../../server/gateway/rooms.js';
import { sdkClient, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { errorsOf, openDemo, thread, twoNodesAndBrowser } from './harness.js';

const env = twoNodesAndBrowser();

/** The node's sockets in the article's room: what it counts as the article's readers. */
const inRoom = (node: TestNode, articleId: string) => node.app.io.of('/').adapter.rooms.get(articleRoom(articleId))?.size ?? 0;

/**
 * Counts the page's running intervals. Only widgets start intervals (socket.io-client uses
 * timeouts), one each for their "5 min ago" times. A string: tsx would add helpers to a function.
 */
const COUNT_INTERVALS = `
  (() => {
    const running = new Set();
    const set = window.setInterval.bind(window);
    const clear = window.clearInterval.bind(window);
    window.setInterval = (fn, ms, ...args) => {
      const id = set(fn, ms, ...args);
      running.add(id);
      return id;
    };
    window.clearInterval = (id) => {
      running.delete(id);
      clear(id);
    };
    window.__runningIntervals = () => running.size;
  })();
`;

type TestWindow = Window & { __runningIntervals(): number; __changes: number };

it('unmount leaves the thread, stops the widget and empties its div; the other widgets on the page carry on', async () => {
  const { a, browser } = env;
  const article = 'unmount-main';
  const other = 'unmount-other';
  const writer = sdkClient(a.url, await token(a, 'wes', 'commenter', 'Wes Writer'));
  await eventually(() => writer.connected);
  await writer.post({ articleId: article, body: 'Before the page opened' });
  await writer.post({ articleId: other, body: 'On the other article' });

  const context = await browser.newContext();
  onTestFinished(() => context.close());
  await context.addInitScript(COUNT_INTERVALS);
  const page = await openDemo(context, a, article);
  const intervals = () => page.evaluate(() => (window as unknown as TestWindow).__runningIntervals());

  // A second widget of the same article and one of another, mounted as a single-page app would:
  // all three share the page's one connection.
  const mounted = await page.evaluate(
    (ids) => {
      for (const id of ids) {
        const div = document.createElement('div');
        div.className = 'spa';
        div.dataset.livethreadArticle = id;
        document.body.append(div);
      }
      return window.livethread!.scan().map((w) => w.articleId);
    },
    [article, other],
  );
  expect(mounted).toEqual([article, other]);
  // Appended at the end of the page: they connect once the reader comes near them (lazy mounting).
  await page.locator('div.spa').nth(1).scrollIntoViewIfNeeded();
  const twin = page.locator('div.spa').nth(0);
  const otherWidget = page.locator('div.spa').nth(1);
  const bodiesIn = (widget: typeof twin) => widget.locator('article.lt-comment .lt-body').allTextContents();
  await eventually(async () => (await bodiesIn(twin)).length === 1 && (await bodiesIn(otherWidget)).length === 1);
  await page.evaluate(() => window.scrollTo(0, 0));
  expect(await thread(page)).toHaveLength(1);
  await eventually(() => inRoom(a, article) === 1 && inRoom(a, other) === 1);
  expect(await intervals()).toBe(3);

  // Unmount the demo's own widget and the other article's; watch their elements from then on.
  const unmounted = await page.evaluate(() => {
    const w = window as unknown as TestWindow;
    const main = document.querySelector<HTMLElement>('div[data-livethread-article]')!;
    const gone = [main, document.querySelectorAll<HTMLElement>('div.spa')[1]!];
    // Kept, so that a change inside them shows even once they are off the page.
    const roots = gone.map((div) => div.shadowRoot!.querySelector('.lt-root')!);
    const results = gone.map((div) => window.livethread!.unmount!(div));
    w.__changes = 0;
    const observer = new MutationObserver((records) => (w.__changes += records.length));
    for (const node of [...roots, ...gone.map((div) => div.shadowRoot!), ...gone]) {
      observer.observe(node, { subtree: true, childList: true, attributes: true, characterData: true });
    }
    return {
      results,
      again: window.livethread!.unmount!(main),
      emptied: gone.map((div) => div.shadowRoot!.childNodes.length),
      marked: gone.map((div) => div.hasAttribute('data-livethread-mounted')),
    };
  });
  expect(unmounted).toEqual({ results: [true, true], again: false, emptied: [0, 0], marked: [false, false] });

  // The other article's thread is left on the server; the twin keeps the connection in this one.
  await eventually(() => inRoom(a, other) === 0, 5000);
  expect(inRoom(a, article)).toBe(1);
  expect(await intervals()).toBe(1);

  // New comments in both threads, a second reader and a reconnect: the twin shows them, the
  // unmounted nothing.
  await writer.post({ articleId: article, body: 'After the unmount' });
  await writer.post({ articleId: other, body: 'After the unmount, elsewhere' });
  // Out of sight at the end of the page, it waits behind the twin's button.
  const newButton = twin.locator('.lt-new-button');
  await eventually(async () => (await newButton.isVisible()) && (await newButton.textContent()) === '1 new comment');
  await newButton.click();
  await eventually(async () => (await bodiesIn(twin)).includes('After the unmount'));
  const second = await openDemo(context, a, article);
  await eventually(async () => (await twin.locator('.lt-presence').textContent()) === '2 reading', 10_000, 100);
  await second.close();
  // The connection drops and comes back: the twin's thread is joined again, not the one left.
  await page.evaluate(() => {
    const socket = window.livethread!.clients[0]!.socket;
    socket.disconnect();
    socket.connect();
  });
  await twin.locator('.lt-status[data-state="live"]').waitFor();
  await eventually(() => inRoom(a, article) === 1);
  await sleep(500);
  expect(inRoom(a, other)).toBe(0);
  expect(await page.evaluate(() => (window as unknown as TestWindow).__changes)).toBe(0);

  // The same divs mount again, with what was posted meanwhile.
  const again = await page.evaluate(() => window.livethread!.scan().map((w) => w.articleId));
  expect(again).toEqual([article, other]);
  await eventually(async () => (await thread(page)).map((c) => c.body).join() === 'After the unmount,Before the page opened');
  await otherWidget.scrollIntoViewIfNeeded();
  await eventually(async () => (await bodiesIn(otherWidget)).length === 2);
  await eventually(() => inRoom(a, other) === 1);
  expect(await intervals()).toBe(3);
  expect(errorsOf(page)).toEqual([]);
}, 60_000);
