/**
 * Moving in and out, with the real commands: `npm run import` into Redis (two nodes serving
 * readers while it runs) and through a running single-process service; `npm run export` and the
 * round trip export → import into an empty store → export; the WordPress export read back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThreadEvent } from '../../shared/schemas.js';
import { readImport } from '../../server/import/import-reader.js';
import { ok } from '../support/acks.js';
import {
  closeClients,
  connected,
  rawSocket,
  recordEvents,
  sdkClient,
  startNode,
  TEST_SECRET,
  token,
  type TestNode,
} from '../support/nodes.js';
import { eventually } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const run = promisify(execFile);
const FIXTURES = 'test/fixtures/import';

/** Runs a command-line tool as `npm run …` does (from source), with the service's environment. */
async function cli(tool: 'import' | 'export', args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', `server/cli/${tool}.ts`, ...args], {
      env: { PATH: process.env.PATH!, AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  a = await startNode({ redisUrl: redis.url });
  b = await startNode({ redisUrl: redis.url });
  dir = await mkdtemp(join(tmpdir(), 'lt-import-'));
}, 60_000);
afterAll(async () => {
  closeClients();
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run import into Redis', () => {
  it('readers on two nodes get the imported thread without reloading, and no event per comment', async () => {
    // A comment written here before the import: it stays.
    const writer = rawSocket(a.url, await token(a, 'local-writer', 'commenter', 'Local'));
    await connected(writer);
    const mine = ok(
      (await writer.emitWithAck('comment:post', { articleId: 'article-one', body: 'written here first' })) as {
        ok: true;
        comment: { id: string };
      },
    );
    const readers = [sdkClient(a.url), sdkClient(b.url)];
    await Promise.all(readers.map((r) => r.join('article-one')));
    const watcher = rawSocket(b.url);
    await connected(watcher);
    ok(await watcher.emitWithAck('thread:join', { articleId: 'article-one' }));
    const events: ThreadEvent[] = recordEvents(watcher);

    const r = await cli('import', ['--format', 'disqus', `${FIXTURES}/disqus.xml`], { REDIS_URL: redis.url });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/written: \d+ comments \(0 already there\)/);

    const stored = await a.store.articleComments('article-one');
    const visible = stored.filter((c) => c.status === 'visible' || c.status === 'deleted').map((c) => c.id);
    expect(visible.length).toBeGreaterThan(3);
    // Both readers end with every comment readers may see, the one written here included.
    for (const reader of readers) {
      const state = await eventually(() => {
        const s = reader.thread('article-one');
        return s && visible.every((id) => s.comments.has(id)) ? s : null;
      }, 10_000);
      expect(state.comments.has(mine.comment.id)).toBe(true);
      expect(state.comments.size).toBe(visible.length);
    }
    // Imported comments come in a reload, not as a flood of live events.
    expect(events.filter((e) => e.type === 'comment.created')).toEqual([]);
    // Authors' emails stay server-side.
    expect(JSON.stringify([...readers[0]!.thread('article-one')!.comments.values()])).not.toMatch(/@example\.(com|org)/);
  }, 60_000);

  it('the same file again adds nothing; then a WordPress site into the same store loses nothing of the first', async () => {
    const before = await a.store.articleComments('article-one');
    const again = await cli('import', ['--format', 'disqus', `${FIXTURES}/disqus.xml`], { REDIS_URL: redis.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/written: 0 comments \(\d+ already there\) in 0 of/);
    expect(await a.store.articleComments('article-one')).toEqual(before);

    const wp = await cli('import', ['--format', 'wordpress', `${FIXTURES}/wordpress.xml`], { REDIS_URL: redis.url });
    expect(wp.code).toBe(0);
    expect(wp.stdout).toMatch(/written: [1-9]\d* comments/);
    const after = await a.store.articleComments('article-one');
    for (const c of before) expect(after.find((x) => x.id === c.id)).toEqual(c);
    const ids = new Set<string>();
    for (const articleId of await allArticles(a)) for (const c of await a.store.articleComments(articleId)) ids.add(c.id);
    const counted = await Promise.all((await allArticles(a)).map(async (id) => (await a.store.articleComments(id)).length));
    expect(ids.size).toBe(counted.reduce((x, y) => x + y, 0));
  }, 60_000);

  it('a dry run prints the plan and writes nothing; a malformed file says where and writes nothing', async () => {
    const articles = await allArticles(a);
    const dry = await cli('import', ['--format', 'remark42', '--dry-run', `${FIXTURES}/remark42.jsonl`], { REDIS_URL: redis.url });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Import plan: remark42/);
    expect(dry.stdout).toMatch(/dry run: nothing written/);
    expect(await allArticles(a)).toEqual(articles);

    const bad = join(dir, 'broken.xml');
    const text = await readFile(`${FIXTURES}/wordpress.xml`, 'utf8');
    await writeFile(bad, text.replace('</wp:comment_content>', '</wp:comment_contnt>').replace('article', 'brokenarticle'));
    const r = await cli('import', ['--format', 'wordpress', bad], { REDIS_URL: redis.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.xml:\d+:\d+: not well-formed XML/);
    expect(await allArticles(a)).toEqual(articles);
  }, 60_000);
});

