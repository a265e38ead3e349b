/**
 * The service as a user starts it: `npm start` in embedded mode, bad configuration, `npm run token`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { ThreadEvent } from '../../shared/schemas.js';
import { eventually, freePort } from '../support/ports.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];
/** A fresh DATA_DIR, removed after the file's tests. */
const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'lt-data-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }
});

/** Runs the server entry with `env` and resolves with its exit code and stderr. */
async function startWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(await freePort()), LOG_LEVEL: 'silent', STORE: 'memory', ...env },
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

describe('configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PREMODERATION: 'sometimes' }, 'PREMODERATION'],
    [{ POST_RATE: 'fast' }, 'POST_RATE'],
    [{ ALLOWED_ORIGINS: 'not a url' }, 'ALLOWED_ORIGINS'],
    [{ REDIS_URL: 'redis://127.0.0.1:1' }, 'AUTH_SECRET'],
    [{ AUTH_SECRET: 'short' }, 'AUTH_SECRET'],
    [{ STORE: 'disk' }, 'STORE'],
    [{ STORE: 'redis' }, 'STORE'],
  ])('a bad value (%o) stops the process with exit code 1 and names %s', async (env, name) => {
    const { code, stderr } = await startWith(env);
    expect(code).toBe(1);
    expect(stderr).toContain(name);
  });
});

describe('npm start (SQLite in DATA_DIR)', () => {
  it('serves the demo page, and a client can join demo, post and receive its own event', async () => {
    const port = await freePort();
    const dir = dataDir();
    // Its own process group, so that the whole tree (npm, tsx, node) gets the signal, as under a shell.
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, AUTH_SECRET: '', STORE: '' },
      detached: true,
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('listening'), 60_000, 100);
    expect(out).toContain(`comments are kept in ${join(dir, 'livethread.db')}`);
    expect(out).not.toContain('EMBEDDED MODE');
    // The generated AUTH_SECRET is kept, readable by its owner only.
    expect(statSync(join(dir, 'auth-secret')).mode & 0o777).toBe(0o600);
    const base = `http://127.0.0.1:${port}`;

    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-livethread-article="demo"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base}/embed.js`)).status).toBe(200);

    const guest = (await (
      await fetch(`${base}/api/session/guest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' })
    ).json()) as { token: string };
    const client = new DiscussionClient({ url: base, token: guest.token, socketOptions: { transports: ['websocket'] } });
    try {
      const events: ThreadEvent[] = [];
      await client.join('demo', { onEvent: (e) => events.push(e) });
      const comment = await client.post({ articleId: 'demo', body: 'Hello, embedded mode' });
      await eventually(() => events.find((e) => e.comment?.id === comment.id));
      expect(events.at(-1)).toMatchObject({ type: 'comment.created', comment: { body: 'Hello, embedded mode', author: { name: 'Ada' } } });
    } finally {
      client.close();
      process.kill(-child.pid!, 'SIGTERM');
    }
    await eventually(() => out.includes('shutting down'), 10_000);
  }, 90_000);

  it('exits 0 on SIGTERM after closing its sockets; the client reconnects by itself', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir() },
    });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('listening'), 30_000, 100);
    const client = new DiscussionClient({
      url: `http://127.0.0.1:${port}`,
      socketOptions: { transports: ['websocket'], reconnectionDelay: 100 },
    });
    try {
      await client.join('demo');
      const reasons: string[] = [];
      client.socket.on('disconnect', (r) => reasons.push(r));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      // A dropped transport, not a server-side disconnect: socket.io-client retries on its own.
      expect(reasons).toEqual(['transport close']);
    } finally {
      client.close();
    }
  }, 60_000);
});

describe('one process per DATA_DIR', () => {
  it('a second process on the same DATA_DIR exits 1 naming DATA_DIR; the first keeps serving', async () => {
    const dir = dataDir();
    const port = await freePort();
    const first = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir },
    });
    children.push(first);
    let out = '';
    first.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('listening'), 30_000, 100);
    const second = await startWith({ DATA_DIR: dir, STORE: '', LOG_LEVEL: 'info' });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`DATA_DIR ${dir} is in use by another livethread process`);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    first.kill('SIGTERM');
    expect(await new Promise<number | null>((resolve) => first.on('exit', resolve))).toBe(0);
  }, 60_000);
});

describe('npm run token', () => {
  it('prints a token the server accepts, and refuses a missing secret', async () => {
    const secret = 'z'.repeat(40);
    const { stdout } = await run('npm', ['run', '-s', 'token', '--', '--sub', 'mo', '--name', 'Mo', '--role', 'moderator', '--ttl', '1h'], {
      cwd: ROOT,
      env: { ...process.env, AUTH_SECRET: secret },
    });
    const { Tokens } = await import('../../server/auth.js');
    expect(await new Tokens(secret).verify(stdout.trim())).toMatchObject({ id: 'mo', name: 'Mo', role: 'moderator' });
    const empty = dataDir();
    await expect(
      run('npm', ['run', '-s', 'token', '--', '--sub', 'mo', '--name', 'Mo'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, DATA_DIR: empty },
      }),
    ).rejects.toMatchObject({ code: 1 });
  });

  it('in SQLite mode, signs with the secret the server keeps in DATA_DIR', async () => {
    const dir = dataDir();
    const { loadOrCreateSecret } = await import('../../server/secret-file.js');
    const { secret } = loadOrCreateSecret(dir);
    const { stdout } = await run('npm', ['run', '-s', 'token', '--', '--sub', 'ann', '--name', 'Ann'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dir },
    });
    const { Tokens } = await import('../../server/auth.js');
    expect(await new Tokens(secret).verify(stdout.trim())).toMatchObject({ id: 'ann', name: 'Ann' });
  });
});
