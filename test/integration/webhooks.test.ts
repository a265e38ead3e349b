/**
 * Webhooks against a real HTTP receiver that checks every signature with the Standard Webhooks
 * verifier: two nodes on one Redis keep delivering through a receiver outage (everything, once,
 * in order per article, from the event log), a replay sends the same events with the same ids,
 * moderation events arrive, and private addresses are refused unless allowed.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEnvelope } from '../../server/notify/webhook-format.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, freePort, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

interface Received {
  id: string;
  envelope: WebhookEnvelope;
}

/** A receiver on a fixed port that can go down and come back; it accepts only valid signatures. */
function receiver(port: number) {
  const got: Received[] = [];
  const refused: string[] = [];
  /** Requests being answered at once, at most: two nodes must never deliver together. */
  const concurrency = { now: 0, max: 0 };
  const verifier = new Webhook(SECRET);
  let server: http.Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      server = http.createServer((req, res) => {
        concurrency.max = Math.max(concurrency.max, ++concurrency.now);
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          try {
            const envelope = verifier.verify(body, req.headers as Record<string, string>) as WebhookEnvelope;
            got.push({ id: String(req.headers['webhook-id']), envelope });
            // A short answer time, so that overlapping deliveries would be seen.
            setTimeout(() => {
              concurrency.now--;
              res.writeHead(204).end();
            }, 5);
          } catch (e) {
            concurrency.now--;
            refused.push((e as Error).message);
            res.writeHead(400).end();
          }
        });
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
      server = null;
    });
  return { got, refused, concurrency, up, down, url: `http://127.0.0.1:${port}/hook` };
}

async function api(node: TestNode, path: string, tok: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${node.url}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

const FAST = {
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_RETRY_MIN_MS: '200',
  WEBHOOK_RETRY_MAX_MS: '2000',
  WEBHOOK_TIMEOUT_MS: '2000',
};

let redis: RedisServer;
const nodes: TestNode[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
});
afterAll(async () => {
  closeClients();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
});