describe('npm run export', () => {
  it('export → import into an empty store → export gives the same records', async () => {
    const mod = rawSocket(a.url, await token(a, 'mia', 'moderator', 'Mia'));
    await connected(mod);
    ok(await mod.emitWithAck('mod:ban', { userId: 'troll-1', reason: 'spam', duration: '7d' }));
    const first = join(dir, 'first.jsonl.gz');
    expect((await cli('export', [first], { REDIS_URL: redis.url })).code).toBe(0);

    const empty = await startRedis();
    try {
      const imported = await cli('import', ['--format', 'livethread', first], { REDIS_URL: empty.url });
      expect(imported.stderr).not.toMatch(/^import:/m);
      expect(imported.code).toBe(0);
      const second = join(dir, 'second.jsonl');
      expect((await cli('export', [second], { REDIS_URL: empty.url })).code).toBe(0);
      const records = async (file: string) => {
        const { gunzipSync } = await import('node:zlib');
        const raw = await readFile(file);
        const lines = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').trim().split('\n');
        return { header: JSON.parse(lines[0]!) as { format: string }, rest: lines.slice(1) };
      };
      const x = await records(first);
      const y = await records(second);
      expect(x.header.format).toBe('livethread');
      // The same records; articles may come in another order from another Redis.
      expect(y.rest.length).toBe(x.rest.length);
      expect(byArticle(y.rest)).toEqual(byArticle(x.rest));
      expect(x.rest.some((l) => l.includes('"type":"ban"') && l.includes('troll-1'))).toBe(true);
      expect(x.rest.some((l) => l.includes('"type":"audit"') && l.includes('"action":"ban"'))).toBe(true);
    } finally {
      await empty.stop();
    }
  }, 90_000);

  it('--format wxr writes a WordPress file that the WordPress importer reads back whole', async () => {
    const file = join(dir, 'site.xml');
    expect((await cli('export', [file, '--format', 'wxr', '--site-url', 'https://example.org/'], { REDIS_URL: redis.url })).code).toBe(0);
    const reader = readImport(file, { format: 'wordpress', includeSpam: true });
    let comments = 0;
    for await (const article of reader) comments += article.comments.length;
    let stored = 0;
    for (const id of await allArticles(a)) stored += (await a.store.articleComments(id)).filter((c) => c.status !== 'deleted').length;
    // Tombstones go as trash, which WordPress importers skip unless they have replies.
    expect(comments).toBeGreaterThanOrEqual(stored);
  }, 60_000);
});

