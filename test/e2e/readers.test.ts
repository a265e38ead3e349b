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
import { Parser } from 'htmlparser2';
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
      if ((attr.name === 'href' || attr.name === 'src' || attr.name === 'action') && !/^(https?:|mailto:|#lt-)/i.test(attr.value)) bad.push(tag + '[' + attr.name + '=' + attr.value + ']');
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

/** thread.html of an article from a node, with its response. */
async function threadHtml(node: TestNode, articleId: string, query = '') {
  const res = await fetch(`${node.url}/api/articles/${encodeURIComponent(articleId)}/thread.html${query}`);
  return { res, html: await res.text() };
}

const VOID = new Set(['br', 'input']);
const ALLOWED = new Set([
  ...['style', 'section', 'header', 'h2', 'span', 'div', 'form', 'p', 'label', 'input', 'button', 'article', 'time', 'b', 'a'],
  ...['em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'br'],
]);

/**
 * Checks thread.html as an HTML parser reads it: every element closed explicitly and in order
 * (nothing the parser had to imply, so no misnesting), only the elements it is made of, no event
 * handler attributes, links only to http(s), mailto or a comment of its own, ids unique and every
 * reference to an id resolving. Returns the elements, for checks of structure.
 */
function checkHtml(html: string) {
  const problems: string[] = [];
  const stack: string[] = [];
  const ids = new Set<string>();
  const refs: string[] = [];
  const elements: { name: string; attrs: Record<string, string>; parents: string[] }[] = [];
  const parser = new Parser(
    {
      onopentag(name, attrs, implied) {
        if (implied) problems.push(`<${name}> implied`);
        if (!ALLOWED.has(name)) problems.push(`<${name}> is not expected`);
        for (const [k, v] of Object.entries(attrs)) {
          if (/^on/i.test(k)) problems.push(`<${name} ${k}>`);
          if (k === 'href' && !/^(https?:|mailto:|#lt-)/.test(v)) problems.push(`<${name} href=${v}>`);
          if (k === 'src' || k === 'action' || k === 'formaction') problems.push(`<${name} ${k}>`);
          if (k === 'id') {
            if (ids.has(v)) problems.push(`duplicate id ${v}`);
            ids.add(v);
          }
          if (k === 'for' || k === 'aria-labelledby') refs.push(v);
        }
        elements.push({ name, attrs, parents: stack.map((p) => p) });
        if (!VOID.has(name)) stack.push(name);
      },
      onclosetag(name, implied) {
        if (VOID.has(name)) return;
        if (implied) problems.push(`</${name}> implied`);
        const top = stack.pop();
        if (top !== name) problems.push(`</${name}> closes <${top}>`);
      },
    },
    { decodeEntities: true, lowerCaseTags: false, lowerCaseAttributeNames: false, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  if (stack.length) problems.push(`left open: ${stack.join(' ')}`);
  for (const r of refs) if (!ids.has(r)) problems.push(`no element with id ${r}`);
  return { problems, elements };
}

describe('thread.html', () => {
  it('is valid, escaped, semantic HTML of the first page, bounded and cacheable; it shows the comments with JavaScript off', async () => {
    const article = 'readers-html';
    const writer = await commenter(nodeB(), 'ann', 'Ann <b>&amp;</b>');
    const mod = await commenter(nodeB(), 'mo', 'Mo the moderator', 'moderator');
    const root = await writer.post({ articleId: article, body: 'A **first** comment with a [link](https://example.com/).' });
    const reply = await mod.post({ articleId: article, body: 'A reply from staff.\n\n> quoted', parentId: root.id });
    const long = await writer.post({ articleId: article, body: Array.from({ length: 20 }, (_, i) => `Line ${i + 1}`).join('\n') });

    const { res, html } = await threadHtml(nodeA(), article, '?theme=light');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    const { problems, elements } = checkHtml(html);
    expect(problems).toEqual([]);
    const articles = elements.filter((e) => e.name === 'article');
    expect(articles.map((a) => a.attrs['data-comment-id'])).toEqual([long.id, root.id, reply.id]);
    expect(articles.map((a) => a.attrs.id)).toEqual([`lt-${long.id}`, `lt-${root.id}`, `lt-${reply.id}`]);
    // Roots: .lt-root > .lt-thread > .lt-item > article; a reply: … .lt-replies > .lt-item > article.
    expect(articles.map((a) => [a.attrs['data-depth'], a.parents.slice(-3)])).toEqual([
      ['0', ['section', 'div', 'div']],
      ['0', ['section', 'div', 'div']],
      ['1', ['div', 'div', 'div']],
    ]);
    expect(elements.filter((e) => e.name === 'section')).toHaveLength(1);
    expect(elements.filter((e) => e.name === 'style')).toHaveLength(1);
    expect(html).toContain('<span class="lt-author" dir="auto" itemprop="author">Ann &lt;b&gt;&amp;amp;&lt;/b&gt;</span>');
    expect(articles.every((a) => a.attrs.itemtype === 'https://schema.org/Comment')).toBe(true);
    expect(html).toContain('<strong>first</strong>');
    expect(html).toContain('<a href="https://example.com/" rel="nofollow ugc noopener noreferrer" target="_blank">link</a>');
    expect(html).toContain('<blockquote><p>quoted</p></blockquote>');
    expect(html).toMatch(/<span class="lt-staff" title="[^"]+">Staff<\/span>/);
    expect(html).toContain(`<a class="lt-link lt-more" href="#lt-${long.id}">Show more</a>`);
    // German by ?lang= or Accept-Language.
    expect((await threadHtml(nodeA(), article, '?lang=de')).html).toContain('>Kommentare<');
    const accepted = await fetch(`${nodeA().url}/api/articles/${article}/thread.html`, {
      headers: { 'accept-language': 'es-ES,es;q=0.9' },
    });
    expect(await accepted.text()).toContain('>Comentarios<');
    expect((await threadHtml(nodeA(), 'readers-html-nothing')).html).toContain('No comments yet.');
    expect((await threadHtml(nodeA(), 'bad id with spaces')).res.status).toBe(400);

    // Included server-side in a host page, read with JavaScript off.
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    hostPage = async () => articlePage(nodeA(), article, { inside: (await threadHtml(nodeA(), article, '?theme=light')).html });
    await page.goto(`${hostOrigin}/`);
    const shown = page.locator('[data-livethread-article] article.lt-comment');
    expect(await shown.count()).toBe(3);
    for (const i of [0, 1, 2]) expect(await shown.nth(i).isVisible()).toBe(true);
    expect(await page.locator(`#lt-${root.id} .lt-body`).innerText()).toBe('A first comment with a link.');
    expect(await page.locator(`#lt-${reply.id} .lt-staff`).isVisible()).toBe(true);
    // Styled by the widget's stylesheet: a card with the widget's look, replies indented.
    const look = await page.evaluate((replyId) => {
      const root = document.querySelector('.lt-root')!;
      const reply = document.getElementById(`lt-${replyId}`)!;
      return {
        radius: getComputedStyle(root).borderTopLeftRadius,
        indent: reply.getBoundingClientRect().left - root.getBoundingClientRect().left,
      };
    }, reply.id);
    expect(look.radius).toBe('14px');
    expect(look.indent).toBeGreaterThan(50);
    // The long body is collapsed; its "Show more" link opens it without script.
    const longBody = page.locator(`#lt-${long.id} .lt-body`);
    const collapsed = (await longBody.boundingBox())!.height;
    await page.locator(`#lt-${long.id} .lt-more`).click();
    expect((await longBody.boundingBox())!.height).toBeGreaterThan(collapsed * 1.4);
  }, 60_000);

  it('the widget takes thread.html over in place: the same box in every frame, then live', async () => {
    const article = 'readers-takeover';
    const writer = await commenter(nodeB(), 'kim', 'Kim');
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const c = await writer.post({ articleId: article, body: `Comment ${i} with *some* text.\nAnd a second line.` });
      ids.push(c.id);
      if (i % 2 === 0) await writer.post({ articleId: article, body: `A reply to comment ${i}`, parentId: c.id });
    }
    await writer.post({ articleId: article, body: Array.from({ length: 16 }, (_, i) => `Long line ${i + 1}`).join('\n') });
    const context = await newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e));
    // The widget module waits until the server's markup has been measured.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/assets/embed.*.js', async (route) => {
      await released;
      await route.continue();
    });
    // Every frame, from the first: the widget's box (host div) and where its thread is.
    await page.addInitScript(`
      window.__frames = [];
      const sample = () => {
        const host = document.querySelector('[data-livethread-article]');
        if (host) {
          const thread = (host.shadowRoot && host.shadowRoot.querySelector('.lt-thread')) || host.querySelector('.lt-thread');
          const h = host.getBoundingClientRect();
          const t = thread ? thread.getBoundingClientRect() : null;
          window.__frames.push({ h: [h.x, h.y, h.width, h.height], t: t && [t.x, t.y, t.width, t.height], widget: !!(host.shadowRoot && host.shadowRoot.querySelector('.lt-root')) });
        }
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    `);
    hostPage = async () => articlePage(nodeA(), article, { inside: (await threadHtml(nodeA(), article, '?theme=light')).html });
    // Not "load": the page's load waits for the held module.
    await page.goto(`${hostOrigin}/`, { waitUntil: 'domcontentloaded' });
    await page.waitForTimeout(300);
    const box = (sel: string) =>
      page.evaluate((sel) => {
        const host = document.querySelector('[data-livethread-article]')!;
        const el = (host.shadowRoot?.querySelector(sel) ?? host.querySelector(sel))!;
        const r = el.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height };
      }, sel);
    const before = { host: await box('.lt-root'), thread: await box('.lt-thread') };
    expect(before.thread.height).toBeGreaterThan(500);
    release();
    await live(page);
    await eventually(async () => (await thread(page)).length === 10);
    const after = { host: await box('.lt-root'), thread: await box('.lt-thread') };
    expect(after).toEqual(before);
    const frames = (await page.evaluate('window.__frames')) as { h: number[]; t: number[] | null; widget: boolean }[];
    const firstWithThread = frames.findIndex((f) => f.t !== null);
    const sampled = frames.slice(firstWithThread);
    expect(sampled.some((f) => !f.widget)).toBe(true);
    expect(sampled.some((f) => f.widget)).toBe(true);
    // No frame without the thread, and no frame where anything moved.
    for (const f of sampled) {
      expect(f.t).toEqual(sampled[0]!.t);
      expect(f.h).toEqual(sampled[0]!.h);
    }
    // The server's markup is gone from the div; the widget is live.
    expect(await page.evaluate(() => document.querySelector('[data-livethread-article]')!.children.length)).toBe(0);
    const fresh = await writer.post({ articleId: article, body: 'Posted after the takeover' });
    await eventually(async () => (await thread(page)).some((c) => c.id === fresh.id));
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('every XSS payload as Markdown stays inert in thread.html, parsed and in a browser', async () => {
    const article = 'readers-xss-html';
    const writer = await commenter(nodeB(), 'mal', 'Mallory');
    const bodies = xssPayloads().flatMap(asMarkdown);
    for (let i = 0; i < bodies.length; i += 6) await writer.post({ articleId: article, body: bodies.slice(i, i + 6).join('\n\n') });
    // Hostile names too.
    for (const [i, name] of xssPayloads().slice(0, 8).entries()) {
      const res = await fetch(`${nodeB().url}/api/session/guest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (res.status !== 201) continue;
      const guest = (await res.json()) as { token: string };
      await sdkClient(nodeB().url, guest.token).post({ articleId: article, body: `guest ${i}` });
    }
    const { html } = await threadHtml(nodeA(), article);
    expect(checkHtml(html).problems).toEqual([]);
    expect(html).not.toMatch(/<(script|img|iframe|svg|math|details|body|object|embed)\b/i);
    expect(html).not.toMatch(/href="\s*(javascript|data|vbscript):/i);

    // In a page with script on and no widget (its module blocked): only thread.html runs, or not.
    const context = await newContext();
    await context.route('**/embed.js', (route) => route.abort());
    const bare = await openHost(context, articlePage(nodeA(), article, { inside: html }), false);
    await bare.page.waitForTimeout(500);
    expect(await bare.page.locator('[data-livethread-article] article.lt-comment').count()).toBeGreaterThan(20);
    expect(await bare.page.evaluate(`(${DANGEROUS})(document.querySelector('[data-livethread-article]'))`)).toEqual([]);
    expect(await bare.page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(bare.dialogs).toEqual([]);

    // And taken over by the widget.
    const { page, dialogs } = await openHost(await newContext(), articlePage(nodeA(), article, { inside: html }));
    await page.waitForTimeout(300);
    expect(await page.evaluate(`(${DANGEROUS})(document.querySelector('[data-livethread-article]').shadowRoot)`)).toEqual([]);
    expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

describe('trust cues', () => {
  it("a moderator's comment carries a staff badge; a signed-in moderator removes and bans from the widget, after a confirmation, live for every reader", async () => {
    const article = 'readers-moderate';
    const mod = await commenter(nodeB(), 'mod-1', 'Mona Moderator', 'moderator');
    const troll = await commenter(nodeB(), 'troll', 'Trollface');
    const fine = await commenter(nodeB(), 'fine', 'Fiona');
    const staffNote = await mod.post({ articleId: article, body: 'Please keep it civil.' });
    const bad = await fine.post({ articleId: article, body: 'A heated comment' });
    const spam = await troll.post({ articleId: article, body: 'Buy cheap watches' });
    const spam2 = await troll.post({ articleId: article, body: 'Buy more cheap watches', parentId: bad.id });

    const reader = await openHost(await newContext(), articlePage(nodeA(), article));
    await eventually(async () => (await thread(reader.page)).length === 4);
    const badge = reader.page.locator(`article[data-comment-id="${staffNote.id}"] .lt-staff`);
    expect(await badge.innerText()).toBe('Staff');
    expect(await reader.page.locator(`article[data-comment-id="${bad.id}"] .lt-staff`).count()).toBe(0);
    // A reader has no moderation buttons.
    expect(await reader.page.locator('.lt-mod-remove, .lt-mod-ban').count()).toBe(0);

    const modToken = await token(nodeA(), 'mod-2', 'moderator', 'Max Moderator');
    const moderator = await openHost(await newContext(), articlePage(nodeA(), article, { attrs: `data-token="${modToken}"` }));
    const mp = moderator.page;
    await eventually(async () => (await thread(mp)).length === 4);
    const on = (id: string) => mp.locator(`article[data-comment-id="${id}"]`);
    expect(await on(bad.id).locator('.lt-mod-remove').count()).toBe(1);
    expect(await on(bad.id).locator('.lt-mod-ban').count()).toBe(1);

    // Remove, cancelled: nothing happens.
    await on(bad.id).locator('.lt-mod-remove').click();
    expect(await on(bad.id).locator('.lt-confirm-text').innerText()).toBe(
      'Remove this comment by Fiona? Readers will see that it was removed.',
    );
    await on(bad.id).locator('.lt-confirm-no').click();
    expect(await on(bad.id).locator('.lt-confirm').count()).toBe(0);
    expect(await on(bad.id).locator('.lt-mod-remove').count()).toBe(1);

    // Remove, confirmed: the reader on the other node sees it go.
    await on(bad.id).locator('.lt-mod-remove').click();
    await on(bad.id).locator('.lt-confirm-yes').click();
    await eventually(async () => (await thread(reader.page)).find((c) => c.id === bad.id)?.removed === true);
    await eventually(async () => (await thread(mp)).find((c) => c.id === bad.id)?.removed === true);

    // Ban: the troll's comments go for every reader, and the troll cannot post any more.
    await on(spam.id).locator('.lt-mod-ban').click();
    expect(await on(spam.id).locator('.lt-confirm-text').innerText()).toBe('Ban Trollface from commenting and remove their comments?');
    await on(spam.id).locator('.lt-confirm-yes').click();
    await eventually(async () => {
      const shown = await thread(reader.page);
      return !shown.some((c) => (c.id === spam.id || c.id === spam2.id) && !c.removed);
    });
    await expect(troll.post({ articleId: article, body: 'Still here?' })).rejects.toMatchObject({ code: 'banned' });
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
