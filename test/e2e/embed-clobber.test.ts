/**
 * DOM clobbering: a host page with injected HTML (no script) must not be able to point the widget
 * at another server. Names on `document` and `window` (`<img name="currentScript">`,
 * `<img name="querySelectorAll">`, `<div id="livethread">`) and an inert decoy `<script src>`
 * are all on the page; the widget still goes live against the real node, with a moderator token,
 * and the attacker's server never hears a single request.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { startNode, token, type TestNode } from '../support/nodes.js';
import { sleep } from '../support/ports.js';
import { launchBrowser } from './browser.js';
import { live } from './harness.js';

interface Recorded {
  method: string;
  url: string;
}

/** An HTTP server that answers everything with a tiny script and records every request (and upgrade). */
async function startAttacker(): Promise<{ origin: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('content-type', 'text/javascript');
    res.end('window.__attackerScriptRan = true;');
  });
  server.on('upgrade', (req, socket) => {
    requests.push({ method: `UPGRADE ${req.method ?? ''}`, url: req.url ?? '' });
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A host page full of clobbering markup, embedding the widget from `node` as publishers do. */
async function startClobberedHost(node: () => TestNode, attacker: () => string, modToken: () => string) {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname !== '/') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const evil = attacker();
    // `only=currentScript`: the one clobber that, alone, used to send the widget elsewhere.
    const all = url.searchParams.get('only') !== 'currentScript';
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host with injected HTML</title><link rel="icon" href="data:,">
</head>
<body><h1>A post with a hostile comment section of its own</h1>
<img name="currentScript" src="${evil}/x" alt="">
${
  all
    ? `<img name="querySelectorAll" alt="">
<img name="readyState" alt="">
<img name="addEventListener" alt="">
<img name="head" alt="">
<div id="livethread">not the widget</div>
<script type="text/plain" src="${evil}/embed.js"></script>`
    : ''
}
<div data-livethread-article="clobber" data-token="${modToken()}"></div>
<script src="${node().url}/embed.js" async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let browser: Browser | undefined;
let node: TestNode | undefined;
let attacker: Awaited<ReturnType<typeof startAttacker>> | undefined;
let host: Awaited<ReturnType<typeof startClobberedHost>> | undefined;
let modToken = '';

beforeAll(async () => {
  attacker = await startAttacker();
  host = await startClobberedHost(
    () => node!,
    () => attacker!.origin,
    () => modToken,
  );
  node = await startNode({ env: { ALLOWED_ORIGINS: host.origin } });
  modToken = await token(node, 'mod-1', 'moderator', 'Moe Moderator');
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await node?.stop();
  await host?.close();
  await attacker?.close();
});

it.each(['currentScript', 'all'])(
  'clobbering names on document and window (%s) does not move the widget, nor its moderator token, to another server',
  async (only) => {
    attacker!.requests.length = 0;
    const context = await browser!.newContext();
    onTestFinished(() => context.close());
    // The <img name="currentScript"> must carry the attacker's URL as its src, but the image's own
    // load is the page's markup at work, not the widget: block images in the browser so that
    // anything reaching the attacker's server came from the widget.
    await context.route(
      (url) => url.origin === attacker!.origin,
      (route) => (route.request().resourceType() === 'image' ? route.abort() : route.continue()),
    );
    const page = await context.newPage();
    const errors: Error[] = [];
    page.on('pageerror', (e) => errors.push(e));
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${host!.origin}/?only=${only}`);
    const notLive = await live(page).then(
      () => null,
      (e: unknown) => e,
    );
    // Give a stray connection attempt time to show up before saying there was none.
    await sleep(1000);
    expect(attacker!.requests).toEqual([]);
    expect(notLive).toBeNull();
    // The real node: the widget says Live, and it is that node's Socket.IO it speaks to.
    expect(sockets.length).toBeGreaterThan(0);
    for (const url of sockets) expect(new URL(url).host).toBe(new URL(node!.url).host);
    // The moderator token went to the real node: its handshake saw the moderator.
    const viewers = [...node!.app.io.of('/').sockets.values()].map((s) => s.data.viewer?.role ?? null);
    expect(viewers).toContain('moderator');
    // The page's global is ours (not the <div id="livethread">), and nothing threw.
    const global = await page.evaluate(() => {
      const g = (window as unknown as { livethread?: { clients?: unknown; scan?: unknown } }).livethread;
      return { element: g instanceof Element, clients: Array.isArray(g?.clients), scan: typeof g?.scan };
    });
    expect(global).toEqual({ element: false, clients: true, scan: 'function' });
    expect(errors).toEqual([]);
  },
  60_000,
);
