/**
 * npx tsx scripts/screenshot-console.ts  (after `npm run build:client`)
 *
 * Makes the README's console screenshots from a real run: a node with its memory store, a few
 * commenters on three articles, comments held by the spam signals, a held word in an edit, a user
 * whose comments are held, a comment reported past the threshold, a ban; then the console in
 * Debian's Chromium, signed in through a moderator link:
 * - docs/screenshot-console.png: light, desktop, 1280×800;
 * - docs/screenshot-console-phone.png: dark, a phone, 390×844.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientSocket } from '../client/discussion-client.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { closeClients, connected, rawSocket, startNode, token, type TestNode } from '../test/support/nodes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function ok<T>(p: Promise<({ ok: true } & T) | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r;
}

async function user(node: TestNode, sub: string, name: string, role: 'commenter' | 'moderator' = 'commenter'): Promise<ClientSocket> {
  const s = rawSocket(node.url, await token(node, sub, role, name));
  await connected(s);
  return s;
}

async function populate(node: TestNode): Promise<void> {
  const [ana, ben, chloe, dev, eve, spammer] = await Promise.all([
    user(node, 'ana', 'Ana Ruiz'),
    user(node, 'ben', 'Ben Okafor'),
    user(node, 'chloe', 'Chloé Martin'),
    user(node, 'dev', 'Dev Patel'),
    user(node, 'eve', 'Eve'),
    user(node, 'deals4u', 'Deals4U'),
  ]);
  const mod = await user(node, 'max', 'Max', 'moderator');
  const post = (s: ClientSocket, articleId: string, body: string, parentId?: string) =>
    ok(s.emitWithAck('comment:post', { articleId, body, ...(parentId ? { parentId } : {}) })).then((r) => r.comment);

  const a = await post(ana, 'city-budget-2026', 'The transit numbers look optimistic. Where does the extra ridership come from?');
  await post(ben, 'city-budget-2026', 'Page 14 of the plan: they assume the new line opens in spring.', a.id);
  await post(chloe, 'heatwave-live', 'Cooling centres on the east side are full already, bring water if you go.');
  const rude = await post(dev, 'heatwave-live', 'Only idiots go out in this heat. Stay home, morons.');
  await post(ana, 'school-lunches', 'Our school switched suppliers last year; the kids noticed the difference.');
  const edited = await post(ben, 'school-lunches', 'Happy to share the menu we use at home.');
  // Held by the spam signals: too many links.
  await post(
    spammer,
    'city-budget-2026',
    'Best deals https://a.example https://b.example https://c.example https://d.example https://e.example https://f.example',
  );
  // A held word in an edit: readers keep the old text, moderators see both.
  await ok(
    ben.emitWithAck('comment:edit', {
      articleId: 'school-lunches',
      commentId: edited.id,
      body: 'Happy to share the menu — casino night sponsors it.',
    }),
  );
  // All of Eve's comments are held for review.
  await ok(mod.emitWithAck('mod:hold', { userId: 'eve', hold: true, reason: 'new account, many reports' }));
  await post(eve, 'heatwave-live', 'Is the pool on Elm Street open late this week?');
  // Three readers report Dev's comment: it leaves readers' screens and waits in the queue.
  for (const r of [ana, ben, chloe])
    await ok(r.emitWithAck('comment:report', { articleId: 'heatwave-live', commentId: rude.id, reason: 'insults' }));
  await ok(mod.emitWithAck('mod:ban', { userId: 'deals4u', reason: 'link spam', duration: '7d' }));
  await ok(mod.emitWithAck('mod:note', { userId: 'dev', text: 'Second warning this month.' }));
  await post(chloe, 'city-budget-2026', 'Council votes on it Thursday, 7 pm. Public comment is open.');
}

async function main(): Promise<void> {
  const node = await startNode({ heldWords: ['casino'], env: { REPORT_HOLD_THRESHOLD: '3' } });
  const browser = await launchBrowser();
  try {
    await populate(node);
    const link = `${node.url}/moderate#token=${await token(node, 'mia', 'moderator', 'Mia')}`;

    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    const page = await desktop.newPage();
    await page.goto(link);
    await page.locator('.lm-status[data-state="live"]').waitFor();
    await page.locator('.lm-tab-user').click();
    await page.locator('.lm-feed .lm-author-name', { hasText: 'Dev Patel' }).first().click();
    await page.locator('.lm-user-card:not([hidden])').waitFor();
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      for (const el of document.querySelectorAll('.lm-panel > *')) el.scrollTop = 0;
      (document.activeElement as HTMLElement | null)?.blur();
    });
    await page.screenshot({ path: path.join(ROOT, 'docs/screenshot-console.png') });

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: 'dark',
    });
    const mobile = await phone.newPage();
    await mobile.goto(link);
    await mobile.locator('.lm-status[data-state="live"]').waitFor();
    await mobile.screenshot({ path: path.join(ROOT, 'docs/screenshot-console-phone.png') });
    process.stdout.write('docs/screenshot-console.png, docs/screenshot-console-phone.png\n');
  } finally {
    closeClients();
    await browser.close();
    await node.stop();
  }
}

await main();
