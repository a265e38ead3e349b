/**
 * A write that reaches the store but whose fan-out PUBLISH fails must not take the node down.
 *
 * Under `kill -9` of Redis (redis-kill.test.ts) this happens when Redis dies between a write and its
 * publish: the publish is rejected (MaxRetriesPerRequestError, or "Command timed out") and, if
 * nobody handles that rejection, Node ends the process. The timing there is a matter of luck, so
 * this test makes every PUBLISH fail on purpose (a Redis ACL that forbids it) and checks that the
 * node lives, the write is acked ok, and readers on another node get the event by catch-up once
 * publishing works again.
 */
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { ThreadEvent } from '../../shared/schemas.js';
import { eventually, sleep } from '../support/ports.js';
import { articles, FaultRun } from './harness.js';

const run = new FaultRun();
afterAll(() => run.teardown());

it('a failed PUBLISH after a stored write does not kill the node; the write is acked and readers catch up', async () => {
  const d = await run.deploy({ nodes: 2 });
  const [a, b] = d.nodes as [NonNullable<(typeof d.nodes)[0]>, NonNullable<(typeof d.nodes)[1]>];
  const [article] = articles('pubfail', 1) as [string];
  const admin = new Redis({ port: d.redis.server.port, host: '127.0.0.1' });
  run.onTeardown(() => admin.disconnect());

  const reader = new DiscussionClient({ url: b.url, socketOptions: { transports: ['websocket'] } });
  run.onTeardown(() => reader.close());
  const applied: ThreadEvent[] = [];
  await reader.join(article, { onEvent: (e) => applied.push(e) });
  const writer = new DiscussionClient({
    url: a.url,
    token: await d.tokens.sign({ sub: 'pub', name: 'Pub', role: 'commenter' }),
    socketOptions: { transports: ['websocket'] },
  });
  run.onTeardown(() => writer.close());

  await admin.call('ACL', 'SETUSER', 'default', '-publish');
  const first = await writer.post({ articleId: article, body: 'stored, never published' });
  await sleep(1500);
  expect(a.running, `node a died:\n${a.log}`).toBe(true);
  expect(applied).toEqual([]);

  await admin.call('ACL', 'SETUSER', 'default', '+publish');
  const second = await writer.post({ articleId: article, body: 'published' });
  // The second event shows the reader a gap; it catches up with the first from the log.
  await eventually(() => applied.length === 2, 10_000);
  expect(applied.map((e) => [e.seq, e.comment?.id])).toEqual([
    [1, first.id],
    [2, second.id],
  ]);
  expect(a.running).toBe(true);
  expect(a.exits).toEqual([]);
}, 120_000);
