/**
 * Publisher child: sends posts open-loop at a fixed rate (each stamped with its scheduled time),
 * runs the closed-loop write test, and times `thread:join`. Started by bench/run.ts.
 *
 * Targets: `ws` (bare baseline: the event JSON as a text frame, relayed verbatim), `sio` (plain
 * Socket.IO: a `post` event the server re-emits to the room), `service` (`comment:post` with an
 * ack, through the core and the store).
 */
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import { childConfig, serve } from './lib/child.js';
import { Histogram } from './lib/histogram.js';
import { baselineEvent, markedBody, now } from './lib/marker.js';
import { LeanReader } from './lib/reader.js';

export type TargetKind = 'ws' | 'sio' | 'service';

interface PublisherConfig {
  kind: TargetKind;
  url: string;
  articleId: string;
  token?: string;
}

const cfg = childConfig<PublisherConfig>();

let ws: WebSocket | null = null;
let sock: Socket | null = null;

function sioSocket(url: string, token?: string): Promise<Socket> {
  const s = io(url, { transports: ['websocket'], auth: token ? { token } : {}, reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (e) => reject(e));
  });
}

async function connect() {
  if (cfg.kind === 'ws') {
    const w = new WebSocket(`${cfg.url.replace(/^http/, 'ws')}/`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      w.once('open', () => w.send(JSON.stringify({ join: cfg.articleId, publisher: true })));
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    ws = w;
  } else {
    sock = await sioSocket(cfg.url, cfg.token);
  }
  return {};
}

/** Open loop: post i is due at startAt + i / rate whatever happened to the posts before it. */
async function run(msg: Record<string, unknown>) {
  const step = msg.step as number;
  const rate = msg.rate as number;
  const durationMs = msg.durationMs as number;
  const startAt = msg.startAt as number;
  const bodyBytes = msg.bodyBytes as number;
  const ackTimeoutMs = (msg.ackTimeoutMs as number | undefined) ?? 10_000;
  const total = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const ackHist = new Histogram();
  const sendLag = new Histogram();
  let acked = 0;
  let failed = 0;
  let firstError: string | null = null;
  let outstanding = 0;
  let i = 0;

  const send = (index: number, scheduled: number) => {
    const body = markedBody(step, index, scheduled, bodyBytes);
    sendLag.add(Math.max(0, now() - scheduled));
    if (cfg.kind === 'ws') {
      ws!.send(JSON.stringify(baselineEvent(cfg.articleId, index + 1, body)));
    } else if (cfg.kind === 'sio') {
      sock!.emit('post', baselineEvent(cfg.articleId, index + 1, body));
    } else {
      outstanding++;
      sock!
        .timeout(ackTimeoutMs)
        .emit('comment:post', { articleId: cfg.articleId, body }, (err: Error | null, ack?: { ok: boolean; error?: { code: string } }) => {
          outstanding--;
          if (!err && ack?.ok) {
            acked++;
            ackHist.add(now() - scheduled);
          } else {
            failed++;
            firstError ??= err ? err.message : JSON.stringify(ack?.error);
          }
        });
    }
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      while (i < total && startAt + i * interval <= t) {
        send(i, startAt + i * interval);
        i++;
      }
      if (i >= total) resolve();
      else setTimeout(tick, Math.max(0, startAt + i * interval - now()));
    };
    setTimeout(tick, Math.max(0, startAt - now()));
  });
  const deadline = now() + ackTimeoutMs + 500;
  while (outstanding > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 10));
  ackHist.missing = cfg.kind === 'service' ? total - acked : 0;
  return {
    sent: total,
    acked,
    failed,
    firstError,
    ackHist: ackHist.toJSON(),
    sendLagP99: sendLag.quantile(0.99),
    sendLagMax: sendLag.max,
  };
}

/**
 * Closed loop: each commenter posts, waits for the ack, posts again, to random articles. Posts
 * before `measureFrom` warm up; the orchestrator samples CPU over [measureFrom, end].
 */
async function writes(msg: Record<string, unknown>) {
  const tokens = msg.tokens as string[];
  const articles = msg.articles as string[];
  const measureFrom = msg.measureFrom as number;
  const end = msg.end as number;
  const bodyBytes = msg.bodyBytes as number;
  const sockets = await Promise.all(tokens.map((t) => sioSocket(cfg.url, t)));
  const hist = new Histogram();
  let acked = 0;
  let failed = 0;
  let firstError: string | null = null;
  let n = 0;
  await Promise.all(
    sockets.map(async (s) => {
      while (now() < end) {
        const t0 = now();
        const articleId = articles[Math.floor(Math.random() * articles.length)]!;
        const ack = (await s
          .timeout(10_000)
          .emitWithAck('comment:post', { articleId, body: markedBody(0, n++, t0, bodyBytes) })
          .catch((e: Error) => ({ ok: false, error: e.message }))) as { ok: boolean; error?: unknown };
        const t1 = now();
        if (t0 < measureFrom || t1 > end) continue;
        if (ack.ok) {
          acked++;
          hist.add(t1 - t0);
        } else {
          failed++;
          firstError ??= JSON.stringify(ack.error);
        }
      }
    }),
  );
  for (const s of sockets) s.disconnect();
  return { acked, failed, firstError, seconds: (end - measureFrom) / 1000, hist: hist.toJSON() };
}

/** `thread:join` round trips (until the whole snapshot has arrived), one after the other on one connection. */
async function joins(msg: Record<string, unknown>) {
  const articleId = msg.articleId as string;
  const n = msg.n as number;
  const hist = new Histogram();
  const reader = new LeanReader(
    { url: cfg.url, protocol: 'sio', joinEvent: 'thread:join', articleId: `${articleId}-warm` },
    () => undefined,
    now,
  );
  await reader.joined;
  let bytes = 0;
  for (let k = 0; k < n + 3; k++) {
    const t0 = now();
    const ack = await reader.emit('thread:join', { articleId });
    if (!ack.ok) throw new Error('thread:join failed');
    // The first few warm the JIT and the Lua script cache.
    if (k >= 3) hist.add(ack.at - t0);
    bytes = ack.bytes;
  }
  reader.close();
  return { hist: hist.toJSON(), bytes };
}

serve(
  {
    connect,
    run,
    writes,
    joins,
    stop: () => {
      ws?.terminate();
      sock?.disconnect();
      setTimeout(() => process.exit(0), 50);
      return {};
    },
  },
  {},
);
