/**
 * `GET /api/origin-check`: any page may ask whether this server takes its origin, and reads the
 * answer (Access-Control-Allow-Origin: *), even pages the `/api` CORS policy does not list.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNode, type TestNode } from '../support/nodes.js';

let node: TestNode;
beforeAll(async () => {
  node = await startNode({ env: { ALLOWED_ORIGINS: 'https://blog.example' } });
});
afterAll(() => node?.stop());

async function check(origin?: string) {
  const res = await fetch(`${node.url}/api/origin-check`, { headers: origin ? { origin } : {} });
  return {
    status: res.status,
    cors: res.headers.get('access-control-allow-origin'),
    cache: res.headers.get('cache-control'),
    body: (await res.json()) as unknown,
  };
}

it.each([
  ['a listed origin', 'https://blog.example', true],
  ['an unlisted origin', 'https://elsewhere.example', false],
  ['no Origin (not a browser page)', undefined, true],
])('answers %s, readable from anywhere', async (_what, origin, allowed) => {
  expect(await check(origin)).toEqual({ status: 200, cors: '*', cache: 'no-store', body: { origin: origin ?? null, allowed } });
});

it("agrees with the handshake: the server's own origin is allowed", async () => {
  expect((await check(node.url)).body).toEqual({ origin: node.url, allowed: true });
});

it('leaves the rest of /api to its own CORS policy', async () => {
  const res = await fetch(`${node.url}/api/articles/x/thread`, { headers: { origin: 'https://elsewhere.example' } });
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
});
