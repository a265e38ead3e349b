import { beforeAll } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisStore } from '../../server/store/redis-store.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { describeStore } from './contract.js';

let server: RedisServer;
let client: Redis;
let prefix = 0;
beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  client = server.client();
});

describeStore('redis', {
  create: async ({ logSize }) => new RedisStore(client, { logSize, prefix: `t${++prefix}` }),
  teardown: () => server.stop(),
});
