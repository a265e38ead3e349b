/**
 * The server under attack: `node --import tsx server/main.ts` as a child process (on its own
 * Redis, or in embedded mode), with a control client and two bystanders connected.
 *
 * After each hostile input, `assertHealthy()` checks that the service shrugged it off: the process is still
 * up, the control client can post and receive its own event, and the bystanders (one on
 * WebSocket, one on HTTP long-polling) were never disconnected and receive that event too.
 */
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import { Tokens } from '../../server/auth.js';
import type { ThreadEvent } from '../../shared/schemas.js';
import { eventually, freePort } from '../support/ports.js';
import { FAULT_SECRET, NodeProcess, RedisProcess, killAll } from '../faults/processes.js';

export const CONTROL_ARTICLE = 'control';

export interface Target {
  node: NodeProcess;
  /** The target's own Redis (null in embedded mode). */
  redis: RedisProcess | null;
  port: number;
  url: string;
  tokens: Tokens;
  token(sub: string): Promise<string>;
  /** Process up, control client working, bystanders untouched. */
  assertHealthy(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTarget(opts: { env?: Record<string, string>; embedded?: boolean } = {}): Promise<Target> {
  const redis = opts.embedded ? null : await RedisProcess.start({ appendonly: false });
  const node = new NodeProcess('target', await freePort(), { ...(redis ? { REDIS_URL: redis.url } : { STORE: 'memory' }), ...opts.env });
  const clients: { close(): void }[] = [];
  const stop = async () => {
    for (const c of clients) c.close();
    await node.kill9();
    killAll();
    await redis?.stop();
  };
  try {
    await node.start();
    const tokens = new Tokens(FAULT_SECRET);
    const sdk = new DiscussionClient({
      url: node.url,
      token: await tokens.sign({ sub: 'control', name: 'Control', role: 'commenter' }),
      socketOptions: { transports: ['websocket'], reconnection: false },
    });
    clients.push(sdk);
    const seen = { sdk: new Set<string>(), websocket: new Set<string>(), polling: new Set<string>() };
    await sdk.join(CONTROL_ARTICLE, { onEvent: (e) => e.comment && seen.sdk.add(e.comment.id) });
    let disconnects = 0;
    const bystander = async (transport: 'websocket' | 'polling'): Promise<Socket> => {
      const s = io(node.url, { transports: [transport], reconnection: false });
      clients.push({ close: () => s.close() });
      await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
      s.on('disconnect', () => disconnects++);
      s.on('thread:event', (e: ThreadEvent) => e.comment && seen[transport].add(e.comment.id));
      const ack = (await s.timeout(10_000).emitWithAck('thread:join', { articleId: CONTROL_ARTICLE })) as { ok: boolean };
      if (!ack.ok) throw new Error(`bystander could not join: ${JSON.stringify(ack)}`);
      return s;
    };
    await bystander('websocket');
    await bystander('polling');
    let n = 0;
    return {
      node,
      redis,
      port: node.port,
      url: node.url,
      tokens,
      token: (sub) => tokens.sign({ sub, name: sub, role: 'commenter' }),
      async assertHealthy() {
        expect(node.running, `the server process exited: ${JSON.stringify(node.exits)}\n${node.log}`).toBe(true);
        const health = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(5000) });
        expect(health.status).toBe(200);
        const comment = await sdk.post({ articleId: CONTROL_ARTICLE, body: `control post ${++n}` });
        await eventually(() => seen.sdk.has(comment.id) && seen.websocket.has(comment.id) && seen.polling.has(comment.id), 10_000);
        expect(sdk.connected).toBe(true);
        expect(disconnects, 'a bystander was disconnected').toBe(0);
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
