/**
 * Reader and typing counts summed across nodes (thread:presence).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresencePayload } from '../../shared/events.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, sdkClient, startNode, token, type TestNode } from '../support/nodes.js';

let redis: RedisServer;
let a: TestNode;
let b: TestNode;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  [a, b] = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
});
afterAll(async () => {
  closeClients();
  await Promise.all([a.stop(), b.stop()]);
  await redis.stop();
});

describe('presence', () => {
  it('counts readers on every node, and who is typing', async () => {
    const seen: PresencePayload[] = [];
    const watcher = sdkClient(a.url);
    await watcher.join('pres-1', { onPresence: (p) => seen.push(p) });
    await sdkClient(a.url).join('pres-1');
    await sdkClient(b.url).join('pres-1');
    await sdkClient(b.url).join('other-article');
    await eventually(() => seen.at(-1)?.readers === 3, 8000);
    const typist = sdkClient(b.url, await token(b, 'tara'));
    await typist.join('pres-1');
    typist.typing('pres-1');
    await eventually(() => seen.at(-1)?.typing === 1 && seen.at(-1)?.readers === 4, 8000);
    expect(seen.every((p) => p.articleId === 'pres-1')).toBe(true);
    typist.close();
    await eventually(() => seen.at(-1)?.readers === 3, 10_000);
  }, 30_000);

  it('a typist is sent the count without its own typing, on its node; everyone else with it', async () => {
    const onA: PresencePayload[] = [];
    const own: PresencePayload[] = [];
    await sdkClient(a.url).join('pres-2', { onPresence: (p) => onA.push(p) });
    const typist = sdkClient(b.url, await token(b, 'tom'));
    await typist.join('pres-2', { onPresence: (p) => own.push(p) });
    typist.typing('pres-2');
    await eventually(() => onA.at(-1)?.typing === 1, 8000);
    await eventually(() => own.at(-1)?.readers === 2, 8000);
    // A presence round of the typist's node later, still nothing about itself.
    await sleep(2500);
    expect(own.map((p) => p.typing)).not.toContain(1);
    // A second typist: the first now hears of one.
    const other = sdkClient(a.url, await token(a, 'una'));
    await other.join('pres-2');
    typist.typing('pres-2'); // still typing (a signal lasts 5 s)
    other.typing('pres-2');
    await eventually(() => onA.at(-1)?.typing === 2, 8000);
    await eventually(() => own.at(-1)?.typing === 1, 8000);
  }, 30_000);
});
