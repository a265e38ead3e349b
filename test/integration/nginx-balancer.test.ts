/**
 * The shipped balancer config (`deploy/nginx.conf`) through a real nginx, in front of two nodes on
 * one Redis: long-polling clients (readers whose network refuses WebSocket) stay on one node thanks
 * to `ip_hash`, and get live events; WebSocket upgrades pass. The same config without `ip_hash`
 * breaks polling, which is what the test would catch if it were dropped.
 *
 * Only what points at Docker is rewritten: the upstream servers, the listen address, the resolver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientSocket } from '../../client/discussion-client.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';
import { freePort, sleep } from '../support/ports.js';
import { rawSocket, startNode, token, type TestNode } from '../support/nodes.js';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

interface Nginx {
  url: string;
  stop(): Promise<void>;
}

async function startNginx(nodes: TestNode[], opts: { ipHash: boolean }): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: install it with \`apt-get install -y nginx-light\``);
  const shipped = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lt-nginx-'));
  chmodSync(dir, 0o777);
  let conf = shipped
    .replace(/^\s*resolver .*;$/m, '')
    .replace(/^\s*server app:3000 resolve;$/m, nodes.map((n) => `    server 127.0.0.1:${n.port};`).join('\n'))
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace(/http \{/, `http {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;`);
  if (!opts.ipHash) conf = conf.replace(/^\s*ip_hash;$/m, '');
  for (const n of nodes) expect(conf).toContain(`server 127.0.0.1:${n.port};`);
  expect(conf.includes('ip_hash;')).toBe(opts.ipHash);
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) {
        throw new Error(`nginx did not start: ${existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : ''}`);
      }
      await sleep(50);
    }
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A polling-only client (no upgrade) that resolves once connected, or with the error it got. */
function pollingClient(url: string): { socket: ClientSocket; connected: Promise<true | string> } {
  const socket = ioClient(url, { transports: ['polling'], upgrade: false, reconnection: false }) as ClientSocket;
  const connected = new Promise<true | string>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('connect_error', (e) => resolve(e.message));
    socket.io.once('error', (e) => resolve(e.message));
  });
  return { socket, connected };
}

describe('deploy/nginx.conf in front of two nodes', () => {
  let redis: RedisServer;
  let nodes: TestNode[] = [];
  const stops: (() => Promise<void>)[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    nodes = await Promise.all([startNode({ redisUrl: redis.url }), startNode({ redisUrl: redis.url })]);
  }, 30_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const stop of stops) await stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
  });

  it('keeps long-polling readers on one node (ip_hash): they connect, stay up and get live events; WebSocket passes too', async () => {
    const nginx = await startNginx(nodes, { ipHash: true });
    stops.push(nginx.stop);
    const articleId = 'nginx-sticky';
    const readers = Array.from({ length: 6 }, () => pollingClient(nginx.url));
    sockets.push(...readers.map((r) => r.socket));
    expect(await Promise.all(readers.map((r) => r.connected))).toEqual(readers.map(() => true));
    const received: string[][] = readers.map(() => []);
    readers.forEach((r, i) => r.socket.on('thread:event', (e) => received[i]!.push(e.comment?.body ?? '')));
    for (const r of readers) {
      const joined = await r.socket.emitWithAck('thread:join', { articleId });
      expect(joined.ok).toBe(true);
    }
    // Over WebSocket, through the same nginx.
    const ws = ioClient(nginx.url, { transports: ['websocket'], reconnection: false }) as ClientSocket;
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('connect', () => resolve());
      ws.once('connect_error', reject);
    });
    expect(ws.io.engine.transport.name).toBe('websocket');

    // Posted on each node directly: every polling reader hears both, whichever node it is on.
    for (const [i, n] of nodes.entries()) {
      const r = await rawSocket(n.url, await token(n, `poster-${i}`)).emitWithAck('comment:post', { articleId, body: `from node ${i}` });
      expect(r.ok).toBe(true);
    }
    const deadline = Date.now() + 5000;
    while (received.some((r) => r.length < 2) && Date.now() < deadline) await sleep(50);
    for (const r of received) expect(r).toEqual(['from node 0', 'from node 1']);
    // Still connected after several polls each.
    expect(readers.every((r) => r.socket.connected)).toBe(true);
  }, 30_000);

  it('without ip_hash, long-polling readers break (Session ID unknown): the sticky sessions are what makes them work', async () => {
    const nginx = await startNginx(nodes, { ipHash: false });
    stops.push(nginx.stop);
    const readers = Array.from({ length: 6 }, () => pollingClient(nginx.url));
    sockets.push(...readers.map((r) => r.socket));
    await Promise.all(readers.map((r) => r.connected));
    // Round robin sends a session's next requests to the other node, which does not know it.
    const deadline = Date.now() + 5000;
    while (readers.some((r) => r.socket.connected) && Date.now() < deadline) {
      for (const r of readers) if (r.socket.connected) r.socket.emit('thread:join', { articleId: 'nginx-round-robin' }, () => undefined);
      await sleep(100);
    }
    expect(readers.filter((r) => r.socket.connected)).toHaveLength(0);
  }, 30_000);
});
