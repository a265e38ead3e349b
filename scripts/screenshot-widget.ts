/**
 * npx tsx scripts/screenshot-widget.ts  (after `npm run build`)
 *
 * Makes the README's screenshots of the readers' features from a real run: a node with its memory
 * store (its clock set back while seeding, so comments have realistic ages), comments in Markdown,
 * a moderator's reply with its staff badge, a long comment behind "Show more"; then host pages on
 * another origin, in Debian's Chromium:
 * - docs/screenshot-markdown.png: light, English, a moderator signed in (Remove and Ban), the
 *   composer's preview open;
 * - docs/screenshot-themed-de.png: a serif news site in German, themed with the CSS custom
 *   properties, the thread included server-side from thread.html and taken over by the widget.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/e2e/browser.js';
import { closeClients, sdkClient, startNode, token } from '../test/support/nodes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTICLE = 'riverside-park';

async function main(): Promise<void> {
  let page = '';
  const host = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
  let ago = 0;
  const node = await startNode({ env: { ALLOWED_ORIGINS: origin }, clock: { now: () => new Date(Date.now() - ago) } });
  const browser = await launchBrowser();
  try {
    const say = async (
      sub: string,
      name: string,
      minutesAgo: number,
      body: string,
      parentId?: string,
      role: 'commenter' | 'moderator' = 'commenter',
    ) => {
      ago = minutesAgo * 60_000;
      return sdkClient(node.url, await token(node, sub, role, name)).post({ articleId: ARTICLE, body, parentId });
    };
    const dana = await say(
      'dana',
      'Dana Whitfield',
      140,
      "Nineteen years looking at that fence from my kitchen window. **Tonight I'm happy.**\n\nTwo things I'd ask the council:\n\n1. Keep the engine sheds as a *covered market*\n2. Step-free paths all along the river",
    );
    await say(
      'editor',
      'Maya Okafor',
      120,
      'Thanks Dana. Both are in the plan: see [the council summary](https://example.org/westbrook/plan).',
      dana.id,
      'moderator',
    );
    const tom = await say(
      'tom',
      'Tom Hallworth',
      90,
      '> 900 homes elsewhere in the borough\n\nWhere exactly, and *when*? The draft plan says `2031` at the earliest.',
    );
    await say('priya', 'Priya Raman', 70, 'Table 4 of the local plan lists the station car parks: about 650 homes.', tom.id);
    await say(
      'ruth',
      'Ruth Adeyemi',
      40,
      Array.from({ length: 16 }, (_, i) => `Point ${i + 1} of my notes from the public meeting, for those who could not come.`).join('\n'),
    );
    ago = 0;

    const context = await browser.newContext({ viewport: { width: 900, height: 1300 }, colorScheme: 'light', reducedMotion: 'reduce' });
    const tab = await context.newPage();
    const mod = await token(node, 'max', 'moderator', 'Max Moderator');
    page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Westbrook</title><link rel="icon" href="data:,">
<style>body { margin: 0; padding: 24px; background: #f3f4f6; font: 16px/1.5 system-ui, sans-serif; }</style></head>
<body><div data-livethread-article="${ARTICLE}" data-theme="light" data-token="${mod}"></div>
<script src="${node.url}/embed.js" async></script></body></html>`;
    await tab.goto(`${origin}/`);
    await tab.locator('.lt-status[data-state="live"]').waitFor();
    await tab.locator('article.lt-comment').nth(4).waitFor();
    await tab.locator('.lt-compose textarea').fill('Will the **riverside path** be step-free?\n\n- wheelchairs\n- buggies');
    await tab.locator('.lt-compose .lt-preview-toggle').click();
    await tab.locator('.lt-compose .lt-preview ul').waitFor();
    await tab.locator('[data-livethread-article]').screenshot({ path: path.join(ROOT, 'docs/screenshot-markdown.png') });

    const included = await (await fetch(`${node.url}/api/articles/${ARTICLE}/thread.html?lang=de&theme=light`)).text();
    page = `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Westbrook Anzeiger</title><link rel="icon" href="data:,">
<style>
  body { margin: 0; padding: 32px; background: #fbf8f1; color: #222; font: 18px/1.6 Georgia, "Times New Roman", serif; }
  .comments { --lt-font-family: Georgia, "Times New Roman", serif; --lt-font-size: 16px; --lt-text-color: #2b2118;
    --lt-background: #fffdf8; --lt-border-color: #d9cfbf; --lt-accent-color: #8a1c1c; --lt-radius: 2px; --lt-spacing: 28px; }
</style></head>
<body><div class="comments" data-livethread-article="${ARTICLE}" data-theme="light">${included}</div>
<script src="${node.url}/embed.js" async></script></body></html>`;
    const de = await context.newPage();
    await de.goto(`${origin}/`);
    await de.locator('.lt-status[data-state="live"]').waitFor();
    await de.locator('[data-livethread-article]').screenshot({ path: path.join(ROOT, 'docs/screenshot-themed-de.png') });
  } finally {
    closeClients();
    await browser.close();
    await node.stop();
    host.close();
  }
}

await main();