describe('webhooks', () => {
  it(
    'a receiver down for 30 s gets all 20 comments posted on two nodes, once each, in order per article; a replay resends them with the same ids',
    { timeout: 120_000 },
    async () => {
      const hook = receiver(await freePort());
      const env = { ...FAST, WEBHOOK_URLS: hook.url };
      const [a, b] = await Promise.all([
        startNode({ redisUrl: redis.url, name: 'wa', env }),
        startNode({ redisUrl: redis.url, name: 'wb', env }),
      ]);
      nodes.push(a, b);
      const before = new Date().toISOString();
      const downAt = Date.now();
      const writers = [rawSocket(a.url, await token(a, 'alice')), rawSocket(b.url, await token(b, 'bob'))];
      await Promise.all(writers.map(connected));
      const articles = ['wh-x', 'wh-y'];
      const posted: Record<string, string[]> = { 'wh-x': [], 'wh-y': [] };
      for (let i = 0; i < 20; i++) {
        const articleId = articles[i % 2]!;
        const { comment } = ok(await writers[Math.floor(i / 2) % 2]!.emitWithAck('comment:post', { articleId, body: `comment ${i}` }));
        posted[articleId]!.push(comment.id);
      }
      const mod = await token(a, 'mia', 'moderator');
      // Failing meanwhile, with backoff, and the console sees it.
      await eventually(async () => {
        const { json } = await api(a, '/moderation/webhooks', mod);
        const s = json as { endpoints: { failures: number; lastError: string | null }[]; deliveries: { ok: boolean }[] };
        return s.endpoints[0]!.failures > 0 && s.deliveries.some((d) => !d.ok);
      }, 10_000);
      await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
      expect(hook.got).toHaveLength(0);

      await hook.up();
      await eventually(() => hook.got.length >= 20, 15_000);
      await sleep(1000);
      expect(hook.refused).toEqual([]);
      expect(hook.got).toHaveLength(20);
      expect(new Set(hook.got.map((g) => g.id)).size).toBe(20);
      for (const articleId of articles) {
        const mine = hook.got.filter((g) => g.envelope.data.articleId === articleId);
        expect(mine.map((g) => g.envelope.data.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(mine.map((g) => g.envelope.data.comment?.id)).toEqual(posted[articleId]);
        expect(mine.every((g) => g.envelope.type === 'comment.created')).toBe(true);
      }
      const first = hook.got.slice();

      // A replay from before the first comment: the same 20, in order per article, same ids.
      const bad = await api(b, '/moderation/webhooks/replay', mod, { since: 'yesterday' });
      expect(bad.status).toBe(400);
      const commenter = await api(b, '/moderation/webhooks/replay', await token(b, 'alice'), { since: before });
      expect(commenter.status).toBe(403);
      const replay = await api(b, '/moderation/webhooks/replay', mod, { since: before });
      expect(replay.status).toBe(202);
      await eventually(() => hook.got.length >= 40, 15_000);
      await sleep(500);
      const again = hook.got.slice(20);
      expect(again).toHaveLength(20);
      for (const articleId of articles) {
        const ids = (list: Received[]) => list.filter((g) => g.envelope.data.articleId === articleId).map((g) => g.id);
        expect(ids(again)).toEqual(ids(first));
      }
      const status = (await api(a, '/moderation/webhooks', mod)).json as { endpoints: { failures: number; lastSuccessAt: string }[] };
      expect(status.endpoints[0]!.failures).toBe(0);
      expect(status.endpoints[0]!.lastSuccessAt).toBeTruthy();
      expect(hook.concurrency.max).toBe(1);
      await hook.down();
    },
  );

  it('sends held, reported and approved comments and bans (moderation events), and a test from the console', async () => {
    const hook = receiver(await freePort());
    await hook.up();
    const node = await startNode({ env: { ...FAST, WEBHOOK_URLS: hook.url, PREMODERATION: 'all', REPORT_HOLD_THRESHOLD: '0' } });
    nodes.push(node);
    const modTok = await token(node, 'mia', 'moderator');
    const writer = rawSocket(node.url, await token(node, 'dan'));
    const moderator = rawSocket(node.url, modTok);
    await Promise.all([connected(writer), connected(moderator)]);
    const { comment } = ok(await writer.emitWithAck('comment:post', { articleId: 'wh-mod', body: 'please approve' }));
    await eventually(() => hook.got.some((g) => g.envelope.type === 'comment.held'));
    ok(await moderator.emitWithAck('mod:approve', { articleId: 'wh-mod', commentId: comment.id }));
    await eventually(
      () => hook.got.some((g) => g.envelope.type === 'comment.approved') && hook.got.some((g) => g.envelope.type === 'comment.created'),
    );
    ok(await moderator.emitWithAck('comment:report', { articleId: 'wh-mod', commentId: comment.id, reason: 'spam' }));
    ok(await moderator.emitWithAck('mod:ban', { userId: 'dan', duration: '1h' }));
    await eventually(
      () => hook.got.some((g) => g.envelope.type === 'comment.reported') && hook.got.some((g) => g.envelope.type === 'user.banned'),
    );
    const held = hook.got.find((g) => g.envelope.type === 'comment.held')!;
    expect(held.envelope.data.comment).toMatchObject({ id: comment.id, body: 'please approve', status: 'pending' });
    expect(held.id).toMatch(/^mod_\d+$/);
    const reported = hook.got.find((g) => g.envelope.type === 'comment.reported')!;
    expect(reported.envelope.data.report).toEqual({ reason: 'spam' });
    expect(hook.got.find((g) => g.envelope.type === 'user.banned')!.envelope.data.userId).toBe('dan');

    const test = await api(node, '/moderation/webhooks/test', modTok, {});
    expect(test.status).toBe(200);
    expect((test.json as { results: { ok: boolean; status: number }[] }).results).toEqual([
      expect.objectContaining({ ok: true, status: 204 }),
    ]);
    await eventually(() => hook.got.some((g) => g.envelope.type === 'webhook.test'));
    expect(hook.refused).toEqual([]);
    await hook.down();
  });

  it('refuses a private address without WEBHOOK_ALLOW_PRIVATE', async () => {
    const hook = receiver(await freePort());
    await hook.up();
    const node = await startNode({ env: { ...FAST, WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_URLS: hook.url } });
    nodes.push(node);
    const modTok = await token(node, 'mia', 'moderator');
    const writer = rawSocket(node.url, await token(node, 'eve'));
    await connected(writer);
    ok(await writer.emitWithAck('comment:post', { articleId: 'wh-private', body: 'hello' }));
    await eventually(async () => {
      const s = (await api(node, '/moderation/webhooks', modTok)).json as { endpoints: { lastError: string | null }[] };
      return s.endpoints[0]!.lastError?.includes('refused');
    });
    const test = await api(node, '/moderation/webhooks/test', modTok, {});
    expect((test.json as { results: { ok: boolean; error: string }[] }).results[0]).toMatchObject({
      ok: false,
      error: expect.stringMatching(/refused/),
    });
    await sleep(300);
    expect(hook.got).toHaveLength(0);
    await hook.down();
  });
});
