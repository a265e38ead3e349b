/**
 * Votes from people the site sent away: a banned user keeps no say over the ranking of threads
 * (PROTOCOL.md: a ban stops posting; a vote is the same kind of say), and gets `banned`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget, type Target } from './target.js';

let target: Target;

beforeAll(async () => {
  target = await startTarget({ embedded: true });
}, 30_000);
afterAll(async () => {
  await target?.stop();
});

async function call(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${target.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('votes', () => {
  it('a banned user cannot vote', async () => {
    const author = await target.token('vera');
    const troll = await target.token('troll');
    const mod = await target.tokens.sign({ sub: 'max', name: 'Max', role: 'moderator' });
    const posted = await call(author, 'POST', '/articles/votes-a/comments', { body: 'a fair point' });
    expect(posted.status).toBe(201);
    const id = (posted.json.comment as { id: string }).id;
    expect((await call(troll, 'POST', `/articles/votes-a/comments/${id}/vote`, { value: -1 })).status).toBe(200);
    expect((await call(mod, 'POST', '/moderation/ban', { userId: 'troll' })).status).toBeLessThan(300);
    const after = await call(troll, 'POST', `/articles/votes-a/comments/${id}/vote`, { value: 1 });
    expect(after.status).toBe(403);
    expect((after.json.error as { code: string }).code).toBe('banned');
    // Own comments, values outside -1..1 and held comments stay refused.
    expect((await call(author, 'POST', `/articles/votes-a/comments/${id}/vote`, { value: 1 })).status).toBe(403);
    expect((await call(mod, 'POST', `/articles/votes-a/comments/${id}/vote`, { value: 2 })).status).toBe(400);
    await target.assertHealthy();
  });
});
