/**
 * The console knows the past: at sign-in its feed shows the recent activity across articles; after
 * its node restarts it reconnects and shows what happened meanwhile, once; a `#token=` link signs
 * a moderator in and leaves the address bar at once.
 */
import { describe, expect, it } from 'vitest';
import { token } from '../support/nodes.js';
import { ok } from '../support/acks.js';
import { consoleLive, consoleNodes, feedTexts, openConsole, pageErrors, show, signedIn, until } from './console-helpers.js';

const env = consoleNodes();

describe('moderator console: the feed and sign-in', () => {
  it('shows the recent activity across articles at sign-in, before anything new happens', async () => {
    const { a, b, browser } = env;
    const wes = await signedIn(b, 'wes', 'commenter', 'Wes');
    ok(await wes.emitWithAck('comment:post', { articleId: 'past-one', body: 'Posted before the console opened' }));
    const doomed = ok(await wes.emitWithAck('comment:post', { articleId: 'past-two', body: 'Removed before the console opened' }));
    const max = await signedIn(b, 'max', 'moderator', 'Max');
    ok(await max.emitWithAck('mod:remove', { articleId: 'past-two', commentId: doomed.comment.id, reason: 'off topic' }));

    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await show(page, 'feed');
    await until(async () => (await feedTexts(page)).some((t) => t.includes('Posted before the console opened')));
    const texts = await feedTexts(page);
    const removed = texts.find((t) => t.includes('Removed before the console opened'));
    expect(removed).toContain('Removed');
    expect(removed).toContain('past-two');
    expect(texts.find((t) => t.includes('Posted before the console opened'))).toContain('past-one');
    expect(texts.join('\n')).not.toContain('No activity yet');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 90_000);

  it('after its node restarts, the feed shows what was posted meanwhile, once, and goes on live', async () => {
    const { browser } = env;
    const context = await browser.newContext();
    const page = await openConsole(context, env.a, await token(env.a, 'mia', 'moderator', 'Mia'));
    await show(page, 'feed');
    const ada = await signedIn(env.b, 'ada', 'commenter', 'Ada');
    ok(await ada.emitWithAck('comment:post', { articleId: 'catch-up', body: 'Seen live before the restart' }));
    await until(async () => (await feedTexts(page)).some((t) => t.includes('Seen live before the restart')));

    await env.restartA(async () => {
      await until(async () => (await page.locator('.lm-status').getAttribute('data-state')) === 'reconnecting');
      ok(await ada.emitWithAck('comment:post', { articleId: 'catch-up', body: 'Posted while the console was away' }));
    });
    await consoleLive(page, 30_000);
    await until(async () => (await feedTexts(page)).some((t) => t.includes('Posted while the console was away')));
    const texts = await feedTexts(page);
    expect(texts.filter((t) => t.includes('Posted while the console was away'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('Seen live before the restart'))).toHaveLength(1);
    expect(texts.some((t) => t.includes('Reconnected:') && t.includes('added below'))).toBe(true);
    expect(texts.join('\n')).not.toMatch(/not shown/);
    // The missed comment sits below the reconnect line, in its place.
    const marker = texts.findIndex((t) => t.includes('Reconnected:'));
    expect(texts.findIndex((t) => t.includes('Posted while the console was away'))).toBeGreaterThan(marker);

    // And live again afterwards.
    ok(await ada.emitWithAck('comment:post', { articleId: 'catch-up', body: 'After the reconnect' }));
    await until(async () => (await feedTexts(page)).some((t) => t.includes('After the reconnect')));
    expect((await feedTexts(page)).findIndex((t) => t.includes('After the reconnect'))).toBe(0);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('a #token= link signs in, is kept like a pasted token, and leaves the address bar', async () => {
    const { a, browser } = env;
    const context = await browser.newContext();
    const tokenValue = await token(a, 'mia', 'moderator', 'Mia');
    const page = await openConsole(context, a, tokenValue, 'link');
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => location.href)).toBe(`${a.url}/moderate`);
    expect(await page.evaluate(() => localStorage.getItem('livethread:modtoken'))).toBe(tokenValue);
    expect(await page.locator('.lm-user-box').innerText()).toContain('Mia');
    // Opened again without the link: still signed in.
    await page.reload();
    await consoleLive(page);
    await context.close();
  }, 60_000);

  it('a link with a bad token says why on the sign-in card, keeps nothing and leaves the address bar', async () => {
    const { a, browser } = env;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${a.url}/moderate#token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bm90LWEtc2lnbmF0dXJl`);
    await page.locator('.lm-signin-error').filter({ hasText: 'unauthorized' }).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => localStorage.getItem('livethread:modtoken'))).toBeNull();
    expect(await page.locator('.lm-console').isHidden()).toBe(true);
    // Not even a token's shape: said at once.
    await page.goto(`${a.url}/moderate#token=garbage`);
    await page.locator('.lm-signin-error').filter({ hasText: 'damaged' }).waitFor();
    expect(await page.evaluate(() => location.hash)).toBe('');
    await context.close();
  }, 60_000);
});
