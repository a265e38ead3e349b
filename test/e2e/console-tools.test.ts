/**
 * The console's tools, as a moderator uses them: the articles list, search and a user's card find
 * what was posted before they opened it; ban and close ask first; several held comments are
 * approved at once with each result reported; the queue says why each comment waits.
 */
import type { WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BanView, UserCard } from '../../shared/moderation.js';
import { err, ok } from '../support/acks.js';
import { token } from '../support/nodes.js';
import { consoleNodes, feedTexts, guest, openConsole, pageErrors, show, signedIn, until } from './console-helpers.js';

const env = consoleNodes({ heldWords: ['casino'] });

describe('moderator console: tools', () => {
  it("the articles list, search and a user's card find what was posted earlier; the card lists their comments on two articles", async () => {
    const { a, b, browser } = env;
    const wes = await signedIn(b, 'wes', 'commenter', 'Wes');
    ok(await wes.emitWithAck('comment:post', { articleId: 'tools-one', body: 'A needle in the haystack' }));
    ok(await wes.emitWithAck('comment:post', { articleId: 'tools-two', body: 'Another thought from Wes' }));
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));

    // Articles: the most recently active first, with counts; a click opens the thread.
    await show(page, 'articles');
    const row = page.locator('.lm-article-row[data-article-id="tools-one"]');
    await row.waitFor();
    expect(await row.innerText()).toMatch(/1 visible[\s\S]*0 held[\s\S]*0 reported/);
    expect(await row.locator('.lm-thread-state').innerText()).toBe('Open');
    const order = await page.locator('.lm-article-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.articleId));
    expect(order.indexOf('tools-two')).toBeLessThan(order.indexOf('tools-one'));
    await row.locator('.lm-article-open').click();
    await page.locator('#lm-panel-thread .lm-thread .lm-body', { hasText: 'A needle in the haystack' }).waitFor();
    expect(await page.locator('.lm-tab-thread').getAttribute('aria-selected')).toBe('true');

    // Search, by text (any case) and by author.
    await show(page, 'search');
    await page.fill('.lm-search-text', 'NEEDLE');
    await page.click('.lm-search-go');
    const results = page.locator('.lm-search-results > li');
    await until(async () => (await page.locator('.lm-search-status').innerText()).includes('1 comment'));
    expect(await results.count()).toBe(1);
    expect(await results.first().locator('.lm-body').innerText()).toBe('A needle in the haystack');
    await page.fill('.lm-search-text', '');
    await page.fill('.lm-search-author', 'wes');
    await page.click('.lm-search-go');
    await until(async () => (await page.locator('.lm-search-status').innerText()).includes('2 comments'));
    // A result has its actions.
    expect(await results.first().locator('.lm-remove').isVisible()).toBe(true);

    // The user card, from the author's name.
    await results.first().locator('.lm-author-name').click();
    const card = page.locator('.lm-user-card');
    await card.waitFor();
    expect(await page.locator('.lm-tab-user').getAttribute('aria-selected')).toBe('true');
    expect(await card.locator('.lm-user-name').innerText()).toBe('Wes');
    await until(async () => (await card.locator('.lm-user-comments > li[data-comment-id]').count()) === 2);
    const onArticles = await card
      .locator('.lm-user-comments > li[data-comment-id]')
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.articleId));
    expect(new Set(onArticles)).toEqual(new Set(['tools-one', 'tools-two']));
    expect(await card.locator('.lm-user-ban-text').innerText()).toBe('Not banned.');

    // A note, seen by the other moderators.
    await card.locator('.lm-note-input').fill('Helpful, keeps to the topic.');
    await card.locator('.lm-note-add').click();
    await card.locator('.lm-user-note', { hasText: 'Helpful, keeps to the topic.' }).waitFor();
    expect(await card.locator('.lm-user-note').first().innerText()).toContain('Mia');
    const max = await signedIn(b, 'max', 'moderator', 'Max');
    expect((ok(await max.emitWithAck('mod:user', { userId: 'wes' })) as UserCard).notes.map((n) => n.text)).toEqual([
      'Helpful, keeps to the topic.',
    ]);

    // Hold: their next comment waits in the queue, with the reason, and shows on the card.
    await card.locator('.lm-user-hold').click();
    await until(async () => (await card.locator('.lm-user-hold').getAttribute('aria-pressed')) === 'true');
    expect(await card.locator('.lm-user-hold-text').innerText()).toContain('Every new comment of theirs waits for review');
    const held = ok(await wes.emitWithAck('comment:post', { articleId: 'tools-one', body: 'Held because of the hold' })).comment;
    expect(held.status).toBe('pending');
    await page.locator(`.lm-held [data-comment-id="${held.id}"] .lm-why`).filter({ hasText: 'holds all comments' }).waitFor();
    await until(async () => (await card.locator('.lm-user-comments > li[data-comment-id]').count()) === 3);
    await card.locator('.lm-user-hold').click();
    await until(async () => (await card.locator('.lm-user-hold').getAttribute('aria-pressed')) === 'false');
    expect(ok(await wes.emitWithAck('comment:post', { articleId: 'tools-one', body: 'Free again' })).comment.status).toBe('visible');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('ban asks first (Escape changes nothing); a 7-day ban with a reason, their comments and their address shows in the bans list, and Lift ends it', async () => {
    const { a, b, browser } = env;
    const { socket: troll, userId } = await guest(b, 'Troll');
    const c1 = ok(await troll.emitWithAck('comment:post', { articleId: 'ban-here', body: 'First troll comment' })).comment;
    const c2 = ok(await troll.emitWithAck('comment:post', { articleId: 'ban-there', body: 'Second troll comment' })).comment;
    const max = await signedIn(b, 'max', 'moderator', 'Max');
    const banOf = async () => (ok(await max.emitWithAck('mod:bans', {})).bans as BanView[]).find((x) => x.userId === userId);
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await show(page, 'feed');
    const entry = page.locator(`.lm-feed [data-comment-id="${c1.id}"]`);
    await entry.waitFor();
    const banBtn = entry.locator('.lm-ban');

    await banBtn.click();
    const dialog = page.locator('dialog.lm-dialog-ban');
    await dialog.waitFor();
    expect(await dialog.locator('.lm-dialog-title').innerText()).toBe('Ban Troll?');
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    expect(await dialog.locator('.lm-ban-duration:checked').getAttribute('value')).toBe('1d');
    expect(await dialog.locator('.lm-ban-address').isChecked()).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await banBtn.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await banOf()).toBeUndefined();

    // For real: 7 days, a reason, their comments too (the button says so), the address (default).
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await dialog.locator('.lm-ban-duration[value="7d"]').check();
    await dialog.locator('.lm-ban-reason').fill('trolling');
    await dialog.locator('.lm-ban-remove-comments').check();
    expect(await dialog.locator('.lm-dialog-confirm').innerText()).toBe('Ban and remove their comments');
    expect(await dialog.locator('.lm-dialog-warning').isVisible()).toBe(true);
    await dialog.locator('.lm-dialog-confirm').click();
    await dialog.waitFor({ state: 'detached' });

    await until(async () => (await banOf()) !== undefined);
    const ban = (await banOf())!;
    expect(ban).toMatchObject({ reason: 'trolling', address: true, by: { name: 'Mia' } });
    expect(Date.parse(ban.until!) - Date.parse(ban.at)).toBe(7 * 86_400_000);
    expect(err(await troll.emitWithAck('comment:post', { articleId: 'ban-here', body: 'still here' })).code).toBe('banned');
    // Their comments are removed, everywhere the console shows them.
    for (const c of [c1, c2]) {
      await until(async () => (await page.locator(`.lm-feed [data-comment-id="${c.id}"]`).getAttribute('data-status')) === 'removed');
    }
    await until(async () => (await entry.locator('.lm-badge-banned').isVisible()) && (await entry.locator('.lm-unban').isVisible()));
    expect((await feedTexts(page)).some((t) => t.includes('Troll') && t.includes('banned'))).toBe(true);

    // The bans list: who, until when, why, the address; Lift ends it.
    await show(page, 'bans');
    expect(await page.locator('.lm-tab-bans .lm-tab-badge').innerText()).toBe('1');
    const row = page.locator(`.lm-ban-row[data-user-id="${userId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('Troll');
    expect(text).toContain('until');
    expect(text).toContain('trolling');
    expect(text).toContain('address');
    expect(text).toContain('Mia');
    await row.locator('.lm-lift').click();
    await row.waitFor({ state: 'detached' });
    await until(async () => (await banOf()) === undefined);
    expect(await page.locator('.lm-bans-status').innerText()).toBe('Nobody is banned.');
    expect(ok(await troll.emitWithAck('comment:post', { articleId: 'ban-here', body: 'back' })).comment.status).toBe('visible');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);

  it('Erase user asks first (Cancel changes nothing), then turns their comments into tombstones for a reader on the other node', async () => {
    const { a, b, browser } = env;
    const { socket: eve, userId } = await guest(b, 'Eve Erasable');
    const c = ok(await eve.emitWithAck('comment:post', { articleId: 'erase-here', body: 'Something Eve regrets' })).comment;
    const reader = await signedIn(b, 'rita', 'commenter', 'Rita');
    ok(await reader.emitWithAck('thread:join', { articleId: 'erase-here' }));
    const events: { type: string; comment?: { id: string; body: string; author: { name: string } } }[] = [];
    reader.on('thread:event', (e) => events.push(e as (typeof events)[number]));
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await show(page, 'user');
    await page.fill('.lm-user-lookup', userId);
    await page.locator('.lm-user-lookup-form button[type="submit"]').click();
    const card = page.locator('.lm-user-card');
    await card.locator('.lm-user-name', { hasText: 'Eve Erasable' }).waitFor();

    await card.locator('.lm-user-erase').click();
    const dialog = page.locator('dialog.lm-dialog-erase');
    await dialog.waitFor();
    expect(await dialog.locator('.lm-dialog-title').innerText()).toBe('Erase Eve Erasable?');
    // Dangerous: the focus starts on Cancel.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('lm-dialog-cancel'))).toBe(true);
    await dialog.locator('.lm-dialog-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect(events).toEqual([]);

    await card.locator('.lm-user-erase').click();
    await dialog.locator('.lm-dialog-confirm').click();
    await until(() => events.some((e) => e.type === 'comment.deleted'));
    const tombstone = events.find((e) => e.type === 'comment.deleted')!.comment!;
    expect(tombstone.id).toBe(c.id);
    expect(JSON.stringify(tombstone)).not.toMatch(/Eve|regrets/);
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('closing a thread asks first; Cancel leaves it open, Close thread closes it', async () => {
    const { a, b, browser } = env;
    const wes = await signedIn(b, 'wes', 'commenter', 'Wes');
    ok(await wes.emitWithAck('comment:post', { articleId: 'to-close', body: 'Before the close' }));
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    await show(page, 'thread');
    await page.fill('.lm-thread-id', 'to-close');
    await page.click('.lm-thread-show');
    await page.locator('.lm-thread .lm-body', { hasText: 'Before the close' }).waitFor();
    const close = page.locator('.lm-close');
    await close.click();
    const dialog = page.locator('dialog.lm-dialog-close');
    await dialog.waitFor();
    expect(await dialog.locator('.lm-dialog-title').innerText()).toBe('Close the thread to-close?');
    // Dangerous: the focus starts on Cancel.
    expect(await dialog.locator('.lm-dialog-cancel').evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    expect(await close.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(ok(await wes.emitWithAck('comment:post', { articleId: 'to-close', body: 'Still open' })).comment.status).toBe('visible');

    await close.click();
    await dialog.locator('.lm-dialog-confirm').click();
    await until(async () => (await page.locator('.lm-threadbox .lm-thread-state').innerText()) === 'Closed');
    expect(err(await wes.emitWithAck('comment:post', { articleId: 'to-close', body: 'Too late' })).code).toBe('thread_closed');
    await page.click('.lm-reopen');
    await until(async () => (await page.locator('.lm-threadbox .lm-thread-state').innerText()) === 'Open');
    await context.close();
  }, 90_000);

  it('bulk approve sends each selected comment on its own and reports each result: one that changed since does not stop the others', async () => {
    const { a, b, browser } = env;
    const max = await signedIn(b, 'max', 'moderator', 'Max');
    ok(await max.emitWithAck('mod:hold', { userId: 'bulky', hold: true }));
    const bulky = await signedIn(b, 'bulky', 'commenter', 'Bulky');
    const ids: string[] = [];
    for (const body of ['Bulk one', 'Bulk two', 'Bulk three']) {
      ids.push(ok(await bulky.emitWithAck('comment:post', { articleId: 'bulk', body })).comment.id);
    }
    ok(await max.emitWithAck('mod:hold', { userId: 'bulky', hold: false }));
    // The console does not hear of the edit below (as if it were still on its way), so it
    // approves the version it shows, which is no longer the comment's.
    let blind = false;
    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'), 'link', (p) =>
      p.routeWebSocket(/\/socket\.io\//, (ws: WebSocketRoute) => {
        const server = ws.connectToServer();
        server.onMessage((m) => {
          if (blind && typeof m === 'string' && m.includes('"mod:event"') && m.includes(ids[1]!)) return;
          ws.send(m);
        });
      }),
    );
    const cards = ids.map((id) => page.locator(`.lm-held [data-comment-id="${id}"]`));
    for (const c of cards) await c.waitFor();
    blind = true;
    ok(
      await bulky.emitWithAck('comment:edit', {
        articleId: 'bulk',
        commentId: ids[1]!,
        body: 'Bulk two, edited after the moderator looked',
      }),
    );

    for (const c of cards) await c.locator('.lm-select').check();
    expect(await page.locator('.lm-selected-count').innerText()).toBe('3 selected');
    await page.locator('.lm-approve-selected').click();
    await until(async () => (await page.locator('.lm-bulk-result').innerText()).startsWith('Approved 2 of 3.'));
    const result = await page.locator('.lm-bulk-result').innerText();
    expect(result).toContain('Not approved: comment by Bulky');
    expect(result).toContain('conflict');
    await cards[0]!.waitFor({ state: 'detached' });
    await cards[2]!.waitFor({ state: 'detached' });
    expect(await cards[1]!.locator('.lm-card-error').innerText()).toContain('changed since you saw it');
    const reader = await signedIn(b, 'reader');
    const snapshot = ok(await reader.emitWithAck('thread:join', { articleId: 'bulk' }));
    expect('comments' in snapshot && snapshot.comments.map((c) => c.body).sort()).toEqual(['Bulk one', 'Bulk three']);
    await context.close();
  }, 120_000);

  it('queue items say why they wait: spam signals, a held edit beside the current text, a comment hidden by reports (also live)', async () => {
    const { a, b, browser } = env;
    const linker = await signedIn(b, 'linker', 'commenter', 'Linker');
    const links = ok(
      await linker.emitWithAck('comment:post', {
        articleId: 'why',
        body: 'Deals https://a.example https://b.example https://c.example https://d.example https://e.example https://f.example',
      }),
    ).comment;
    const ben = await signedIn(b, 'ben', 'commenter', 'Ben');
    const menu = ok(await ben.emitWithAck('comment:post', { articleId: 'why', body: 'Happy to share the menu.' })).comment;
    ok(await ben.emitWithAck('comment:edit', { articleId: 'why', commentId: menu.id, body: 'Happy to share the menu, casino night.' }));
    const dev = await signedIn(b, 'dev', 'commenter', 'Dev');
    const rude = ok(await dev.emitWithAck('comment:post', { articleId: 'why', body: 'Rude words, before' })).comment;
    const reporters = await Promise.all(['r1', 'r2', 'r3'].map((r) => signedIn(b, r)));
    for (const r of reporters) ok(await r.emitWithAck('comment:report', { articleId: 'why', commentId: rude.id, reason: 'rude' }));

    const context = await browser.newContext();
    const page = await openConsole(context, a, await token(a, 'mia', 'moderator', 'Mia'));
    const item = (id: string) => page.locator(`.lm-queue [data-comment-id="${id}"]`);
    await item(links.id).waitFor();
    expect(await item(links.id).locator('.lm-why').innerText()).toBe('Held: spam check: 6 links (more than 5)');

    const edit = item(menu.id);
    expect(await edit.locator('.lm-compare-now').innerText()).toMatch(/readers see now/i);
    expect(await edit.locator('.lm-text > .lm-body').innerText()).toBe('Happy to share the menu.');
    expect(await edit.locator('.lm-pending-edit-body').innerText()).toBe('Happy to share the menu, casino night.');
    expect(await edit.locator('.lm-pending-edit').innerText()).toContain('held word');
    expect(await edit.locator('.lm-approve').innerText()).toBe('Approve edit');

    expect(await item(rude.id).getAttribute('data-status')).toBe('pending');
    expect(await item(rude.id).locator('.lm-why').innerText()).toBe('Held: reported by 3 readers');
    expect(await item(rude.id).locator('.lm-reports-title').innerText()).toBe('3 reports');

    // Hidden by reports while the console is open: it arrives in the queue live.
    const later = ok(await dev.emitWithAck('comment:post', { articleId: 'why', body: 'Rude words, later' })).comment;
    for (const r of reporters) ok(await r.emitWithAck('comment:report', { articleId: 'why', commentId: later.id, reason: 'rude' }));
    await until(async () => (await item(later.id).getAttribute('data-status')) === 'pending');
    expect(await item(later.id).locator('.lm-why').innerText()).toBe('Held: reported by 3 readers');

    // Approving the edit publishes it and takes it off the queue.
    await edit.locator('.lm-approve').click();
    await edit.waitFor({ state: 'detached' });
    const reader = await signedIn(b, 'reader-why');
    const snapshot = ok(await reader.emitWithAck('thread:join', { articleId: 'why' }));
    expect('comments' in snapshot && snapshot.comments.find((c) => c.id === menu.id)?.body).toBe('Happy to share the menu, casino night.');
    expect(pageErrors(page)).toEqual([]);
    await context.close();
  }, 120_000);
});
