/**
 * The SDK's ordering rules against a real server: events out of order, duplicates, and a gap
 * that only a catch-up can fill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventView } from '../../server/core/thread.js';
import type { StoredEvent } from '../../server/core/ports.js';
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

/** Writes a comment to the store without broadcasting it: the event exists only in the log. */
async function silentPost(articleId: string, body: string): Promise<StoredEvent> {
  const id = `silent-${Math.random().toString(36).slice(2)}`;
  const at = new Date().toISOString();
  const r = await node.store.create({
    comment: { id, articleId, parentId: null, rootId: id, author: { id: 'u', name: 'U' }, body, status: 'visible', createdAt: at },
    clientKey: null,
    publish: true,
    rejectIfClosed: false,
    epochCandidate: 'unused',
    at,
  });
  if (r.kind !== 'created' || !r.event) throw new Error('not created');
  return r.event;
}
const send = (e: StoredEvent) => node.app.io.to(articleRoom(e.articleId)).emit('thread:event', eventView(e, false));

describe('DiscussionClient ordering', () => {
  it('applies out-of-order events in seq order and ignores duplicates', async () => {
    const writer = sdkClient(node.url, await token(node, 'w'));
    const reader = sdkClient(node.url);
    const applied: ThreadEvent[] = [];
    await reader.join('order-1', { onEvent: (e) => applied.push(e) });
    await writer.post({ articleId: 'order-1', body: 'first' });
    await eventually(() => applied.length === 1);
    const [e2, e3] = [await silentPost('order-1', 'second'), await silentPost('order-1', 'third')];
    send(e3);
    send(e2);
    send(e2);
    await eventually(() => applied.length === 3);
    await sleep(300);
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(applied.map((e) => e.comment?.body)).toEqual(['first', 'second', 'third']);
  });

  it('fills a gap that no late event fills by catching up from the log', async () => {
    const reader = sdkClient(node.url);
    const applied: ThreadEvent[] = [];
    await reader.join('order-2', { onEvent: (e) => applied.push(e) });
    const events = [];
    for (let i = 1; i <= 4; i++) events.push(await silentPost('order-2', `n${i}`));
    // Only the last one is delivered live: 1..3 were "lost" in transit.
    send(events[3]!);
    await eventually(() => applied.length === 4, 3000);
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(reader.thread('order-2')?.head).toBe(4);
  });

  it('re-joins on thread:resync and picks up what was missed', async () => {
    const reader = sdkClient(node.url);
    const applied: ThreadEvent[] = [];
    await reader.join('order-3', { onEvent: (e) => applied.push(e) });
    await silentPost('order-3', 'missed');
    node.app.io.to(articleRoom('order-3')).emit('thread:resync', { articleId: 'order-3' });
    await eventually(() => applied.length === 1, 3000);
    expect(applied[0]?.comment?.body).toBe('missed');
  });
});

describe('a lost last event', () => {
  it('is caught up from the head that presence reports, with no further event and no resync', async () => {
    const reader = sdkClient(node.url);
    const applied: ThreadEvent[] = [];
    await reader.join('order-4', { onEvent: (e) => applied.push(e) });
    await silentPost('order-4', 'dropped by Pub/Sub');
    await eventually(() => applied.length === 1, 8000);
    expect(applied[0]?.comment?.body).toBe('dropped by Pub/Sub');
  });
});

describe('ack before broadcast', () => {
  it("the author's ack arrives before the event of its own comment", async () => {
    const writer = sdkClient(node.url, await token(node, 'first-ack'));
    const arrivals: string[] = [];
    await writer.join('ack-order', { onEvent: (e) => arrivals.push(`event ${e.comment?.body}`) });
    const raw = writer.socket as unknown as {
      emit(e: string, p: object, cb: (r: { ok: boolean; comment: { body: string } }) => void): void;
    };
    for (let i = 0; i < 5; i++) {
      // A plain callback runs as the ack packet is handled, so `arrivals` is the wire order.
      await new Promise<void>((resolve) =>
        raw.emit('comment:post', { articleId: 'ack-order', body: `ordered ${i}` }, (r) => {
          arrivals.push(`ack ${r.comment.body}`);
          resolve();
        }),
      );
    }
    await eventually(() => arrivals.length === 10);
    expect(arrivals).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`ack ordered ${i}`, `event ordered ${i}`]));
  });
});