describe('a single-process service takes the import from the command', () => {
  let solo: TestNode;
  beforeAll(async () => {
    solo = await startNode({ env: { IMPORT_MAX_BYTES: String(64 * 1024) } });
  });
  afterAll(async () => {
    await solo?.stop();
  });

  it('imports through the service: open pages reload at once; the re-run adds nothing', async () => {
    const reader = sdkClient(solo.url);
    await reader.join('news/2026/a-story');
    const r = await cli('import', ['--format', 'livethread', '--url', solo.url, `${FIXTURES}/livethread.jsonl`], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/written: [1-9]\d* comments/);
    // thread:resync at the end of the import: no wait for presence.
    await eventually(() => reader.thread('news/2026/a-story')?.comments.has('c-root-1') || null, 1500);
    const again = await cli('import', ['--format', 'livethread', '--url', solo.url, `${FIXTURES}/livethread.jsonl`], {});
    expect(again.stdout).toMatch(/written: 0 comments/);
  }, 60_000);

  it('an import that cannot make its temporary directory answers 500 and does not lock out the next one', async () => {
    const { Tokens } = await import('../../server/auth.js');
    const admin = await new Tokens(TEST_SECRET).signAdmin('import');
    const post = () =>
      fetch(`${solo.url}/api/admin/import?format=livethread`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}` },
        body: '{"format":"livethread","version":1}\n',
      });
    const saved = process.env.TMPDIR;
    // The node runs in this process: its os.tmpdir() now names a directory that cannot exist.
    process.env.TMPDIR = join(dir, 'not-a-directory', 'nor-this');
    try {
      expect((await post()).status).toBe(500);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const next = await post();
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('"type":"done"');
  }, 30_000);

  it('refuses user tokens, files over IMPORT_MAX_BYTES and a second import at once; the node stays up', async () => {
    const moderator = await token(solo, 'mia', 'moderator', 'Mia');
    const post = (headers: Record<string, string>, body = '{}') =>
      fetch(`${solo.url}/api/admin/import?format=livethread`, { method: 'POST', headers, body });
    expect((await post({ authorization: `Bearer ${moderator}` })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    const { Tokens } = await import('../../server/auth.js');
    const admin = await new Tokens(TEST_SECRET).signAdmin('import');
    // An admin token for another task is not one for this.
    expect((await post({ authorization: `Bearer ${await new Tokens(TEST_SECRET).signAdmin('export')}` })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${admin}` }, 'x'.repeat(65 * 1024))).status).toBe(413);
    const bad = await fetch(`${solo.url}/api/admin/import?format=nope`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(bad.status).toBe(400);
    // A user token cannot read the site either.
    expect((await fetch(`${solo.url}/api/admin/export`, { headers: { authorization: `Bearer ${moderator}` } })).status).toBe(401);
    // Two at once: the second waits its turn (409) while the first reads a slow body.
    const { request } = await import('node:http');
    const slow = request(`${solo.url}/api/admin/import?format=livethread`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
    });
    slow.on('error', () => undefined);
    slow.write('{"format":"livethread","version":1}\n');
    await new Promise((r) => setTimeout(r, 200));
    expect((await post({ authorization: `Bearer ${admin}` })).status).toBe(409);
    slow.destroy();
    expect((await fetch(`${solo.url}/api/health`).catch(() => null))?.status ?? (await fetch(`${solo.url}/`)).status).toBeLessThan(500);
  }, 30_000);
});

describe('the quick start (SQLite in DATA_DIR)', () => {
  it('imports into the file with no service running; a service started then serves them, and takes the next import itself', async () => {
    const dataDir = join(dir, 'data');
    // No AUTH_SECRET: the one kept in DATA_DIR, as `npm start` makes it.
    const env = { DATA_DIR: dataDir, AUTH_SECRET: '' };
    const first = await cli('import', ['--format', 'disqus', `${FIXTURES}/disqus.xml`], env);
    expect(first.stderr).toMatch(/no service answers on port \d+: importing into .*data directly/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/written: [1-9]\d* comments/);

    const node = await startNode({ env: { STORE: 'sqlite', DATA_DIR: dataDir, AUTH_SECRET: '' } });
    try {
      expect((await node.store.articleComments('article-one')).length).toBeGreaterThan(3);
      // Running: the file is the service's, so the command hands the next file over.
      const second = await cli('import', ['--format', 'wordpress', `${FIXTURES}/wordpress.xml`], { ...env, PORT: String(node.port) });
      expect(second.stderr).not.toMatch(/directly/);
      expect(second.code).toBe(0);
      expect((await node.store.articleComments('hello-world')).length).toBeGreaterThan(0);
      const out = join(dir, 'quick.jsonl');
      expect((await cli('export', [out], { ...env, PORT: String(node.port) })).code).toBe(0);
      expect(await readFile(out, 'utf8')).toContain('"articleId":"hello-world"');
    } finally {
      await node.stop();
    }
  }, 90_000);
});

async function allArticles(node: TestNode): Promise<string[]> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await node.store.articleIds(cursor, 100);
    page.ids.forEach((id) => ids.add(id));
    cursor = page.cursor;
  } while (cursor);
  return [...ids].sort();
}

/** Export lines grouped by article (comments in their order), bans and audit as they come. */
function byArticle(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of lines) {
    const r = JSON.parse(line) as { type: string; articleId?: string };
    const key = r.type === 'article' || r.type === 'comment' ? `a:${r.articleId}` : r.type;
    (out[key] ??= []).push(line);
  }
  return out;
}
