/**
 * The delivery loop on the memory stores against a local receiver: an endpoint that fails long
 * enough is marked failing (log, metric, state) and recovers by itself; one that falls behind the
 * bounded event log gets what is left, in order, and says how much it lost.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config.js';
import type { StoredEvent } from '../../server/core/ports.js';
import { createLogger } from '../../server/logger.js';
import { Metrics } from '../../server/metrics.js';
import { ChangeFeed } from '../../server/notify/change-feed.js';
import { Webhooks } from '../../server/notify/webhooks.js';
import { MemoryStore } from '../../server/store/memory-store.js';
import { MemoryWebhookStore } from '../../server/store/webhook-store.js';
import { eventually, freePort } from '../support/ports.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function setup() {
  const port = await freePort();
  const got: { id: string; seq: number }[] = [];
  let server: http.Server | null = null;
  const receiver = {
    up: () =>
      new Promise<void>((resolve) => {
        server = http.createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { seq: number } };
            got.push({ id: String(req.headers['webhook-id']), seq: body.data.seq });
            res.writeHead(200).end('ok');
          });
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    down: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
        server = null;
      }),
  };
  open.push({ close: receiver.down });
  const config = parseConfig({
    WEBHOOK_URLS: `http://127.0.0.1:${port}/h`,
    WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_POLL_MS: '20',
    WEBHOOK_RETRY_MIN_MS: '10',
    WEBHOOK_RETRY_MAX_MS: '40',
    WEBHOOK_FAIL_AFTER_MS: '150',
  });
  const store = new MemoryStore({ logSize: 5 });
  const hooks = new MemoryWebhookStore();
  const metrics = new Metrics({ sockets: () => 0, rooms: () => 0 });
  const lines: string[] = [];
  const logger = createLogger('info', { write: (l: string) => void lines.push(l) });
  const webhooks = new Webhooks({ config: { ...config, EVENT_LOG_SIZE: 5 }, store, hooks, logger, metrics });
  open.push(webhooks);
  webhooks.start();
  const feed = new ChangeFeed(hooks, logger, [webhooks]);
  let n = 0;
  const post = async () => {
    const id = `c${++n}`;
    const at = new Date().toISOString();
    const r = await store.create({
      comment: {
        id,
        articleId: 'a',
        parentId: null,
        rootId: id,
        author: { id: 'u', name: 'U' },
        body: `body ${n}`,
        status: 'visible',
        createdAt: at,
      },
      clientKey: null,
      publish: true,
      rejectIfClosed: false,
      epochCandidate: 'e1',
      at,
    });
    if (r.kind !== 'created') throw new Error(r.kind);
    feed.publish(r.event as StoredEvent);
  };
  return { receiver, got, post, webhooks, metrics, lines, hooks };
}

describe('webhook delivery', () => {
  it('marks an endpoint failing after the retry period, keeps retrying, and recovers', async () => {
    const { receiver, got, post, webhooks, metrics, lines } = await setup();
    await post();
    await eventually(async () => (await webhooks.status()).endpoints[0]!.failing, 3000);
    expect(lines.some((l) => l.includes('the endpoint is failing'))).toBe(true);
    expect((await metrics.webhookFailing.get()).values[0]!.value).toBe(1);
    expect((await metrics.webhookRetries.get()).values[0]!.value).toBeGreaterThan(2);
    await receiver.up();
    await eventually(() => got.length === 1, 3000);
    const status = (await webhooks.status()).endpoints[0]!;
    expect(status).toMatchObject({ failing: false, failures: 0, lastError: null });
    expect((await metrics.webhookFailing.get()).values[0]!.value).toBe(0);
  });

  it('an endpoint that fell behind the event log gets what is left, in order, and says what it lost', async () => {
    const { receiver, got, post, metrics, lines } = await setup();
    await receiver.up();
    await post();
    await eventually(() => got.length === 1, 3000);
    await receiver.down();
    for (let i = 0; i < 10; i++) await post();
    await eventually(() => lines.some((l) => l.includes('delivery failed')), 3000);
    await receiver.up();
    await eventually(() => got.length === 6, 3000);
    expect(got.map((g) => g.seq)).toEqual([1, 7, 8, 9, 10, 11]);
    expect((await metrics.webhookEventsLost.get()).values[0]!.value).toBe(5);
    const line = lines.find((l) => l.includes('fell behind the event log'));
    expect(JSON.parse(line!)).toMatchObject({ articleId: 'a', from: 2, to: 6, lost: 5 });
  });
});
