/**
 * The Redis fan-out: `@socket.io/redis-adapter` carries every emit to every node (the sharded
 * adapter on a Cluster), every PUBLISH has an error handler, and a node whose subscriber came back
 * tells its readers to catch up.
 */
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AppServer } from './handlers.js';
import { articleOfRoom } from './rooms.js';

export interface PubSub {
  pub: Redis | Cluster;
  sub: Redis | Cluster;
}

export function attachFanout(io: AppServer, pubsub: PubSub, metrics: Metrics, logger: Logger): void {
  const pub = guardPublish(pubsub.pub, (err) => {
    metrics.publishErrors.inc();
    logger.warn({ err: err.message }, 'fan-out publish failed; readers on other nodes will catch up from the log');
  });
  // On a Cluster, sharded Pub/Sub with a channel per room: a node only receives the rooms it serves.
  io.adapter(
    pub instanceof Cluster ? createShardedAdapter(pub, pubsub.sub, { subscriptionMode: 'dynamic' }) : createAdapter(pub, pubsub.sub),
  );
  watchSubscriber(pubsub.sub, io, logger);
}

/**
 * The adapter publishes without handling a rejected PUBLISH (Redis gone between a write and its
 * fan-out), and an unhandled rejection ends the process. Every publish gets a handler here; the
 * event itself is in the log, so readers catch up.
 */
function guardPublish<C extends Redis | Cluster>(client: C, onError: (err: Error) => void): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if ((prop === 'publish' || prop === 'spublish') && typeof value === 'function') {
        return (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (result instanceof Promise) result.catch(onError);
          return result;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Redis Pub/Sub is at-most-once: while the subscriber was away, events were lost for this node.
 * Once it is back and subscribed again, tell every local reader to catch up from its `head`.
 */
function watchSubscriber(sub: Redis | Cluster, io: AppServer, logger: Logger): void {
  const resync = () => {
    for (const room of io.of('/').adapter.rooms.keys()) {
      const articleId = articleOfRoom(room);
      if (articleId !== null) io.local.to(room).emit('thread:resync', { articleId });
    }
  };
  if (sub instanceof Cluster) {
    // Sharded subscribers: ioredis replaces a lost shard subscriber and subscribes its channels
    // again after refreshing the slots; resync once that has had time to happen.
    let pending: ReturnType<typeof setTimeout> | null = null;
    sub.on('-node', () => {
      logger.warn('redis shard subscriber lost; asking local readers to resync');
      pending ??= setTimeout(() => {
        pending = null;
        resync();
      }, 1500);
    });
    return;
  }
  let connectedBefore = sub.status === 'ready';
  sub.on('ready', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    logger.warn('redis subscriber reconnected; asking local readers to resync');
    // ioredis re-sends SUBSCRIBE on 'ready'; a PING answered after it means the subscriptions are live.
    void sub
      .ping()
      .catch(() => undefined)
      .then(resync);
  });
}
