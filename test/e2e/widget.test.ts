/**
 * The reader's widget in a real browser (Debian chromium driven by
 * playwright-core), against two server nodes on one real Redis.
 *
 * One file, run in order, so that a single browser and one cluster serve every scenario; each
 * scenario has its own article and its own browser contexts (fresh storage).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../server/core/markdown.js';
import { docText } from '../../shared/markdown.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { launchBrowser } from './browser.js';
import {
  announced,
  bodies,
  errorsOf,
  freezeRedis,
  live,
  openDemo,
  postViaUi,
  RESULTS,
  ROOT,
  scrollToEnd,
  signInGuest,
  startHostSite,
  thawAll,
  thread,
  type HostSite,
} from './harness.js';

/** A body as the widget shows it: its Markdown rendered (an entity reads as its character), as text. */
const asRead = (body: string) => docText(renderMarkdown(body));

let redis: RedisServer | undefined;
let host: HostSite | undefined;
let browser: Browser | undefined;
const nodes: Record<'a' | 'b', TestNode | undefined> = { a: undefined, b: undefined };
const extraNodes: TestNode[] = [];
let contexts: BrowserContext[] = [];

const nodeA = () => nodes.a!;
const nodeB = () => nodes.b!;
const env = () => ({ POST_RATE: 'off', GUEST_RATE: 'off', ALLOWED_ORIGINS: host!.origin });

/** Why the setup failed (no browser, say): every test then fails with it, none is skipped. */
let setupError: unknown = null;

beforeAll(async () => {
  try {
    browser = await launchBrowser();
    host = await startHostSite();
    redis = await startRedis();
    const url = redis.url;
    [nodes.a, nodes.b] = await Promise.all([
      startNode({ redisUrl: url, name: 'A', env: env() }),
      startNode({ redisUrl: url, name: 'B', env: env() }),
    ]);
  } catch (e) {
    setupError = e;
  }
}, 60_000);

beforeEach(() => {
  if (setupError) throw setupError;
});

afterEach(async () => {
  thawAll();
  closeClients();
  const open = contexts;
  contexts = [];
  await Promise.allSettled(open.map((c) => c.close()));
});

afterAll(async () => {
  thawAll();
  closeClients();
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close().catch(() => undefined);
  await Promise.allSettled([nodes.a, nodes.b, ...extraNodes].map((n) => n?.stop() ?? Promise.resolve()));
  await redis?.stop();
  await host?.close();
}, 60_000);

async function newContext(opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser!.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
    ...opts,
  });
  contexts.push(context);
  return context;
}

/** A commenter with a host-signed token, posting through the SDK from the test process. */
async function sdkCommenter(node: TestNode, sub: string, name: string) {
  const client = sdkClient(node.url, await token(node, sub, 'commenter', name));
  await eventually(() => client.connected);
  return client;
}

/** Polls the page's thread until `check` holds; every poll also fails on a comment shown twice. */
async function watchThread(page: Page, check: (shown: Awaited<ReturnType<typeof thread>>) => boolean, timeoutMs = 5000) {
  return eventually(async () => {
    const shown = await thread(page);
    const ids = shown.map((c) => c.id ?? `client:${c.clientId}`);
    if (new Set(ids).size !== ids.length) throw new Error(`a comment is shown twice: ${JSON.stringify(shown)}`);
    return check(shown) ? shown : null;
  }, timeoutMs);
}

