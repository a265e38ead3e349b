/**
 * `GET /api/articles/:articleId/thread.html` and `GET /api/strings/:lang` through a real node:
 * the anonymous read budget (READ_RATE) covers thread.html like the JSON thread, and a thread of
 * long comments stays within the answer's bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THREAD_HTML_MAX_BYTES } from '../../server/http/thread-html.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually } from '../support/ports.js';

let node: TestNode;
let roomy: TestNode;

beforeAll(async () => {
  [node, roomy] = await Promise.all([
    startNode({ env: { READ_RATE: '4/60' } }),
    startNode({ env: { COMMENT_MAX_LENGTH: '10000', SPAM_MAX_LINKS: '0' } }),
  ]);
});

afterAll(async () => {
  closeClients();
  await Promise.all([node.stop(), roomy.stop()]);
});

describe('thread.html over HTTP', () => {
  it('counts as an anonymous read: past READ_RATE it is refused with 429 and Retry-After, as the JSON thread is', async () => {
    const get = (path: string) => fetch(`${node.url}${path}`);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/api/articles/rate/thread.html')).status);
    statuses.push((await get('/api/articles/rate/thread')).status);
    const refused = await get('/api/articles/rate/thread.html');
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('a thread of long comments stays within the bound; the strings of a language are public and cacheable', async () => {
    const writer = sdkClient(roomy.url, await token(roomy, 'w', 'commenter', 'Writer'));
    await eventually(() => writer.connected);
    const body = Array.from({ length: 120 }, (_, i) => `**Line ${i}** with a [link](https://example.com/${i}) and \`code\``).join('\n');
    for (let i = 0; i < 60; i++) await writer.post({ articleId: 'big', body: `${i}\n${body}` });
    const res = await fetch(`${roomy.url}/api/articles/big/thread.html`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(Buffer.byteLength(html)).toBeGreaterThan(200 * 1024);
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(THREAD_HTML_MAX_BYTES);
    expect(html).toContain('lt-load-older');

    const de = await fetch(`${roomy.url}/api/strings/de`);
    expect(de.status).toBe(200);
    expect(de.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(((await de.json()) as { comments: string }).comments).toBe('Kommentare');
    expect((await fetch(`${roomy.url}/api/strings/xx`)).status).toBe(404);
    expect((await fetch(`${roomy.url}/api/strings/__proto__`)).status).toBe(404);
  }, 60_000);
});
