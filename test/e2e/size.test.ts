/**
 * Issue 4 acceptance 6: embed.js (socket.io-client included) is at most 40 KB gzipped.
 * `npm test` builds first (pretest); the build prints the size and writes embed.size.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { ROOT } from './harness.js';

const LIMIT = 40 * 1024;
const js = path.join(ROOT, 'dist/public/embed.js');
const sizeFile = path.join(ROOT, 'dist/public/embed.size.json');

it('embed.js is at most 40 KB gzipped, as the build reports and as measured here', () => {
  if (!existsSync(js) || !existsSync(sizeFile)) throw new Error('dist/public/embed.js is missing: run `npm run build` first');
  const code = readFileSync(js);
  const reported = JSON.parse(readFileSync(sizeFile, 'utf8')) as { bytes: number; gzipBytes: number };
  // The report belongs to this build of the file.
  expect(reported.bytes).toBe(code.length);
  expect(reported.gzipBytes).toBeLessThanOrEqual(LIMIT);
  const gzipped = gzipSync(code, { level: 9 }).length;
  expect(gzipped).toBe(reported.gzipBytes);
  expect(gzipped).toBeLessThanOrEqual(LIMIT);
  // socket.io-client is bundled in, not fetched from elsewhere.
  expect(code.toString('utf8')).toMatch(/engine\.io|socket\.io/);
});
