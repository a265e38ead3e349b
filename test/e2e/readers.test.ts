/**
 * Readers' features in a real browser (issue 12): Markdown bodies and their preview, the XSS
 * corpus as Markdown, thread.html and the widget's takeover of it, languages and right-to-left,
 * theming through CSS custom properties, and the moderator's tools in the widget.
 *
 * The pages are served by a host site of the test's own (another origin, no CSP), so that only
 * the widget and thread.html keep hostile text inert.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { launchBrowser } from './browser.js';
import { live, ROOT, thread } from './harness.js';

let redis: RedisServer | undefined;
let browser: Browser | undefined;
let hostServer: Server | undefined;
let hostOrigin = '';
/** What the host site answers; each test sets it. */
let hostPage: (req: IncomingMessage, url: URL) => string | Promise<string> = () => '<!doctype html><title>empty</title>';
const nodes: { a?: TestNode; b?: TestNode } = {};
let contexts: BrowserContext[] = [];
let setupError: unknown = null;
/** Errors thrown in the pages of the running test. */
let pageErrors: Error[] = [];

const nodeA = () => nodes.a!;
const nodeB = () => nodes.b!;

beforeAll(async () => {
  try {
    hostServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://host');
      Promise.resolve(hostPage(req, url)).then(
        (html) => {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(html);
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => hostServer!.listen(0, '127.0.0.1', resolve));
    hostOrigin = `http://127.0.0.1:${(hostServer.address() as { port: number }).port}`;
    browser = await launchBrowser();
    redis = await startRedis();
    const env = { POST_RATE: 'off', GUEST_RATE: 'off', SPAM_MAX_LINKS: '0', ALLOWED_ORIGINS: hostOrigin };
    [nodes.a, nodes.b] = await Promise.all([
      startNode({ redisUrl: redis.url, name: 'A', env }),
      startNode({ redisUrl: redis.url, name: 'B', env }),
    ]);
  } catch (e) {
    setupError = e;
  }
}, 60_000);

beforeEach(() => {
  if (setupError) throw setupError;
});

afterEach(async () => {
  pageErrors = [];
  closeClients();
  const open = contexts;
  contexts = [];
  await Promise.allSettled(open.map((c) => c.close()));
});

afterAll(async () => {
  closeClients();
  await browser?.close().catch(() => undefined);
  await Promise.allSettled([nodes.a?.stop(), nodes.b?.stop()]);
  await redis?.stop();
  hostServer?.closeAllConnections();
  await new Promise<void>((resolve) => (hostServer ? hostServer.close(() => resolve()) : resolve()));
}, 60_000);

async function newContext(opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser!.newContext({
    viewport: { width: 1100, height: 900 },
    colorScheme: 'light',
    reducedMotion: 'reduce',
    ...opts,
  });
  contexts.push(context);
  return context;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A host article page: `inside` goes in the widget's div, `attrs` on it. */
function articlePage(
  node: TestNode,
  articleId: string,
  opts: { lang?: string; dir?: string; attrs?: string; inside?: string; head?: string } = {},
) {
  return `<!doctype html>
<html lang="${opts.lang ?? 'en'}"${opts.dir ? ` dir="${opts.dir}"` : ''}><head><meta charset="utf-8"><title>Host article</title><link rel="icon" href="data:,">
<style>body { margin: 0; padding: 24px; font: 16px/1.5 Georgia, serif; } main { max-width: 760px; margin: 0 auto; }</style>${opts.head ?? ''}
</head><body><main><h1>An article</h1><p>Its text.</p>
<div data-livethread-article="${esc(articleId)}" data-theme="light" ${opts.attrs ?? ''}>${opts.inside ?? ''}</div>
</main><script src="${esc(node.url)}/embed.js" async></script></body></html>`;
}

/** Opens `html` as the host's page; dialogs are recorded (and dismissed). */
async function openHost(context: BrowserContext, html: string, waitLive = true): Promise<{ page: Page; dialogs: string[] }> {
  hostPage = () => html;
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${hostOrigin}/`);
  if (waitLive) await live(page);
  return { page, dialogs };
}

async function commenter(node: TestNode, sub: string, name: string, role: 'commenter' | 'moderator' = 'commenter') {
  const client = sdkClient(node.url, await token(node, sub, role, name));
  await eventually(() => client.connected);
  return client;
}

/** The XSS corpus, and canaries that would leave a trace if they ran. */
function xssPayloads(): string[] {
  const corpus = readFileSync(path.join(ROOT, 'test/e2e/xss-payloads.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('# '));
  expect(corpus.length).toBe(15);
  return [
    ...corpus,
    'javascript:window.__pwned=1',
    'javascript&#58;window.__pwned=1',
    'jav&#x09;ascript:window.__pwned=1',
    '"><img src=x onerror=window.__pwned=1>',
    'https://example.com/"onmouseover="window.__pwned=1"',
    '&lt;img src=x onerror=window.__pwned=1&gt;',
    'x](javascript:window.__pwned=1)',
    "https://ok.example/'onfocus='window.__pwned=1'autofocus='",
  ];
}

/** Each payload as a Markdown link, inline code, a quote and an autolink, and nested brackets. */
function asMarkdown(p: string): string[] {
  return [`[x](${p})`, `[[x]](${p} "t")`, `\`${p}\``, `> ${p}`, `<${p}>`, `[${p}](https://ok.example/)`];
}

/**
 * A page script: what the elements under `root` hold that could run script or navigate to it
 * (a string, not a function: tsx would add helper calls that do not exist in the page).
 */
const DANGEROUS = `(root) => {
  const bad = [];
  for (const el of root.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'img', 'iframe', 'svg', 'math', 'object', 'embed', 'details', 'body', 'frame', 'video'].includes(tag)) bad.push('<' + tag + '>');
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) bad.push(tag + '[' + attr.name + ']');
      if ((attr.name === 'href' || attr.name === 'src' || attr.name === 'action') && !/^(https?:|mailto:)/i.test(attr.value)) bad.push(tag + '[' + attr.name + '=' + attr.value + ']');
    }
  }
  return bad;
}`;

describe("readers' features in the widget", () => {
  it('bodies render the Markdown subset as elements, links with rel, long ones behind "Show more", and the composer previews', async () => {
    const article = 'readers-markdown';
    const writer = await commenter(nodeB(), 'mia', 'Mia');
    const body = [
      'Some *emphasis*, **strong**, `code` and a [link](https://example.com/a?b=1).',
      'Second line of the paragraph.',
      '',
      '> a quote',
      '',
      '- one',
      '- two',
      '',
      '3. three',
      '4. four',
      '',
      '```',
      'const x = 1 < 2;',
      '```',
      '',
      'mail <mailto:me@example.com> and ![img](https://example.com/i.png) and <b>html</b> and # no heading',
    ].join('\n');
    const c = await writer.post({ articleId: article, body });
    const long = await writer.post({
      articleId: article,
      body: Array.from({ length: 30 }, (_, i) => `Line ${i + 1} of a long comment.`).join('\n'),
    });
    const short = await writer.post({ articleId: article, body: Array.from({ length: 8 }, (_, i) => `Line ${i + 1}`).join('\n') });
    const { page } = await openHost(await newContext(), articlePage(nodeA(), article));
    await eventually(async () => (await thread(page)).length === 3);
    expect(await page.locator(`article[data-comment-id="${short.id}"] .lt-more`).count()).toBe(0);

    const shape = await page.evaluate((id) => {
      const root = document.querySelector('[data-livethread-article]')!.shadowRoot!;
      const b = root.querySelector(`article[data-comment-id="${id}"] .lt-body`)!;
      const outline = (el: Element): unknown[] => [el.tagName.toLowerCase(), ...Array.from(el.children).map(outline)];
      return {
        outline: Array.from(b.children).map(outline),
        links: Array.from(b.querySelectorAll('a')).map((a) => ({
          href: a.getAttribute('href'),
          rel: a.rel,
          target: a.target,
          text: a.textContent,
        })),
        code: b.querySelector('pre code')?.textContent,
        last: b.lastElementChild?.textContent,
        olStart: b.querySelector('ol')?.getAttribute('start'),
      };
    }, c.id);
    expect(shape.outline).toEqual([
      ['p', ['em'], ['strong'], ['code'], ['a'], ['br']],
      ['blockquote', ['p']],
      ['ul', ['li', ['p']], ['li', ['p']]],
      ['ol', ['li', ['p']], ['li', ['p']]],
      ['pre', ['code']],
      ['p', ['a'], ['a']],
    ]);
    expect(shape.links).toEqual([
      { href: 'https://example.com/a?b=1', rel: 'nofollow ugc noopener noreferrer', target: '_blank', text: 'link' },
      { href: 'mailto:me@example.com', rel: 'nofollow ugc noopener noreferrer', target: '_blank', text: 'mailto:me@example.com' },
      // No images: what would have been one is a link, its text the image's.
      { href: 'https://example.com/i.png', rel: 'nofollow ugc noopener noreferrer', target: '_blank', text: 'img' },
    ]);
    expect(shape.code).toBe('const x = 1 < 2;');
    expect(shape.olStart).toBe('3');
    expect(shape.last).toBe('mail mailto:me@example.com and !img and <b>html</b> and # no heading');

    // Over 12 lines: collapsed, "Show more" opens it, "Show less" closes it.
    const longBody = page.locator(`article[data-comment-id="${long.id}"] .lt-body`);
    const more = page.locator(`article[data-comment-id="${long.id}"] .lt-more`);
    const collapsed = (await longBody.boundingBox())!.height;
    expect(await more.textContent()).toBe('Show more');
    await more.click();
    const open = (await longBody.boundingBox())!.height;
    expect(open).toBeGreaterThan(collapsed * 2);
    expect(await more.textContent()).toBe('Show less');
    await more.click();
    expect((await longBody.boundingBox())!.height).toBe(collapsed);

    // The composer's preview is the server's rendering, and writing goes on after it.
    await page.locator('input.lt-guest-name').fill('Pat');
    await page.locator('.lt-guest-signin').click();
    const input = page.locator('.lt-compose textarea.lt-composer-input');
    await input.fill('**bold** and [x](javascript:alert(1)) and <https://example.org>');
    await page.locator('.lt-compose .lt-preview-toggle').click();
    const preview = page.locator('.lt-compose .lt-preview');
    await eventually(async () => (await preview.locator('strong').count()) === 1);
    expect(await preview.innerHTML()).toBe(
      '<p><strong>bold</strong> and [x](javascript:alert(1)) and <a href="https://example.org/" rel="nofollow ugc noopener noreferrer" target="_blank">https://example.org</a></p>',
    );
    expect(await input.isVisible()).toBe(false);
    await page.locator('.lt-compose .lt-preview-toggle').click();
    expect(await input.isVisible()).toBe(true);
    expect(await input.inputValue()).toBe('**bold** and [x](javascript:alert(1)) and <https://example.org>');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('every XSS payload as a Markdown link, code, quote and autolink stays inert in the widget', async () => {
    const article = 'readers-xss-md';
    const writer = await commenter(nodeB(), 'mal', 'Mallory');
    const bodies = xssPayloads().flatMap(asMarkdown);
    // One comment each would be a long thread: a few payloads per comment, each in its own paragraph.
    for (let i = 0; i < bodies.length; i += 6) await writer.post({ articleId: article, body: bodies.slice(i, i + 6).join('\n\n') });
    const { page, dialogs } = await openHost(await newContext(), articlePage(nodeA(), article));
    const expected = Math.ceil(bodies.length / 6);
    await eventually(async () => (await thread(page)).length === expected);
    await page.waitForTimeout(500);
    const found = await page.evaluate(`(${DANGEROUS})(document.querySelector('[data-livethread-article]').shadowRoot)`);
    expect(found).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('a German page shows German strings and relative times; data-lang and overrides pick and change them', async () => {
    const article = 'readers-de';
    const writer = await commenter(nodeB(), 'jo', 'Jo');
    await writer.post({ articleId: article, body: 'Guten Morgen' });
    const context = await newContext({ locale: 'en-US' });
    const page = await context.newPage();
    // Five minutes on: the comment reads "vor 5 Minuten".
    await page.clock.setFixedTime(Date.now() + 5 * 60_000 + 5_000);
    hostPage = () => articlePage(nodeA(), article, { lang: 'de-DE' });
    await page.goto(`${hostOrigin}/`);
    await live(page);
    await eventually(async () => (await thread(page)).length === 1);
    const text = (sel: string) => page.locator(sel).first().innerText();
    expect(await text('.lt-title')).toMatch(/^Kommentare/);
    expect(await text('.lt-time')).toBe('vor 5 Minuten');
    expect(await text('.lt-sort-newest')).toBe('Neueste');
    expect(await text('.lt-status')).toBe('Live');
    expect(await text('.lt-signin-intro')).toBe('Diskutieren Sie mit');
    expect(await text('.lt-reply')).toBe('Antworten');
    expect(await page.locator('.lt-root').getAttribute('lang')).toBe('de');

    // data-lang wins over the page's lang; data-strings and window.livethreadStrings override any string.
    const other = await context.newPage();
    hostPage = () =>
      articlePage(nodeA(), article, {
        lang: 'de',
        attrs: `data-lang="fr" data-strings='${esc(JSON.stringify({ comments: 'Le courrier des lecteurs' }))}'`,
        head: '<script>window.livethreadStrings = { fr: { reply: "Réagir" }, newest: "Nouveaux" };</script>',
      });
    await other.goto(`${hostOrigin}/`);
    await live(other);
    await eventually(async () => (await thread(other)).length === 1);
    expect(await other.locator('.lt-title').innerText()).toMatch(/^Le courrier des lecteurs/);
    expect(await other.locator('.lt-reply').innerText()).toBe('Réagir');
    expect(await other.locator('.lt-sort-newest').innerText()).toBe('Nouveaux');
    expect(await other.locator('.lt-sort-oldest').innerText()).toBe('Anciens');
    expect(await other.locator('.lt-time').innerText()).toBe('il y a 5 minutes');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('on an Arabic page the widget is right to left and an Arabic comment reads right to left', async () => {
    const article = 'readers-ar';
    const writer = await commenter(nodeB(), 'layla', 'ليلى');
    const arabic = await writer.post({ articleId: article, body: 'مرحبا بالجميع، هذا تعليق باللغة العربية.' });
    const english = await writer.post({ articleId: article, body: 'An English comment on the same page.' });
    const { page } = await openHost(await newContext(), articlePage(nodeA(), article, { lang: 'ar', dir: 'rtl' }));
    await eventually(async () => (await thread(page)).length === 2);
    const look = (id: string) =>
      page.evaluate((id) => {
        const root = document.querySelector('[data-livethread-article]')!.shadowRoot!;
        const a = root.querySelector(`article[data-comment-id="${id}"]`)!;
        const body = a.querySelector('.lt-body')!;
        const name = a.querySelector('.lt-author')!;
        return {
          body: getComputedStyle(body).direction,
          bodyDir: body.getAttribute('dir'),
          name: getComputedStyle(name).direction,
          nameDir: name.getAttribute('dir'),
          avatarRight: a.querySelector('.lt-avatar')!.getBoundingClientRect().right,
          bodyRight: body.getBoundingClientRect().right,
        };
      }, id);
    const ar = await look(arabic.id);
    expect(ar).toMatchObject({ body: 'rtl', bodyDir: 'auto', name: 'rtl', nameDir: 'auto' });
    // The avatar is at the right, the text to its left.
    expect(ar.avatarRight).toBeGreaterThan(ar.bodyRight);
    const en = await look(english.id);
    expect(en).toMatchObject({ body: 'ltr', bodyDir: 'auto' });
    expect(await page.locator('.lt-root').getAttribute('dir')).toBe('rtl');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('CSS custom properties on the host element change the look', async () => {
    const article = 'readers-theme';
    const writer = await commenter(nodeB(), 'tess', 'Tess');
    await writer.post({ articleId: article, body: 'Styled' });
    const plain = await openHost(await newContext(), articlePage(nodeA(), article));
    const styles = (page: Page) =>
      page.evaluate(() => {
        const root = document.querySelector('[data-livethread-article]')!.shadowRoot!;
        const r = getComputedStyle(root.querySelector('.lt-root')!);
        const b = getComputedStyle(root.querySelector('.lt-guest-signin')!);
        const c = getComputedStyle(root.querySelector('.lt-comment')!);
        return {
          font: r.fontFamily,
          size: r.fontSize,
          color: r.color,
          background: r.backgroundColor,
          radius: r.borderTopLeftRadius,
          padding: r.paddingLeft,
          accent: b.backgroundColor,
          commentPadding: c.paddingTop,
        };
      });
    const before = await styles(plain.page);
    const themed = await openHost(
      await newContext(),
      articlePage(nodeA(), article, {
        attrs:
          'style="--lt-font-family: Georgia, serif; --lt-font-size: 17px; --lt-text-color: rgb(10, 20, 30); --lt-background: rgb(250, 245, 235); --lt-accent-color: rgb(150, 0, 40); --lt-radius: 0px; --lt-spacing: 40px"',
      }),
    );
    const after = await styles(themed.page);
    expect(before.font).not.toContain('Georgia');
    expect(after).toEqual({
      font: 'Georgia, serif',
      size: '17px',
      color: 'rgb(10, 20, 30)',
      background: 'rgb(250, 245, 235)',
      radius: '0px',
      padding: '40px',
      accent: 'rgb(150, 0, 40)',
      commentPadding: `${40 * 0.58}px`,
    });
    expect(before.color).not.toBe(after.color);
    expect(before.radius).toBe('14px');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
