/**
 * How the console looks and what it never does: readable in light and dark (every text on screen
 * meets WCAG AA contrast), one column with tabs on a phone and no sideways scrolling in any view,
 * and hostile names and bodies shown as text, never as markup.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../support/acks.js';
import { token } from '../support/nodes.js';
import { ROOT } from './harness.js';
import { consoleNodes, guest, openConsole, pageErrors, show, signedIn, until, type ConsoleView } from './console-helpers.js';

const env = consoleNodes();

const LONG_ARTICLE = 'opinion/2026/06/01/a-very-long-article-slug-that-nobody-would-ever-type-by-hand-but-cms-do-make';
const LONG_WORD = `https://example.com/${'x'.repeat(180)}`;

/** A bit of everything: held, reported, removed, a ban, a long unbreakable word and article id. */
beforeAll(async () => {
  const { b } = env;
  const max = await signedIn(b, 'max', 'moderator', 'Max');
  const ana = await signedIn(b, 'ana', 'commenter', 'Ana');
  const { socket: troll, userId: trollId } = await guest(b, 'A guest with a rather long display name indeed');
  ok(await ana.emitWithAck('comment:post', { articleId: LONG_ARTICLE, body: `A link that does not break: ${LONG_WORD}` }));
  const removed = ok(await ana.emitWithAck('comment:post', { articleId: 'look', body: 'Removed for the looks' })).comment;
  ok(await max.emitWithAck('mod:remove', { articleId: 'look', commentId: removed.id, reason: 'testing the colours' }));
  const reported = ok(await troll.emitWithAck('comment:post', { articleId: 'look', body: 'Reported once' })).comment;
  ok(await ana.emitWithAck('comment:report', { articleId: 'look', commentId: reported.id, reason: 'rude' }));
  ok(await max.emitWithAck('mod:hold', { userId: 'ana', hold: true }));
  ok(await ana.emitWithAck('comment:post', { articleId: 'look', body: 'Held for review' }));
  ok(await max.emitWithAck('mod:ban', { userId: trollId, reason: 'testing', duration: '1h' }));
  ok(await max.emitWithAck('mod:note', { userId: 'ana', text: 'A note to look at' }));
}, 60_000);

/**
 * Every visible piece of text in the page with a contrast ratio under `min` against the colours
 * actually behind it (semi-transparent backgrounds composed up the tree). Disabled controls are
 * exempt, as in WCAG.
 */
function lowContrast(page: Page, min = 4.5): Promise<string[]> {
  return page.evaluate((min) => {
    type RGBA = [number, number, number, number];
    const parse = (c: string): RGBA | null => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const p = m[1]!
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [p[0]!, p[1]!, p[2]!, p[3] ?? 1];
    };
    const over = (top: RGBA, bottom: RGBA): RGBA => {
      const a = top[3];
      return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
    };
    const lum = (c: RGBA) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const background = (el: Element): RGBA => {
      const layers: RGBA[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c[3] > 0) {
          layers.push(c);
          if (c[3] >= 1) break;
        }
        // A modal dialog sits on its own background.
        if (e instanceof HTMLDialogElement) break;
      }
      const canvas = parse(getComputedStyle(document.documentElement).backgroundColor);
      let bg: RGBA =
        canvas && canvas[3] > 0 ? canvas : matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0, 1] : [255, 255, 255, 1];
      for (const l of layers.reverse()) bg = over(l, bg);
      return bg;
    };
    const bad: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const text = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? '')
        .join('')
        .trim();
      if (!text || !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      if (el.closest('[aria-disabled="true"], :disabled, .lm-sr-only, noscript')) continue;
      const style = getComputedStyle(el);
      const bg = background(el);
      const fg = over(parse(style.color)!, bg);
      const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : min))
        bad.push(
          `${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${el.className}: “${text.slice(0, 40)}” ${style.color} on rgb(${bg.slice(0, 3).map(Math.round).join(',')})`,
        );
    }
    return bad;
  }, min);
}

/** Visits every view, and the ban dialog, calling `check` on each. */
async function everyView(page: Page, check: (where: string) => Promise<void>): Promise<void> {
  for (const view of ['queue', 'feed', 'articles', 'search', 'user', 'thread', 'bans', 'audit', 'webhooks'] as ConsoleView[]) {
    await show(page, view);
    if (view === 'articles') await page.locator('.lm-article-row').first().waitFor();
    if (view === 'search') {
      await page.fill('.lm-search-text', 'e');
      await page.click('.lm-search-go');
      await page.locator('.lm-search-results > li').first().waitFor();
    }
    if (view === 'user') {
      await page.fill('.lm-user-lookup', 'ana');
      await page.locator('.lm-user-lookup-form button').click();
      await page.locator('.lm-user-card .lm-user-note').first().waitFor();
    }
    if (view === 'thread') {
      await page.fill('.lm-thread-id', LONG_ARTICLE);
      await page.click('.lm-thread-show');
      await page.locator('.lm-thread > li').first().waitFor();
    }
    if (view === 'bans') await page.locator('.lm-ban-row').first().waitFor();
    if (view === 'audit') await page.locator('.lm-audit-entry').first().waitFor();
    if (view === 'webhooks') await page.locator('.lm-hooks-note').waitFor({ state: 'attached' });
    await check(view);
  }
  await show(page, 'queue');
  await page.locator('.lm-queue .lm-ban').first().click();
  await page.locator('dialog.lm-dialog-ban').waitFor();
  await check('the ban dialog');
  await page.keyboard.press('Escape');
}

