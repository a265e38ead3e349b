/**
 * Abuse controls: held words, connections per address, guest sessions per address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import type { ModEventPayload } from '../../shared/events.js';
import type { Snapshot } from '../../shared/schemas.js';
import { eventually, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { closeClients, connected, rawSocket, startNode, token } from '../support/nodes.js';
import { ok } from '../support/acks.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
});
afterEach(() => closeClients());
afterAll(() => redis.stop());

describe('abuse controls', () => {
  it('holds a comment containing a word from the list, whole words only, case-insensitively', async () => {
    const node = await startNode({ redisUrl: redis.url, heldWords: ['viagra', 'buy now'] });
    try {
      const mod = rawSocket(node.url, await token(node, 'mo', 'moderator'));
      const feed: ModEventPayload[] = [];
      mod.on('mod:event', (e) => feed.push(e));
      ok(await mod.emitWithAck('mod:watch', {}));
      const s = rawSocket(node.url, await token(node, 'spammer'));
      const held = ok(await s.emitWithAck('comment:post', { articleId: 'words', body: 'Cheap VIAGRA here, Buy   now!' })).comment;
      expect(held.status).toBe('pending');
      const fine = ok(await s.emitWithAck('comment:post', { articleId: 'words', body: 'I like buying nowadays' })).comment;
      expect(fine.status).toBe('visible');
      await eventually(() => feed.some((e) => e.type === 'comment.held' && e.comment?.id === held.id));
      const snap = ok(await rawSocket(node.url).emitWithAck('thread:join', { articleId: 'words' })) as Snapshot;
      expect(snap.comments.map((c) => c.id)).toEqual([fine.id]);
      // The author still sees their own held comment.
      const own = ok(await s.emitWithAck('thread:join', { articleId: 'words' })) as Snapshot;
      expect(own.comments.map((c) => [c.id, c.status])).toEqual([
        [fine.id, 'visible'],
        [held.id, 'pending'],
      ]);
    } finally {
      await node.stop();
    }
  });

  it('refuses sockets beyond CONNECTIONS_PER_IP from one address and admits again when one closes', async () => {
    const node = await startNode({ env: { CONNECTIONS_PER_IP: '3' } });
    try {
      const sockets = [0, 1, 2].map(() => rawSocket(node.url));
      await Promise.all(sockets.map(connected));
      const extra = ioClient(node.url, { transports: ['websocket'], reconnection: false });
      const error = await new Promise<Error>((resolve) => extra.once('connect_error', resolve));
      expect(error.message).toBe('rate_limited');
      extra.close();
      sockets[0]!.disconnect();
      await sleep(100);
      const again = rawSocket(node.url);
      await connected(again);
      expect(sockets[1]!.connected && sockets[2]!.connected).toBe(true);
    } finally {
      await node.stop();
    }
  });

  it('limits guest sessions per address, using X-Forwarded-For only behind a trusted proxy', async () => {
    const trusting = await startNode({ env: { GUEST_RATE: '2/60', TRUST_PROXY: 'true' } });
    const plain = await startNode({ env: { GUEST_RATE: '2/60' } });
    try {
      const guest = (url: string, ip: string) =>
        fetch(`${url}/api/session/guest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: '{"name":"G"}',
        });
      expect((await guest(trusting.url, '203.0.113.1')).status).toBe(201);
      expect((await guest(trusting.url, '203.0.113.1')).status).toBe(201);
      const limited = await guest(trusting.url, '203.0.113.1');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
      expect((await guest(trusting.url, '203.0.113.2')).status).toBe(201);
      // Without TRUST_PROXY a forged header changes nothing: both count against 127.0.0.1.
      expect((await guest(plain.url, '198.51.100.1')).status).toBe(201);
      expect((await guest(plain.url, '198.51.100.2')).status).toBe(201);
      expect((await guest(plain.url, '198.51.100.3')).status).toBe(429);
    } finally {
      await Promise.all([trusting.stop(), plain.stop()]);
    }
  });
});
