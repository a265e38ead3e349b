/**
 * `POST /api/admin/import?map=…` names a file the service reads. Whoever holds an import token
 * must not make the service read any file it can (its secrets, /dev/zero, a FIFO), nor learn
 * from the answer whether a path exists: only a regular CSV file under the service's working
 * directory or DATA_DIR is read, and a refusal says the same for every other path.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.js';

let target: Target;
let dataDir: string;
let fixture: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'lt-hostile-import-'));
  fixture = await readFile(new URL('../fixtures/import/disqus.xml', import.meta.url), 'utf8');
  target = await startTarget({ embedded: true, env: { DATA_DIR: dataDir, IMPORT_MAX_BYTES: String(1024 * 1024) } });
}, 30_000);
afterAll(async () => {
  await target?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function importWith(map: string): Promise<{ status: number; text: string }> {
  const token = await target.tokens.signAdmin('import');
  const res = await fetch(`${target.url}/api/admin/import?format=disqus&dryRun=1&map=${encodeURIComponent(map)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: fixture,
  });
  return { status: res.status, text: await res.text() };
}

describe('the import map', () => {
  it('reads no file outside the working directory and DATA_DIR, and says nothing about it', async () => {
    const secretish = join(tmpdir(), `lt-outside-${process.pid}.csv`);
    await writeFile(secretish, 'source,articleId\nx,y\n');
    try {
      const answers = [];
      // One at a time: the service runs one import at once.
      for (const m of ['/etc/passwd', '/no/such/file.csv', secretish, `${dataDir}/../${secretish.split('/').pop()}`, '/dev/zero'])
        answers.push(await importWith(m));
      for (const a of answers) {
        expect(a.status).toBe(400);
        expect(a.text).not.toMatch(/passwd|no\/such|lt-outside|dev\/zero|ENOENT|EACCES/);
      }
      // The same answer whether the file exists or not.
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    } finally {
      await rm(secretish, { force: true });
    }
    await target.assertHealthy();
  }, 30_000);

  it('reads a map under DATA_DIR', async () => {
    const map = join(dataDir, 'map.csv');
    await writeFile(map, 'source,articleId\nsome-thread,some-article\n');
    const { status, text } = await importWith(map);
    expect(status).toBe(200);
    const last = JSON.parse(text.trim().split('\n').at(-1)!) as { type: string; plan?: { options: { mapEntries: number } } };
    expect(last.type).toBe('done');
    expect(last.plan?.options.mapEntries).toBe(1);
    await target.assertHealthy();
  }, 30_000);
});

describe('the import body', () => {
  it('a chunked body past IMPORT_MAX_BYTES, or a client gone mid-upload, does not keep the next import out', async () => {
    const token = await target.tokens.signAdmin('import');
    const { request } = await import('node:http');
    const upload = (chunks: number, gone: boolean) =>
      new Promise<number | null>((resolve) => {
        const req = request(`${target.url}/api/admin/import?format=disqus&dryRun=1`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
        });
        req.on('response', (res) => (res.resume(), resolve(res.statusCode ?? null)));
        req.on('error', () => resolve(null));
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let n = 0;
        const more = () => {
          if (gone && n === 2) return void req.destroy();
          if (n++ >= chunks) return void req.end();
          if (req.write(chunk)) setImmediate(more);
          else req.once('drain', more);
        };
        more();
      });
    // No content-length: the bound (1 MiB here) holds while reading.
    expect(await upload(40, false)).toBe(413);
    expect(await upload(100, true)).toBeNull();
    const after = await importWith(join(dataDir, 'map.csv'));
    expect(after.status).toBe(200);
    await target.assertHealthy();
  }, 60_000);
});
