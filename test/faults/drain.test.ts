/**
 * Graceful shutdown, the smallest case: SIGTERM while one write is in flight. The node must
 * finish the write and deliver its ack before it drops the socket (server/app.ts close():
 * "let the writes being handled finish (their acks go out)"). Redis is paused (SIGSTOP) for a
 * moment so that the write is surely in flight when the signal lands.
 */
import { io } from 'socket.io-client';
import { afterAll, expect, it } from 'vitest';
import type { Ack } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';
import { sleep } from '../support/ports.js';
import { FaultRun, readThread } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('SIGTERM while a write is in flight: the write is stored, its ack reaches the client, then the node exits 0', async () => {
  const d = await run.deploy({ nodes: 2 });
  const [node, other] = d.nodes as [NonNullable<(typeof d.nodes)[0]>, NonNullable<(typeof d.nodes)[1]>];
  const s = io(node.url, {
    transports: ['websocket'],
    reconnection: false,
    auth: { token: await d.tokens.sign({ sub: 'drain', name: 'Drain', role: 'commenter' }) },
  });
  run.onTeardown(() => s.disconnect());
  await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));

  d.redis.freeze();
  const ack = s
    .timeout(10_000)
    .emitWithAck('comment:post', { articleId: 'drain', body: 'in flight at SIGTERM', clientId: 'drain-1' })
    .then(
      (a: Ack<{ comment: Comment }>) => (a.ok ? `ok ${a.comment.id}` : a.error.code),
      (e: Error) => `no ack: ${e.message}`,
    );
  await sleep(300);
  node.terminate();
  await sleep(300);
  d.redis.thaw();

  const answer = await ack;
  const exit = await node.exited();
  const stored = await readThread(other, 'drain');
  expect(stored.comments.size).toBe(1);
  const id = [...stored.comments.keys()][0];
  expect(answer).toBe(`ok ${id}`);
  expect(exit).toEqual({ code: 0, signal: null });
}, 60_000);
