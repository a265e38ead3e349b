/**
 * In SQLite mode the webhook state lives in the data directory's file: an event the receiver
 * refused before a restart is delivered after it (memory would forget the endpoint's progress,
 * and the new process would start after the event).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { WebhookEnvelope } from '../../server/notify/webhook-format.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, sleep } from '../support/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-notify-'));
const nodes: TestNode[] = [];
let server: http.Server | null = null;
afterAll(async () => {
  closeClients();
  for (const n of nodes) await n.stop().catch(() => undefined);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite mode: webhooks across a restart', () => {
  it('delivers after a restart what the receiver refused before it', { timeout: 60_000 }, async () => {
    let accept = false;
    const got: WebhookEnvelope[] = [];
    const refused: number[] = [];
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!accept) {
          refused.push(Date.now());
          res.writeHead(503).end();
          return;
        }
        got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookEnvelope);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const env = {
      STORE: 'sqlite',
      DATA_DIR: dir,
      WEBHOOK_URLS: `http://127.0.0.1:${port}/hook`,
      WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_RETRY_MIN_MS: '200',
      WEBHOOK_RETRY_MAX_MS: '1000',
      WEBHOOK_TIMEOUT_MS: '2000',
    };

    const first = await startNode({ name: 'sq1', env });
    nodes.push(first);
    const s = rawSocket(first.url, await token(first, 'alice'));
    await connected(s);
    const { comment } = ok(await s.emitWithAck('comment:post', { articleId: 'sq-a', body: 'before the restart' }));
    await eventually(() => refused.length > 0, 10_000);
    closeClients();
    await first.stop();
    nodes.splice(0);

    accept = true;
    const second = await startNode({ name: 'sq2', env });
    nodes.push(second);
    await eventually(() => got.length >= 1, 15_000);
    await sleep(500);
    expect(got.map((e) => e.data.comment?.id)).toEqual([comment.id]);
    expect(got[0]!.data.seq).toBe(1);
  });
});
