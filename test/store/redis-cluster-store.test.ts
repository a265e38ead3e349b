import { beforeAll } from 'vitest';
import type { Cluster } from 'ioredis';
import { RedisStore } from '../../server/store/redis-store.js';
import { startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { describeStore } from './contract.js';

let cluster: RedisCluster;
let client: Cluster;
let prefix = 0;
beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
}, 60_000);

describeStore('redis cluster', {
  create: async ({ logSize }) => new RedisStore(client, { logSize, prefix: `t${++prefix}` }),
  teardown: () => cluster.stop(),
});
