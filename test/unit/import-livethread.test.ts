import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportJsonSchema, ExportRecord, ExportHeader } from '../../server/import/livethread-format.js';
import { checkOrder, fixture, importFile, withTempDir } from './support/import-files.js';

const FILE = fixture('livethread.jsonl');

describe("livethread's own export", () => {
  it('restores articles, ids, parents, statuses, reasons, edit times and votes as they were', async () => {
    const { articles, bySource } = await importFile(FILE, { format: 'livethread' });
    expect(articles.map((a) => [a.articleId, a.closed])).toEqual([
      ['news/2026/a-story', false],
      ['news/2026/closed-story', true],
    ]);
    for (const a of articles) checkOrder(a);
    expect(articles[0]!.comments.map((c) => c.id)).toEqual([
      'iAbCdEfGhIjKlMnOpQrStUv',
      'c-root-1',
      'c-reply-1',
      'c-held',
      'c-removed',
      'c-deleted',
      'c-under-deleted',
    ]);
    expect(bySource.get('c-root-1')).toMatchObject({
      id: 'c-root-1',
      author: { id: 'u-ann', name: 'Ann', email: 'ann@example.com', imported: false },
      editedAt: '2026-01-01T10:05:00.000Z',
      votes: { up: 3, down: 1 },
    });
    expect(bySource.get('c-reply-1')).toMatchObject({ parentId: 'c-root-1', rootId: 'c-root-1', author: { staff: true } });
    expect(bySource.get('c-held')).toMatchObject({ status: 'pending', heldReason: 'premoderation' });
    expect(bySource.get('c-removed')).toMatchObject({ status: 'removed', removedReason: 'abuse', body: 'Rude words' });
    expect(bySource.get('c-deleted')).toMatchObject({ status: 'deleted', body: '' });
    expect(bySource.get('iAbCdEfGhIjKlMnOpQrStUv')!.importedFrom).toEqual({ source: 'disqus', sourceId: '2001' });
    expect(bySource.get('c-other')!.createdAt).toBe('2026-01-05T09:00:00.000Z');
  });

  it('hands bans and audit entries over after the articles', async () => {
    const { extras } = await importFile(FILE, { format: 'livethread' });
    expect(extras).toEqual([
      { type: 'ban', userId: 'u-troll', at: '2026-01-06T10:00:00.000Z' },
      expect.objectContaining({ type: 'audit', id: 'a1', action: 'ban' }),
      expect.objectContaining({ type: 'audit', id: 'a2', commentId: 'c-removed' }),
    ]);
  });

  it('refuses another version by name, and records that break the format by line and field', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'export.jsonl');
      await writeFile(file, '{"format":"livethread","version":2}\n');
      await expect(importFile(file, { format: 'livethread' })).rejects.toThrow(/export\.jsonl:1: livethread export version 2/);
      await writeFile(file, '{"format":"livethread","version":1}\n{"type":"comment","id":"bad id!","articleId":"a"}\n');
      await expect(importFile(file, { format: 'livethread' })).rejects.toThrow(/export\.jsonl:2: not a livethread export record: id/);
      await writeFile(file, '{"type":"article","articleId":"a"}\n');
      await expect(importFile(file, { format: 'livethread' })).rejects.toThrow(/expected the header/);
    });
  });

  it('docs/export.schema.json is the one the format generates (npx tsx scripts/export-schema.ts)', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'export.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(exportJsonSchema());
  });

  it('every line of the fixture is valid by the format', () => {
    const [header, ...records] = readFileSync(FILE, 'utf8').trim().split('\n');
    expect(ExportHeader.safeParse(JSON.parse(header!)).success).toBe(true);
    for (const r of records) expect(ExportRecord.safeParse(JSON.parse(r)).success, r).toBe(true);
  });
});
