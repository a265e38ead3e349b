import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { MemoryMailStore, RedisMailStore } from '../../server/store/mail-store.js';
import { MemoryWebhookStore, RedisWebhookStore } from '../../server/store/webhook-store.js';
import { SqliteMailStore } from '../../server/store/sqlite-mail-store.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SqliteWebhookStore } from '../../server/store/sqlite-webhook-store.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { notifyContract } from './contract/notify.js';

let server: RedisServer;
let client: Redis;
let prefix = 0;
beforeAll(async () => {
  server = await startRedis({ appendonly: false });
  client = server.client();
});
const dirs: string[] = [];
const files: SqliteStore[] = [];
afterAll(async () => {
  await server.stop();
  for (const f of files) await f.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

notifyContract('memory', { create: async () => ({ hooks: new MemoryWebhookStore(), mail: new MemoryMailStore() }) });
notifyContract('redis', {
  create: async () => {
    const p = `n${++prefix}`;
    return { hooks: new RedisWebhookStore(client, p), mail: new RedisMailStore(client, p) };
  },
});
notifyContract('sqlite', {
  create: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-notify-'));
    dirs.push(dir);
    const file = new SqliteStore({ dir, durable: false });
    files.push(file);
    return { hooks: new SqliteWebhookStore(file), mail: new SqliteMailStore(file) };
  },
});
