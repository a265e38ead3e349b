/**
 * The service as a user starts it: `npm start` in embedded mode, bad configuration, `npm run token`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { ThreadEvent } from '../../shared/schemas.js';
import { eventually, freePort } from '../support/ports.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterAll(() => {
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
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(await freePort()), LOG_LEVEL: 'silent', ...env },
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
  ])('a bad value (%o) stops the process with exit code 1 and names %s', async (env, name) => {
    const { code, stderr } = await startWith(env);
    expect(code).toBe(1);
    expect(stderr).toContain(name);
  });
});

describe('npm start (embedded mode)', () => {
  it('serves the demo page, and a client can join demo, post and receive its own event', async () => {
    const port = await freePort();
    // Its own process group, so that the whole tree (npm, tsx, node) gets the signal, as under a shell.
    const child = spawn('npm', ['start'], { cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, detached: true });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('listening'), 60_000, 100);
    expect(out).toContain('EMBEDDED MODE');
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
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1' },
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

describe('npm run token', () => {
  it('prints a token the server accepts, and refuses a missing secret', async () => {
    const secret = 'z'.repeat(40);
    const { stdout } = await run('npm', ['run', '-s', 'token', '--', '--sub', 'mo', '--name', 'Mo', '--role', 'moderator', '--ttl', '1h'], {
      cwd: ROOT,
      env: { ...process.env, AUTH_SECRET: secret },
    });
    const { Tokens } = await import('../../server/auth.js');
    expect(await new Tokens(secret).verify(stdout.trim())).toMatchObject({ id: 'mo', name: 'Mo', role: 'moderator' });
    await expect(
      run('npm', ['run', '-s', 'token', '--', '--sub', 'mo', '--name', 'Mo'], { cwd: ROOT, env: { PATH: process.env.PATH } }),
    ).rejects.toMatchObject({ code: 1 });
  });
});
