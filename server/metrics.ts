/**
 * Prometheus metrics (prom-client), one registry per app so that several apps in one process
 * (tests, benchmarks) do not collide.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { broadcastWrites } from './gateway/engine-tuning.js';

export class Metrics {
  readonly registry = new Registry();
  readonly eventsIn: Counter<'event'>;
  readonly eventsOut: Counter<'type'>;
  readonly postLatency: Histogram;
  readonly storeErrors: Counter;
  readonly redisReconnects: Counter<'connection'>;
  readonly rateLimited: Counter<'bucket'>;
  readonly slowReadersDropped: Counter;
  readonly publishErrors: Counter;
  readonly subscriberErrors: Counter<'subscriber'>;
  readonly connections: Gauge<'transport'>;
  readonly connectionsOpened: Counter<'transport'>;
  readonly transportUpgrades: Counter<'from' | 'to'>;
  readonly webhookDeliveries: Counter<'result'>;
  readonly webhookRetries: Counter;
  readonly webhookEventsLost: Counter;
  readonly webhookFailing: Gauge<'endpoint'>;
  readonly mailSent: Counter;
  readonly mailFailed: Counter;
  readonly mailSuppressed: Counter<'reason'>;
  readonly mailUnsubscribed: Counter<'scope'>;

  constructor(sources: { sockets: () => number; rooms: () => number }, defaults = false) {
    const registers = [this.registry];
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'livethread_' });
    new Gauge({
      name: 'livethread_connected_sockets',
      help: 'Sockets connected to this node',
      registers,
      collect() {
        this.set(sources.sockets());
      },
    });
    new Gauge({
      name: 'livethread_joined_rooms',
      help: 'Article rooms with at least one socket on this node',
      registers,
      collect() {
        this.set(sources.rooms());
      },
    });
    this.connections = new Gauge({
      name: 'livethread_connections',
      help: 'Open connections on this node by current transport (polling: readers whose network refuses WebSocket, or not upgraded yet)',
      labelNames: ['transport'],
      registers,
    });
    // Both present from the start, so that a dashboard shows a zero rather than no series.
    this.connections.set({ transport: 'websocket' }, 0);
    this.connections.set({ transport: 'polling' }, 0);
    this.connectionsOpened = new Counter({
      name: 'livethread_connections_opened_total',
      help: 'Connections opened, by the transport they opened with',
      labelNames: ['transport'],
      registers,
    });
    this.transportUpgrades = new Counter({
      name: 'livethread_transport_upgrades_total',
      help: 'Connections that upgraded their transport (polling to websocket)',
      labelNames: ['from', 'to'],
      registers,
    });
    this.eventsIn = new Counter({
      name: 'livethread_events_in_total',
      help: 'Client events received, by event',
      labelNames: ['event'],
      registers,
    });
    this.eventsOut = new Counter({
      name: 'livethread_events_out_total',
      help: 'Broadcasts sent (once per broadcast, not per socket), by type',
      labelNames: ['type'],
      registers,
    });
    this.postLatency = new Histogram({
      name: 'livethread_post_duration_seconds',
      help: 'comment:post from payload to ack',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'livethread_store_errors_total',
      help: 'Requests that failed because the store or Redis did',
      registers,
    });
    this.redisReconnects = new Counter({
      name: 'livethread_redis_reconnects_total',
      help: 'Redis reconnections, by connection',
      labelNames: ['connection'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'livethread_rate_limited_total',
      help: 'Requests refused by a rate limit, by bucket',
      labelNames: ['bucket'],
      registers,
    });
    this.publishErrors = new Counter({
      name: 'livethread_publish_errors_total',
      help: 'Fan-out publishes Redis refused (readers elsewhere catch up)',
      registers,
    });
    // Counted on the hot path as plain numbers (engine-tuning.ts), read at scrape time.
    new Counter({
      name: 'livethread_broadcast_writes_total',
      help: 'Broadcast writes to a connection, by path: direct (the engine tuning fast path) or engine (engine.io); counted while the tuning is on',
      labelNames: ['path'],
      registers,
      collect() {
        this.reset();
        this.inc({ path: 'direct' }, broadcastWrites.direct);
        this.inc({ path: 'engine' }, broadcastWrites.engine);
      },
    });
    this.subscriberErrors = new Counter({
      name: 'livethread_subscriber_errors_total',
      help: 'Subscribers to committed events that threw, by subscriber',
      labelNames: ['subscriber'],
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'livethread_webhook_deliveries_total',
      help: 'Webhook POSTs, by result (sent: a 2xx answer; failed: anything else)',
      labelNames: ['result'],
      registers,
    });
    this.webhookRetries = new Counter({
      name: 'livethread_webhook_retries_total',
      help: 'Webhook deliveries that failed and will be retried after a backoff',
      registers,
    });
    this.webhookEventsLost = new Counter({
      name: 'livethread_webhook_events_lost_total',
      help: 'Events an endpoint fell too far behind to get (they left the bounded event or activity log)',
      registers,
    });
    this.webhookFailing = new Gauge({
      name: 'livethread_webhook_endpoint_failing',
      help: '1 while an endpoint has failed for longer than WEBHOOK_FAIL_AFTER_MS (known to the node delivering for it)',
      labelNames: ['endpoint'],
      registers,
    });
    this.mailSent = new Counter({ name: 'livethread_mail_sent_total', help: 'E-mails the SMTP server accepted', registers });
    this.mailFailed = new Counter({
      name: 'livethread_mail_failed_total',
      help: 'E-mails the SMTP server did not accept (retried a minute later)',
      registers,
    });
    this.mailSuppressed = new Counter({
      name: 'livethread_mail_suppressed_total',
      help: 'Reply e-mails not sent, by reason: watching (seen live), unsubscribed, coalesced (joined an e-mail already due), removed (nothing left visible)',
      labelNames: ['reason'],
      registers,
    });
    this.mailUnsubscribed = new Counter({
      name: 'livethread_mail_unsubscribed_total',
      help: 'One-click unsubscribes, by scope (thread, replies, all)',
      labelNames: ['scope'],
      registers,
    });
    this.slowReadersDropped = new Counter({
      name: 'livethread_slow_readers_dropped_total',
      help: 'Sockets disconnected because they stopped reading',
      registers,
    });
  }
}
