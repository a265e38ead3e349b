import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { MemoryMailStore, RedisMailStore } from '../../server/store/mail-store.js';
import { MemoryWebhookStore, RedisWebhookStore } from '../../server/store/webhook-store.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { notifyContract } from './contract/notify.js';

let server: RedisServer;
let client: Redis;
let prefix = 0;
beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  client = server.client();
});
afterAll(() => server.stop());

notifyContract('memory', { create: async () => ({ hooks: new MemoryWebhookStore(), mail: new MemoryMailStore() }) });
notifyContract('redis', {
  create: async () => {
    const p = `n${++prefix}`;
    return { hooks: new RedisWebhookStore(client, p), mail: new RedisMailStore(client, p) };
  },
});
