/**
 * The widget (socket.io-client included) is at most 40 KB gzipped. The widget
 * is the content-hashed module the manifest names; `/embed.js`, what publishers embed, is only a
 * loader and must stay tiny. `npm test` builds first (pretest); the build writes manifest.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import type { Manifest } from '../../server/http/assets.js';
import { ROOT } from './harness.js';

const LIMIT = 40 * 1024;
const LOADER_LIMIT = 1024;
const PUBLIC = path.join(ROOT, 'dist/public');

function manifest(): Manifest {
  const file = path.join(PUBLIC, 'manifest.json');
  if (!existsSync(file)) throw new Error('dist/public/manifest.json is missing: run `npm run build` first');
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

it('the widget module is at most 40 KB gzipped, as the build reports and as measured here', () => {
  const widget = manifest().assets['embed.js'];
  if (!widget) throw new Error('the manifest names no embed.js');
  expect(widget.file).toMatch(/^assets\/embed\.[0-9a-f]{8}\.js$/);
  const code = readFileSync(path.join(PUBLIC, widget.file));
  // The report belongs to this build of the file.
  expect(widget.bytes).toBe(code.length);
  expect(widget.gzipBytes).toBeLessThanOrEqual(LIMIT);
  const gzipped = gzipSync(code, { level: 9 }).length;
  expect(gzipped).toBe(widget.gzipBytes);
  expect(gzipped).toBeLessThanOrEqual(LIMIT);
  // What the server actually sends to gzip clients is the precompressed copy: same limit.
  const sent = readFileSync(path.join(PUBLIC, `${widget.file}.gz`));
  expect(gunzipSync(sent).equals(code)).toBe(true);
  expect(sent.length).toBeLessThanOrEqual(LIMIT);
  // socket.io-client is bundled in, not fetched from elsewhere.
  expect(code.toString('utf8')).toMatch(/engine\.io|socket\.io/);
});

it('the embed.js loader is a few hundred bytes and loads the hashed widget module', () => {
  const m = manifest();
  const loader = readFileSync(path.join(PUBLIC, m.loader.file));
  expect(loader.length).toBe(m.loader.bytes);
  expect(loader.length).toBeLessThanOrEqual(LOADER_LIMIT);
  const text = loader.toString('utf8');
  expect(text).toContain(m.assets['embed.js']!.file);
  expect(text).not.toMatch(/engine\.io|socket\.io/);
});
