/**
 * Leaving a thread with the SDK when several widgets of a page share one client: a listener
 * leaves alone, the last one takes the socket out of the room, and a leave sent while the join
 * is on its way is not undone by the join's answer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ThreadEvent } from '../../shared/schemas.js';
import { articleRoom } from '../../server/gateway/rooms.js';
import { eventually, sleep } from '../support/ports.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';

let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(async () => {
  closeClients();
  await node.stop();
});

const inRoom = (articleId: string) => node.app.io.of('/').adapter.rooms.get(articleRoom(articleId))?.size ?? 0;

it('leave with a listener stops only that one; the last listener to leave takes the socket out of the room', async () => {
  const writer = sdkClient(node.url, await token(node, 'w'));
  const reader = sdkClient(node.url);
  const first: ThreadEvent[] = [];
  const second: ThreadEvent[] = [];
  const one = { onEvent: (e: ThreadEvent) => first.push(e) };
  const two = { onEvent: (e: ThreadEvent) => second.push(e) };
  await reader.join('leave-1', one);
  await reader.join('leave-1', two);
  expect(inRoom('leave-1')).toBe(1);

  await reader.leave('leave-1', one);
  await writer.post({ articleId: 'leave-1', body: 'heard by the second only' });
  await eventually(() => second.length === 1);
  await sleep(100);
  expect(first).toEqual([]);
  expect(inRoom('leave-1')).toBe(1);
  expect(reader.thread('leave-1')).not.toBeNull();

  await reader.leave('leave-1', two);
  await eventually(() => inRoom('leave-1') === 0);
  expect(reader.thread('leave-1')).toBeNull();
  expect(reader.connected).toBe(true);
});

it('a thread left while its join is on its way is left on the server once the join is answered', async () => {
  const reader = sdkClient(node.url);
  await eventually(() => reader.connected);
  const listener = {};
  const joined = reader.join('leave-2', listener).then(
    () => 'joined',
    () => 'not joined',
  );
  await reader.leave('leave-2', listener);
  expect(await joined).toBe('not joined');
  await sleep(200);
  expect(inRoom('leave-2')).toBe(0);
  expect(reader.thread('leave-2')).toBeNull();
});