describe("the reader's widget in a browser, on two nodes", () => {
  it('a comment posted on node B shows as pending on B until its ack, and on node A within a second', async () => {
    const article = 'e2e-two-nodes';
    const reader = await openDemo(await newContext(), nodeA(), article);
    await scrollToEnd(reader);
    const commenter = await openDemo(await newContext(), nodeB(), article);
    await signInGuest(commenter, 'Bea Commenter');

    // Redis frozen (SIGSTOP): the post cannot be stored, so no ack can come back until the thaw.
    // (Kept well under the server's 3 s Redis command timeout, which would answer `unavailable`.)
    const first = 'Posted while the server cannot answer yet';
    await commenter.locator('.lt-compose textarea.lt-composer-input').fill(first);
    const thaw = await freezeRedis(redis!);
    const frozenAt = Date.now();
    let thawedAt: number;
    try {
      await commenter.locator('.lt-compose .lt-post').click();
      const pending = commenter.locator('article.lt-comment.lt-pending[data-client-id]');
      await pending.waitFor({ state: 'visible', timeout: 1500 });
      // Mark the element: the final comment must be this same element, finalised in place.
      await pending.evaluate((el) => el.setAttribute('data-e2e-mark', 'pending'));
      await sleep(250);
      expect(await thread(commenter)).toEqual([
        expect.objectContaining({ id: null, pending: true, sending: true, body: first, author: 'Bea Commenter' }),
      ]);
      expect(await thread(reader)).toEqual([]);
    } finally {
      thaw();
      thawedAt = Date.now();
    }
    expect(thawedAt - frozenAt).toBeLessThan(2500);
    await watchThread(reader, (s) => s.some((c) => c.body === first), 1000);
    const seenAfterThawMs = Date.now() - thawedAt;
    const [final] = await watchThread(commenter, (s) => s.length === 1 && !s[0]!.pending && s[0]!.id !== null);
    expect(final).toMatchObject({ body: first, sending: false, status: 'visible' });
    expect(await commenter.locator(`article[data-comment-id="${final!.id}"]`).getAttribute('data-e2e-mark')).toBe('pending');
    const [onA] = await thread(reader);
    expect(onA).toMatchObject({ id: final!.id, body: first, author: 'Bea Commenter', pending: false });

    // Without the freeze: from the click on B to the comment on A.
    const second = 'A second comment, straight through';
    await commenter.locator('.lt-compose textarea.lt-composer-input').fill(second);
    const clickedAt = Date.now();
    await commenter.locator('.lt-compose .lt-post').click();
    await watchThread(reader, (s) => s.some((c) => c.body === second), 1000);
    const latencyMs = Date.now() - clickedAt;
    await eventually(async () => (await announced(reader)) === 'New comment from Bea Commenter');
    expect(await reader.locator('article.lt-comment.lt-new .lt-body').allTextContents()).toContain(second);
    const onB = await watchThread(commenter, (s) => s.length === 2 && s.every((c) => c.id && !c.pending));
    expect(onB.map((c) => c.body)).toEqual([second, first]);
    expect(await bodies(reader)).toEqual([second, first]);
    console.log(`[e2e 1] A saw the held post ${seenAfterThawMs} ms after the thaw, the second ${latencyMs} ms after the click on B`);
    expect(errorsOf(reader).concat(errorsOf(commenter))).toEqual([]);
  }, 45_000);

  it('a reader who has scrolled up gets a "new comments" button and nothing moves until it is pressed', async () => {
    const article = 'e2e-scrolled-up';
    const seeder = await sdkCommenter(nodeB(), 'seed', 'Early Bird');
    const seeded: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const c = await seeder.post({ articleId: article, body: `Seeded comment number ${i}.\nIt has a second line to take some room.` });
      seeded.push(c.id);
    }
    const reader = await openDemo(await newContext(), nodeA(), article);
    // Judge the widget alone: no help from the browser's scroll anchoring (Safari has none).
    await reader.addStyleTag({ content: 'html, body, * { overflow-anchor: none !important; }' });
    await watchThread(reader, (s) => s.length === 12);

    // Newest first: comment 6 is mid-thread. Bring it to the upper part of the viewport.
    const target = reader.locator(`article[data-comment-id="${seeded[5]}"]`);
    await target.evaluate((el) => {
      el.scrollIntoView({ block: 'start' });
      window.scrollBy(0, -150);
    });
    const where = () =>
      reader.evaluate((id) => {
        const root = document.querySelector('[data-livethread-article]')!.shadowRoot!;
        const box = root.querySelector(`article[data-comment-id="${id}"]`)!.getBoundingClientRect();
        const end = root.querySelector('.lt-root')!.getBoundingClientRect().bottom;
        return { scrollY: window.scrollY, top: box.top, left: box.left, height: box.height, endBelowBy: end - window.innerHeight };
      }, seeded[5]!);
    const before = await where();
    expect(before.top).toBeGreaterThan(0);
    expect(before.top).toBeLessThan(400);
    expect(before.endBelowBy).toBeGreaterThan(120); // not at the end of the thread

    const other = await sdkCommenter(nodeB(), 'late', 'Late Comer');
    const newRoot = await other.post({ articleId: article, body: 'A brand new root comment' });
    const newButton = reader.locator('.lt-new-button');
    await newButton.waitFor({ state: 'visible', timeout: 2000 });
    expect(await newButton.textContent()).toBe('1 new comment');
    // Replies above the viewport and right at the reader's comment wait too.
    const replyTop = await other.post({ articleId: article, body: 'A reply to the newest seeded comment', parentId: seeded[11] });
    const replyHere = await other.post({ articleId: article, body: 'A reply to the comment being read', parentId: seeded[5] });
    await eventually(async () => (await newButton.textContent()) === '3 new comments', 2000);
    await sleep(200);
    expect(await where()).toEqual(before);
    const shown = await thread(reader);
    expect(shown.map((c) => c.id)).not.toContain(newRoot.id);
    expect(shown).toHaveLength(12);
    // The header counts the article's comments (as GET /api/counts), the waiting ones too.
    await eventually(async () => (await reader.locator('.lt-count').textContent()) === '15', 2000);

    await newButton.click();
    const after = await watchThread(reader, (s) => s.length === 15);
    expect(await newButton.isHidden()).toBe(true);
    for (const id of [newRoot.id, replyTop.id, replyHere.id]) expect(after.filter((c) => c.id === id)).toHaveLength(1);
    expect(after.find((c) => c.id === replyHere.id)).toMatchObject({ depth: 1 });
    expect(after[0]).toMatchObject({ id: newRoot.id, depth: 0 });
    // The first revealed comment is brought into view and highlighted; all are highlighted.
    await eventually(() =>
      reader.locator(`article[data-comment-id="${newRoot.id}"]`).evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      }),
    );
    expect(await reader.locator('article.lt-comment.lt-new').count()).toBe(3);
    expect(await reader.locator('.lt-count').textContent()).toBe('15');

    // At the end of the widget, newest first: a new root comment would land at the top, out of
    // sight, and an edit above the viewport changes a height there. Still nothing moves.
    await scrollToEnd(reader);
    await sleep(100);
    const lastId = after.at(-1)!.id!;
    const atEnd = () =>
      reader.evaluate((id) => {
        const root = document.querySelector('[data-livethread-article]')!.shadowRoot!;
        return { scrollY: window.scrollY, top: root.querySelector(`article[data-comment-id="${id}"]`)!.getBoundingClientRect().top };
      }, lastId);
    const end = await atEnd();
    await other.post({ articleId: article, body: 'Another new root comment' });
    await newButton.waitFor({ state: 'visible', timeout: 2000 });
    await other.edit({ articleId: article, commentId: newRoot.id, body: 'A brand new root comment,\nnow edited\nto be\nmuch\ntaller' });
    await watchThread(reader, (s) => s.some((c) => c.id === newRoot.id && c.edited));
    const moved = await atEnd();
    expect(Math.abs(moved.top - end.top)).toBeLessThan(1);
    expect(errorsOf(reader)).toEqual([]);
  }, 45_000);

  it("comments posted while the reader's node is down appear once each, in order, without a reload", async () => {
    const article = 'e2e-node-restart';
    const writer = await sdkCommenter(nodeB(), 'writer', 'Wren Writer');
    const reader = await openDemo(await newContext(), nodeA(), article);
    await reader.locator('.lt-sort-oldest').click();
    await scrollToEnd(reader);
    await writer.post({ articleId: article, body: 'Before the outage' });
    await watchThread(reader, (s) => s.length === 1);
    await scrollToEnd(reader);
    await reader.evaluate(() => ((window as unknown as { e2eSamePage: boolean }).e2eSamePage = true));

    const port = nodeA().port;
    await nodeA().stop();
    nodes.a = undefined;
    await reader.locator('.lt-status[data-state="reconnecting"]').waitFor({ timeout: 5000 });
    expect(await reader.locator('.lt-status').textContent()).toContain('Reconnecting…');
    const during = ['First while A is down', 'Second while A is down', 'Third while A is down'];
    for (const body of during) await writer.post({ articleId: article, body });
    await sleep(300);
    expect(await bodies(reader)).toEqual(['Before the outage']);

    nodes.a = await startNode({ redisUrl: redis!.url, name: 'A', port, env: env() });
    const startedAt = Date.now();
    await live(reader, 15_000);
    await watchThread(reader, (s) => s.length === 4, 10_000);
    console.log(`[e2e 3] the reader caught up ${Date.now() - startedAt} ms after node A came back`);
    // Watch a little longer: nothing doubles or reorders afterwards.
    for (let i = 0; i < 5; i++) {
      const shown = await watchThread(reader, () => true);
      expect(shown.map((c) => c.body)).toEqual(['Before the outage', ...during]);
      await sleep(100);
    }
    expect(await reader.evaluate(() => (window as unknown as { e2eSamePage?: boolean }).e2eSamePage)).toBe(true);
    expect(await reader.locator('.lt-status').textContent()).toContain('Live');
    expect(errorsOf(reader)).toEqual([]);
  }, 45_000);

  it('hostile text as body, guest name and edit stays literal text on a page without a CSP', async () => {
    const article = 'e2e-xss';
    const payloads = readFileSync(path.join(ROOT, 'test/e2e/xss-payloads.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('# '));
    expect(payloads.length).toBe(15);
    // Variants that would leave a trace if they ran (the page has no CSP to stop them).
    const canaries = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=1</script>',
      '<svg><animate onbegin="window.__pwned=1" attributeName=x dur=1s>',
      '" autofocus onfocus="window.__pwned=1" x="',
      'https://example.com/"onmouseover="window.__pwned=1"',
      'https://example.com/a?b=<img src=x onerror=window.__pwned=1>',
      'javascript:window.__pwned=1//https://example.com/',
      '<a href="javascript:window.__pwned=1">https://ok.example/</a>',
      '&lt;img src=x onerror=window.__pwned=1&gt;',
    ];
    const all = [...payloads, ...canaries];
    for (const p of all) expect(p.length).toBeLessThanOrEqual(80); // also used as names

    const dialogs: string[] = [];
    const requests: string[] = [];
    const open = async (node: TestNode) => {
      const page = await host!.open(await newContext(), node, article);
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('request', (r) => requests.push(r.url()));
      return page;
    };
    const victim = await open(nodeA());
    const attacker = await open(nodeB());
    // The host's CSS hides every button, input and article of its own: none of it reaches the widget.
    await signInGuest(attacker, 'Mallory');

    // As bodies.
    const ids: string[] = [];
    for (const p of all) ids.push(await postViaUi(attacker, p));
    const reveal = async (page: Page) => {
      if (await page.locator('.lt-new-button').isVisible()) await page.locator('.lt-new-button').click();
    };
    await eventually(async () => {
      await reveal(victim);
      return (await thread(victim)).filter((c) => c.id && !c.pending).length === all.length;
    });
    const byId = async (page: Page) => new Map((await thread(page)).map((c) => [c.id, c]));
    for (const page of [victim, attacker]) {
      const shown = await byId(page);
      all.forEach((p, i) => expect(shown.get(ids[i]!)?.body).toBe(asRead(p)));
    }

    // As edits: comment i becomes payload i+1.
    for (let i = 0; i < ids.length; i++) {
      const next = all[(i + 1) % all.length]!;
      const article = attacker.locator(`article[data-comment-id="${ids[i]}"]`);
      await article.locator('.lt-edit').click();
      await article.locator('.lt-edit-form textarea').fill(next);
      await article.locator('.lt-edit-form .lt-post').click();
      await article.locator('.lt-edit-form').waitFor({ state: 'detached' });
    }
    for (const page of [victim, attacker]) {
      await eventually(async () => {
        const shown = await byId(page);
        return all.every((_, i) => {
          const c = shown.get(ids[i]!);
          return c?.body === asRead(all[(i + 1) % all.length]!) && c?.edited === true;
        });
      });
    }

    // As guest names: each guest replies to the previous one (deep threads show "replying to").
    // Every third signs in and replies on the attacker's page; the others take the same guest
    // sign-in over HTTP, as a script would, and reply through the SDK (quicker).
    let parent = ids[0]!;
    const nameIds: string[] = [];
    for (const [i, name] of all.entries()) {
      const text = `Hello from guest #${i}`;
      if (i % 3 === 0) {
        await attacker.locator('.lt-signout').click();
        await signInGuest(attacker, name);
        expect(await attacker.locator('.lt-user-name').textContent()).toBe(name);
        const reply = attacker.locator(`article[data-comment-id="${parent}"]`);
        await reply.locator('.lt-reply').click();
        await reply.locator('.lt-reply-form textarea').fill(text);
        await reply.locator('.lt-reply-form .lt-post').click();
        parent = await eventually(async () => (await thread(attacker)).find((c) => c.body === text && c.id && !c.pending)?.id);
      } else {
        const res = await fetch(`${nodeB().url}/api/session/guest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        });
        expect(res.status).toBe(201);
        const guest = (await res.json()) as { token: string; user: { name: string } };
        expect(guest.user.name).toBe(name);
        parent = (await sdkClient(nodeB().url, guest.token).post({ articleId: article, body: text, parentId: parent })).id;
      }
      nameIds.push(parent);
    }
    for (const page of [victim, attacker]) {
      await eventually(async () => {
        await reveal(page);
        const shown = await byId(page);
        return all.every((name, i) => shown.get(nameIds[i]!)?.author === name);
      });
      const replyingTo = await page.locator('.lt-replying-to b').allTextContents();
      // From the third guest on, replies sit at the deepest level and name whom they answer.
      for (const name of all.slice(2, -1)) expect(replyingTo).toContain(name);
    }

    // Nothing ran, nothing was injected, no link goes anywhere but http(s).
    const late = await open(nodeA()); // and rendered from a snapshot rather than live
    // A snapshot brings the newest replies of a thread; the earlier ones load on request.
    await eventually(async () => {
      const earlier = late.locator('.lt-earlier');
      if (await earlier.count()) await earlier.first().click();
      return (await thread(late)).length === all.length * 2;
    });
    for (const page of [victim, attacker, late]) {
      const audit = await page.evaluate(() => {
        const problems: string[] = [];
        const widget = document.querySelector('[data-livethread-article]')!.shadowRoot!;
        for (const el of Array.from(widget.querySelectorAll('*'))) {
          const tag = el.tagName.toLowerCase();
          if (
            ['script', 'iframe', 'frame', 'object', 'embed', 'img', 'svg', 'math', 'style', 'link', 'meta', 'base', 'form'].includes(tag) &&
            !(tag === 'form' && el.classList.contains('lt-composer')) &&
            !(tag === 'form' && el.classList.contains('lt-signin'))
          ) {
            problems.push(`<${tag}> in the widget`);
          }
          for (const attr of Array.from(el.attributes)) {
            if (/^on/i.test(attr.name)) problems.push(`${attr.name} on <${tag}>`);
            if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc'].includes(attr.name.toLowerCase()) && tag !== 'a') {
              problems.push(`${attr.name} on <${tag}>`);
            }
          }
          if (tag === 'a') {
            const href = el.getAttribute('href') ?? '';
            const protocol = new URL(href, location.href).protocol;
            if (protocol !== 'http:' && protocol !== 'https:') problems.push(`link to ${href}`);
            if (el.getAttribute('rel') !== 'nofollow ugc noopener noreferrer') problems.push(`link rel ${el.getAttribute('rel')}`);
          }
        }
        // The host page itself gained nothing but the widget's host element's shadow root.
        const outside = Array.from(document.body.querySelectorAll('*')).map((e) => e.tagName.toLowerCase());
        if (outside.join(',') !== 'h1,div,script') problems.push(`host page now has ${outside.join(',')}`);
        const links = Array.from(widget.querySelectorAll('a')).map((a) => a.href);
        return { problems, links, pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null };
      });
      expect(audit.problems).toEqual([]);
      expect(audit.pwned).toBeNull();
      // The URLs in the canaries did become (safe) links.
      expect(audit.links).toContain('https://example.com/');
      expect(audit.links).toContain('https://ok.example/');
      expect(audit.links).toContain('https://example.com/a?b=');
      expect(errorsOf(page)).toEqual([]);
    }
    // Hover what would carry a mouse handler if it had been parsed as HTML.
    for (const el of await victim
      .locator('.lt-body, .lt-author')
      .filter({ hasText: /onmouseover|onfocus/ })
      .all())
      await el.hover();
    await sleep(100);
    expect(await victim.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null)).toBeNull();
    expect(dialogs).toEqual([]);
    expect(requests.filter((u) => /\/x$|example\.com|ok\.example|canary/.test(u))).toEqual([]);
  }, 90_000);

  it('keyboard only: sign in as a guest, post, reply and edit, with the new comment announced', async () => {
    const article = 'e2e-keyboard';
    const watcher = await openDemo(await newContext({ viewport: { width: 1280, height: 1600 } }), nodeB(), article);
    await scrollToEnd(watcher);
    const page = await openDemo(await newContext(), nodeA(), article);
    const kb = page.keyboard;

    /** The focused element, looking inside shadow roots. */
    const focused = () =>
      page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        const article = el?.closest('article.lt-comment') as HTMLElement | null | undefined;
        return {
          tag: el?.tagName.toLowerCase() ?? null,
          cls: el?.getAttribute('class') ?? '',
          text: el?.textContent ?? '',
          value: (el as HTMLTextAreaElement | null)?.value ?? null,
          inComment: article?.dataset.commentId ?? null,
          inForm: el?.closest('form')?.getAttribute('class') ?? null,
        };
      });
    type Focus = Awaited<ReturnType<typeof focused>>;
    /** Presses Tab until the focus satisfies `want` (never more than `max` times). */
    const tabTo = async (want: (f: Focus) => boolean, what: string, max = 40) => {
      for (let i = 0; i < max; i++) {
        await kb.press('Tab');
        const f = await focused();
        if (want(f)) return f;
      }
      throw new Error(`Tab never reached ${what}`);
    };

    await tabTo((f) => f.cls.includes('lt-guest-name'), 'the guest name field');
    await kb.type('Kiki Keys');
    await kb.press('Enter');
    await eventually(async () => (await focused()).cls.includes('lt-composer-input'));
    expect((await focused()).inForm).toBe('lt-composer');

    // Post: type, Tab to the Post button, Enter.
    await kb.type('Typed without a mouse.');
    await tabTo((f) => f.cls.includes('lt-post'), 'the Post button', 3);
    await kb.press('Enter');
    const [mine] = await watchThread(page, (s) => s.length === 1 && !s[0]!.pending);
    expect(mine).toMatchObject({ body: 'Typed without a mouse.', author: 'Kiki Keys', depth: 0 });
    await eventually(async () => (await announced(page)) === 'Your comment was posted');
    await eventually(async () => (await announced(watcher)) === 'New comment from Kiki Keys');
    expect(await bodies(watcher)).toEqual(['Typed without a mouse.']);

    // Reply: Tab to this comment's Reply button, Enter, type, Ctrl+Enter.
    const reply = await tabTo((f) => f.cls.includes('lt-reply') && f.inComment === mine!.id, 'the Reply button');
    expect(reply.text).toBe('Reply');
    await kb.press('Enter');
    await eventually(async () => (await focused()).inForm?.includes('lt-reply-form'));
    await kb.type('And a reply, also by keyboard.');
    await kb.press('Control+Enter');
    const withReply = await watchThread(page, (s) => s.length === 2 && s.every((c) => c.id && !c.pending));
    expect(withReply[1]).toMatchObject({ body: 'And a reply, also by keyboard.', depth: 1, author: 'Kiki Keys' });
    // The focus went back to the Reply button it came from.
    expect(await focused()).toMatchObject({ inComment: mine!.id, cls: expect.stringContaining('lt-reply') });
    await eventually(async () => (await announced(page)) === 'Your comment was posted');
    await eventually(async () => (await announced(watcher)) === 'New comment from Kiki Keys');

    // Edit the reply: Tab to its Edit button, Enter, replace the text, Tab to Save, Enter.
    const replyId = withReply[1]!.id!;
    await tabTo((f) => f.cls.includes('lt-edit') && f.inComment === replyId, 'the Edit button of the reply');
    await kb.press('Enter');
    await eventually(async () => (await focused()).inForm?.includes('lt-edit-form'));
    expect((await focused()).value).toBe('And a reply, also by keyboard.');
    await kb.press('Control+A');
    await kb.type('And a reply, edited by keyboard.');
    await tabTo((f) => f.cls.includes('lt-post') && (f.inForm ?? '').includes('lt-edit-form'), 'the Save button', 3);
    await kb.press('Enter');
    await watchThread(page, (s) => s[1]?.body === 'And a reply, edited by keyboard.' && s[1].edited);
    await eventually(async () => (await announced(page)) === 'Your comment was updated');
    expect(await focused()).toMatchObject({ inComment: replyId, cls: expect.stringContaining('lt-edit') });
    await watchThread(watcher, (s) => s[1]?.body === 'And a reply, edited by keyboard.' && s[1].edited);
    expect(errorsOf(page)).toEqual([]);
  }, 45_000);

  it('screenshots of the demo page, light and dark, go to test-results/', async () => {
    const article = 'e2e-screenshot';
    mkdirSync(RESULTS, { recursive: true });
    // A node whose clock runs behind gives the seeded comments realistic ages.
    let ago = 0;
    const past = await startNode({ redisUrl: redis!.url, name: 'past', env: env(), clock: { now: () => new Date(Date.now() - ago) } });
    extraNodes.push(past);
    const say = async (sub: string, name: string, minutesAgo: number, body: string, parentId?: string) => {
      ago = minutesAgo * 60_000;
      const c = sdkClient(past.url, await token(past, sub, 'commenter', name));
      return c.post({ articleId: article, body, parentId });
    };
    const dana = await say(
      'dana',
      'Dana Whitfield',
      135,
      "Nineteen years looking at that fence from my kitchen window. I'll believe it when I can push a buggy along the river, but tonight I'm happy.",
    );
    await say('joe', 'Joe Mensah', 118, 'Same here. Keeping the engine sheds as a covered market is the best part of it.', dana.id);
    const tom = await say(
      'tom',
      'Tom Hallworth',
      96,
      'Nobody is against parks, but 900 homes is 900 homes. Where exactly are these car-park sites, and when do they actually get built?',
    );
    const priya = await say(
      'priya',
      'Priya Raman',
      71,
      'The station car parks are in the draft local plan, table 4: https://example.org/westbrook/local-plan. Around 650 homes, so not all of it, but not nothing either.',
      tom.id,
    );
    const tom2 = await say(
      'tom',
      'Tom Hallworth',
      64,
      "650 isn't 900, and the plan says 2031 at the earliest. That's my whole point.",
      priya.id,
    );
    await say(
      'priya',
      'Priya Raman',
      52,
      'Fair. Though the yard would have needed years of clean-up before anyone could live on it anyway.',
      tom2.id,
    );
    const gone = await say('anon', 'Throwaway', 40, 'This whole thing is a waste of money.');
    await say('ruth', 'Ruth Adeyemi', 33, 'The decontamination is funded separately, so the park budget is not affected.', gone.id);
    ago = 30 * 60_000;
    await sdkClient(past.url, await token(past, 'anon', 'commenter', 'Throwaway')).delete({ articleId: article, commentId: gone.id });
    const maya = await say(
      'maya',
      'Maya Okafor',
      12,
      'Reporter here: the first section along the river is due to open in summer 2027. We will follow the works.',
    );
    ago = 4 * 60_000;
    await sdkClient(past.url, await token(past, 'maya', 'commenter', 'Maya Okafor')).edit({
      articleId: article,
      commentId: maya.id,
      body: 'Reporter here: the first section along the river is due to open in summer 2027, the rest by 2029. We will follow the works.',
    });

    const page = await openDemo(await newContext({ viewport: { width: 1100, height: 900 } }), nodeA(), article);
    await signInGuest(page, 'Sam Rivera');
    await watchThread(page, (s) => s.length === 9);
    await postViaUi(page, 'Will the riverside path be step-free? Half the estate uses wheelchairs or buggies.');
    await page.locator('textarea.lt-composer-input').evaluate((el) => (el as HTMLTextAreaElement).blur());
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: path.join(RESULTS, `demo-${scheme}.png`), fullPage: true });
      await page.locator('[data-livethread-article]').screenshot({ path: path.join(RESULTS, `widget-${scheme}.png`) });
    }
    expect(errorsOf(page)).toEqual([]);
    if (process.env.E2E_UPDATE_SCREENSHOT === '1')
      await copyFile(path.join(RESULTS, 'widget-light.png'), path.join(ROOT, 'docs/screenshot.png'));
  }, 45_000);

  it('bidi overrides and stacked combining marks in a name or a body stay inside their element', async () => {
    const article = 'e2e-text-isolation';
    const plain = await (
      await sdkCommenter(nodeA(), 'ada', 'Ada Plain')
    ).post({ articleId: article, body: 'A plain comment, posted first.' });
    // A short host page, oldest first: the new comment shows at once, below the plain one,
    // which does not move.
    const page = await host!.open(await newContext(), nodeA(), article);
    await page.locator('.lt-sort-oldest').click();
    const neighbour = page.locator(`article[data-comment-id="${plain.id}"]`);
    await neighbour.waitFor();
    // Inside its box, clear of the rules between comments.
    const box = (await neighbour.boundingBox())!;
    const inside = { x: box.x + 4, y: box.y + 4, width: box.width - 8, height: box.height - 8 };
    const before = await page.screenshot({ clip: inside, animations: 'disabled' });

    // An unclosed right-to-left override, and 60 marks above and 60 below every letter.
    const stacked = (text: string) => [...text].map((ch) => ch + '\u0301\u0316'.repeat(60)).join('');
    const odd = await sdkCommenter(nodeA(), 'zed', `\u202EZ${'\u0301'.repeat(40)}`);
    const strange = await odd.post({ articleId: article, body: `\u202Edesrever ${stacked('text')}` });
    await watchThread(page, (shown) => shown.map((c) => c.id).join() === [plain.id, strange.id].join());

    const styles = await page.locator(`article[data-comment-id="${strange.id}"]`).evaluate((a) =>
      ['.lt-author', '.lt-body'].map((sel) => {
        const el = a.querySelector<HTMLElement>(sel)!;
        const css = getComputedStyle(el);
        return { sel, dir: el.getAttribute('dir'), unicodeBidi: css.unicodeBidi, overflow: css.overflow, wrap: css.overflowWrap };
      }),
    );
    expect(styles).toEqual([
      { sel: '.lt-author', dir: 'auto', unicodeBidi: 'isolate', overflow: 'clip', wrap: 'anywhere' },
      { sel: '.lt-body', dir: 'auto', unicodeBidi: 'isolate', overflow: 'clip', wrap: 'anywhere' },
    ]);
    mkdirSync(RESULTS, { recursive: true });
    await page.locator('[data-livethread-article]').screenshot({ path: path.join(RESULTS, 'widget-text-isolation.png') });
    // The marks rising from the strange name and body would cover the plain comment above:
    // it looks exactly as it did before.
    expect((await neighbour.boundingBox())!.y).toBe(box.y);
    const after = await page.screenshot({ clip: inside, animations: 'disabled' });
    expect(after.equals(before)).toBe(true);
    expect(errorsOf(page)).toEqual([]);
  }, 45_000);
});
