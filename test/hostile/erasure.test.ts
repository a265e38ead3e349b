/**
 * After `DELETE /api/me`, nothing personal stays behind: not the e-mail address the host vouched
 * for, not a pending one, not the threads followed. A new token for the same id (the host signs
 * one after the erasure) must find a blank person, and the personal export must list what the
 * mail settings keep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/ports.js';
import { startTarget, type Target } from './target.js';

let target: Target;

const settings = async (token: string) => {
  const res = await fetch(`${target.url}/api/me/notifications`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { email: string | null; pending: string | null; follows: unknown[] };
};

describe.each([true, false])('erasure and the mail settings (embedded: %s; else on Redis)', (embedded) => {
  beforeAll(async () => {
    const smtpPort = await freePort();
    target = await startTarget({
      embedded,
      env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_FROM: 'Comments <comments@news.test>', PUBLIC_URL: 'http://127.0.0.1:1' },
    });
  }, 30_000);
  afterAll(async () => {
    await target?.stop();
  });

  it('DELETE /api/me forgets the address and the follows; the export lists them before', async () => {
    const token = await target.tokens.sign({ sub: 'erin', name: 'Erin', role: 'commenter', email: 'erin@mail.test', email_verified: true });
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await eventually(async () => (await settings(token)).email === 'erin@mail.test', 5000);
    const posted = await fetch(`${target.url}/api/articles/a1/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await target.token('olga')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'a thread to follow' }),
    });
    const rootId = ((await posted.json()) as { comment: { id: string } }).comment.id;
    const follow = await fetch(`${target.url}/api/me/notifications`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ follow: { articleId: 'a1', rootId, on: true } }),
    });
    expect(follow.status).toBe(200);
    expect((await settings(token)).follows).toEqual([{ articleId: 'a1', rootId }]);

    const exported = await (await fetch(`${target.url}/api/me/export`, { headers: auth })).text();
    expect(exported).toContain('erin@mail.test');

    const erased = await fetch(`${target.url}/api/me`, { method: 'DELETE', headers: auth });
    expect(erased.status).toBe(200);

    // The host signs the same person in again, later, without an address.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await target.tokens.sign({ sub: 'erin', name: 'Erin', role: 'commenter' });
    const after = await settings(again);
    expect(after.email).toBeNull();
    expect(after.pending).toBeNull();
    expect(after.follows).toEqual([]);
    await target.assertHealthy();
  });

  it('only threads that exist can be followed: no store entry per made-up id', async () => {
    const token = await target.token('fiona');
    const follow = (articleId: string, rootId: string) =>
      fetch(`${target.url}/api/me/notifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ follow: { articleId, rootId, on: true } }),
      });
    const made = await follow('made-up-article', 'made-up-root');
    expect(made.status).toBe(404);
    expect((await settings(token)).follows).toEqual([]);
    await target.assertHealthy();
  });
});
