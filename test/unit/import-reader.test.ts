import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImport } from '../../server/import/import-reader.js';
import { renderMarkdown } from '../../server/core/markdown.js';
import { fixture, importFile, withTempDir } from './support/import-files.js';

const FILE = fixture('disqus.xml');

describe('the import reader', () => {
  it('removes its spool when the iteration ends, is broken off, or fails', async () => {
    await withTempDir(async (tmpDir) => {
      for await (const a of readImport(FILE, { format: 'disqus', tmpDir })) void a;
      expect(await readdir(tmpDir)).toEqual([]);

      const reader = readImport(FILE, { format: 'disqus', tmpDir });
      for await (const a of reader) {
        void a;
        break;
      }
      expect(await readdir(tmpDir)).toEqual([]);

      await withTempDir(async (dir) => {
        const broken = join(dir, 'broken.xml');
        await writeFile(broken, '<disqus><thread dsq:id="1"></disqus>');
        await expect(importFile(broken, { format: 'disqus', tmpDir })).rejects.toThrow(/not well-formed/);
      });
      expect(await readdir(tmpDir)).toEqual([]);
    });
  });

  it('is read once, and its extras after the articles', async () => {
    const reader = readImport(FILE, { format: 'disqus' });
    await expect(reader.extras().next()).rejects.toThrow(/after the articles/);
    for await (const a of reader) void a;
    await expect(async () => {
      for await (const a of reader) void a;
    }).rejects.toThrow(/read once/);
  });

  it('names the file it cannot read', async () => {
    await expect(importFile('/nonexistent/export.xml', { format: 'disqus' })).rejects.toThrow(
      /^\/nonexistent\/export\.xml: cannot read the file \(ENOENT\)/,
    );
  });

  it('cuts bodies longer than the limit, with a marker, and counts them', async () => {
    const { bySource, plan } = await importFile(FILE, { format: 'disqus', commentMaxLength: 30 });
    const cut = bySource.get('2011')!.body;
    expect([...cut].length).toBeLessThanOrEqual(30);
    expect(cut.endsWith('[…]')).toBe(true);
    expect(renderMarkdown(cut).at(-1)).toEqual(['p', '[…]']);
    expect(plan.bodies.truncated).toBeGreaterThan(0);
  });

  it('reports progress as it reads', async () => {
    const seen: { bytes: number; comments: number }[] = [];
    for await (const a of readImport(FILE, { format: 'disqus', onProgress: (p) => seen.push(p) })) void a;
    expect(seen.at(-1)!.bytes).toBeGreaterThan(1000);
    expect(seen.at(-1)!.comments).toBe(20);
  });
});
