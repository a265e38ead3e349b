/**
 * The browser files over HTTP: the small, briefly cached loader; content-hashed bundles served
 * precompressed (brotli, gzip, or as they are) and cached for good; pages that name the hashed
 * bundles; source maps only when asked for. Raw node:http requests, so that nothing decompresses
 * or adds an Accept-Encoding behind the test's back.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../support/nodes.js';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let node: TestNode;
let withMaps: TestNode;

beforeAll(async () => {
  [node, withMaps] = await Promise.all([startNode(), startNode({ env: { SERVE_SOURCE_MAPS: 'true' } })]);
});
afterAll(async () => {
  await Promise.all([node?.stop(), withMaps?.stop()]);
});

/** The hashed widget module the loader loads, as a path (`/assets/embed.<hash>.js`). */
async function widgetPath(base: string): Promise<string> {
  const loader = (await get(`${base}/embed.js`)).body.toString('utf8');
  const found = /assets\/embed\.[0-9a-f]{8}\.js/.exec(loader)?.[0];
  if (!found) throw new Error(`the loader names no hashed module: ${loader}`);
  return `/${found}`;
}

/** The hashed bundle a page refers to, by its logical name (`moderate`, `embed`, `demo`). */
async function pageAsset(base: string, page: string, name: string, ext: 'js' | 'css'): Promise<string> {
  const html = (await get(`${base}${page}`)).body.toString('utf8');
  const found = new RegExp(`"(/assets/${name}\\.[0-9a-f]{8}\\.${ext})"`).exec(html)?.[1];
  if (!found) throw new Error(`${page} names no hashed ${name}.${ext}`);
  return found;
}

/** Checks one hashed asset the way a browser and a CDN would see it. */
async function expectServedLikeAnAsset(url: string, type: RegExp): Promise<Buffer> {
  const plain = await get(url);
  expect(plain.status).toBe(200);
  expect(plain.headers['content-type']).toMatch(type);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(plain.headers.vary).toMatch(/accept-encoding/i);
  // Its name is its content: a new release can never be served under an old name.
  const hash = /\.([0-9a-f]{8})\.\w+$/.exec(url)?.[1];
  expect(createHash('sha256').update(plain.body).digest('hex').slice(0, 8)).toBe(hash);

  const br = await get(url, { 'accept-encoding': 'br, gzip' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(br.headers.vary).toMatch(/accept-encoding/i);
  expect(br.body.length).toBeLessThan(plain.body.length);
  expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

  const gz = await get(url, { 'accept-encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gz.headers['content-type']).toMatch(type);
  expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);

  // Brotli refused, gzip taken; nothing taken: as it is.
  expect((await get(url, { 'accept-encoding': 'gzip, deflate, br;q=0' })).headers['content-encoding']).toBe('gzip');
  const identity = await get(url, { 'accept-encoding': 'identity' });
  expect(identity.headers['content-encoding']).toBeUndefined();
  expect(identity.body.equals(plain.body)).toBe(true);
  return plain.body;
}

describe('assets', () => {
  it('/embed.js is a loader of a few hundred bytes, cached for minutes, that names the hashed module', async () => {
    const res = await get(`${node.url}/embed.js`, { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.body.length).toBeLessThanOrEqual(1024);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(await widgetPath(node.url)).toMatch(/^\/assets\/embed\.[0-9a-f]{8}\.js$/);
  });

  it('the widget module is served brotli, gzip or plain as asked, immutable, readable cross-origin', async () => {
    const url = `${node.url}${await widgetPath(node.url)}`;
    const code = await expectServedLikeAnAsset(url, /^text\/javascript/);
    expect(code.toString('utf8')).toMatch(/engine\.io|socket\.io/);
    // A module script from another origin is fetched with CORS.
    expect((await get(url, { origin: 'https://blog.example' })).headers['access-control-allow-origin']).toBe('*');
  });

  it('/moderate and / name their hashed bundles, served the same way', async () => {
    const page = await get(`${node.url}/moderate`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    await expectServedLikeAnAsset(`${node.url}${await pageAsset(node.url, '/moderate', 'moderate', 'js')}`, /^text\/javascript/);
    const embed = await pageAsset(node.url, '/', 'embed', 'js');
    expect(embed).toBe(await widgetPath(node.url));
    await expectServedLikeAnAsset(`${node.url}${await pageAsset(node.url, '/', 'demo', 'css')}`, /^text\/css/);
  });

  it('serves no source map by default, and no bundle refers to one', async () => {
    const bundles = [await widgetPath(node.url), await pageAsset(node.url, '/moderate', 'moderate', 'js')];
    for (const path of bundles) {
      const res = await get(`${node.url}${path}`);
      expect(res.body.toString('utf8')).not.toContain('sourceMappingURL');
      expect(res.headers.sourcemap).toBeUndefined();
      expect(res.headers['x-sourcemap']).toBeUndefined();
      expect((await get(`${node.url}${path}.map`)).status).toBe(404);
    }
    for (const path of ['/embed.js.map', '/moderate.js.map', '/assets/embed.js.map']) {
      expect((await get(`${node.url}${path}`)).status).toBe(404);
    }
  });

  it('with SERVE_SOURCE_MAPS=true, each bundle announces its map and the map is served', async () => {
    const path = await widgetPath(withMaps.url);
    const res = await get(`${withMaps.url}${path}`);
    expect(res.body.toString('utf8')).not.toContain('sourceMappingURL');
    expect(res.headers.sourcemap).toBe(`${path}.map`);
    const map = await get(`${withMaps.url}${path}.map`);
    expect(map.status).toBe(200);
    const json = JSON.parse(map.body.toString('utf8')) as { version: number; sources: string[] };
    expect(json.version).toBe(3);
    expect(json.sources.some((s) => s.includes('client/widget/embed.ts'))).toBe(true);
  });

  it('unknown and unhashed /assets/ paths, and the old fixed bundle names, are 404', async () => {
    for (const path of [
      '/assets/nope.js',
      '/assets/embed.00000000.js',
      '/assets/embed.js',
      '/assets/',
      '/assets/a/b.js',
      '/moderate.js',
      '/manifest.json',
    ]) {
      expect((await get(`${node.url}${path}`)).status, path).toBe(404);
    }
  });
});