describe('moderator console: looks', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`${scheme}: every text in every view meets 4.5:1 contrast (3:1 when large)`, async () => {
      const { a, browser } = env;
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
      const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
      await page.locator('.lm-queue .lm-item').first().waitFor();
      // The page follows the system's scheme.
      const bodyBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bodyBg).toBe(scheme === 'dark' ? 'rgb(14, 17, 21)' : 'rgb(238, 240, 243)');
      const problems: string[] = [];
      await everyView(page, async (where) => {
        for (const p of await lowContrast(page)) problems.push(`${where}: ${p}`);
      });
      expect([...new Set(problems)]).toEqual([]);
      expect(pageErrors(page)).toEqual([]);
      await context.close();
    }, 120_000);
  }

  it('on a 390 px phone: one view at a time behind tabs, and no view scrolls sideways', async () => {
    const { a, browser } = env;
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    });
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await page.locator('.lm-queue .lm-item').first().waitFor();
    expect(await page.locator('.lm-tab-queue').isVisible()).toBe(true);
    expect(await page.locator('.lm-tab-feed').isVisible()).toBe(true);
    const wide: string[] = [];
    await everyView(page, async (where) => {
      const { scrollWidth, innerWidth, columns } = await page.evaluate(() => ({
        scrollWidth: document.scrollingElement!.scrollWidth,
        innerWidth: window.innerWidth,
        columns: [...document.querySelectorAll('.lm-col')].filter((c) => c.checkVisibility()).length,
      }));
      if (scrollWidth > innerWidth) wide.push(`${where}: ${scrollWidth} > ${innerWidth}`);
      if (!where.includes('dialog')) expect(columns, where).toBe(1);
    });
    expect(wide).toEqual([]);
    // The tabs switch by keyboard too.
    await page.locator('.lm-tab-queue').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('.lm-tab-feed').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#lm-panel-feed').isVisible()).toBe(true);
    expect(await page.locator('#lm-panel-queue').isVisible()).toBe(false);
    await context.close();
  }, 120_000);

  it('hostile names and bodies stay text: no element is made from them and nothing runs', async () => {
    const { a, b, browser } = env;
    const payloads = readFileSync(path.join(ROOT, 'test/e2e/xss-payloads.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('# '));
    const canaries = [
      '<img src=x onerror="window.__pwned=1">',
      '<svg onload="window.__pwned=1">',
      '" autofocus onfocus="window.__pwned=1" x="',
    ];
    const all = [...payloads.slice(0, 8), ...canaries];
    const posted: { id: string; body: string; name: string }[] = [];
    for (const [i, p] of all.entries()) {
      const s = await signedIn(b, `xss-${i}`, 'commenter', p);
      const body = `${p} #${i}`;
      posted.push({ id: ok(await s.emitWithAck('comment:post', { articleId: 'xss', body })).comment.id, body, name: p });
    }
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await show(page, 'feed');
    for (const p of posted) {
      const entry = page.locator(`.lm-feed [data-comment-id="${p.id}"]`);
      await entry.waitFor();
      expect(await entry.locator('.lm-body').textContent()).toBe(p.body);
      expect(await entry.locator('.lm-author-name').textContent()).toBe(p.name);
    }
    // Their cards, the search results and a ban dialog with a hostile name in its title.
    await page.locator(`.lm-feed [data-comment-id="${posted[0]!.id}"] .lm-author-name`).click();
    await until(async () => (await page.locator('.lm-user-name').textContent()) === posted[0]!.name);
    await show(page, 'search');
    await page.fill('.lm-search-text', '#');
    await page.click('.lm-search-go');
    await until(async () => (await page.locator('.lm-search-results > li').count()) >= all.length);
    await page.locator(`.lm-feed [data-comment-id="${posted[1]!.id}"] .lm-ban`).click();
    expect(await page.locator('dialog .lm-dialog-title').textContent()).toBe(`Ban ${posted[1]!.name}?`);
    await page.keyboard.press('Escape');
    await page.locator('.lm-feed .lm-author-name').first().hover();
    const made = await page.evaluate(
      () =>
        document.querySelectorAll(
          '#lm-app img, #lm-app svg, #lm-app iframe, #lm-app script, #lm-app details, #lm-app math, #lm-app a[href]',
        ).length,
    );
    expect(made).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
