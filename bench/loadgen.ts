/**
 * Load generator child: holds many lean readers joined to one article and records, per step,
 * how many marked events arrived, when, and how late against their scheduled send time.
 * Started by bench/run.ts; commands arrive over IPC.
 */
import { childConfig, serve } from './lib/child.js';
import { Histogram } from './lib/histogram.js';
import { now, readMarker, type Marker } from './lib/marker.js';
import { LeanReader, type ReaderSpec } from './lib/reader.js';

childConfig<{ name: string }>();

interface StepStats {
  received: number;
  inWindow: number;
  windowStart: number;
  windowEnd: number;
  hist: Histogram;
}

let readers: LeanReader[] = [];
const steps = new Map<number, StepStats>();
const marker: Marker = { step: 0, index: 0, scheduledMs: 0 };

function onFrame(head: Buffer, len: number): void {
  if (!readMarker(head, len, marker)) return;
  const s = steps.get(marker.step);
  if (!s) return;
  const t = now();
  s.received++;
  if (t >= s.windowStart && t <= s.windowEnd) s.inWindow++;
  s.hist.add(t - marker.scheduledMs);
}

async function connect(msg: Record<string, unknown>) {
  const spec = msg.spec as Omit<ReaderSpec, 'url'>;
  const urls = msg.urls as string[];
  const count = msg.count as number;
  const concurrency = (msg.concurrency as number | undefined) ?? 100;
  const started = now();
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const r = new LeanReader({ ...spec, url: urls[i % urls.length]! }, onFrame, now);
      try {
        await r.joined;
        readers.push(r);
      } catch (e) {
        failed++;
        firstError ??= (e as Error).message;
        r.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { connected: readers.length, failed, firstError, ms: now() - started };
}

function begin(msg: Record<string, unknown>) {
  steps.set(msg.step as number, {
    received: 0,
    inWindow: 0,
    windowStart: msg.windowStart as number,
    windowEnd: msg.windowEnd as number,
    hist: new Histogram(),
  });
  return {};
}

/** Waits until every expected event arrived or the deadline passed; missing ones rank as infinite. */
async function collect(msg: Record<string, unknown>) {
  const step = msg.step as number;
  const posts = msg.posts as number;
  const deadline = msg.deadline as number;
  const s = steps.get(step);
  if (!s) throw new Error(`step ${step} was not begun`);
  const live = () => readers.filter((r) => !r.dropped).length;
  while (s.received < posts * live() && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  steps.delete(step);
  const expected = posts * readers.length;
  s.hist.missing = Math.max(0, expected - s.received);
  return { received: s.received, inWindow: s.inWindow, expected, dropped: readers.length - live(), hist: s.hist.toJSON() };
}

function close() {
  for (const r of readers) r.close();
  const n = readers.length;
  readers = [];
  return { closed: n };
}

serve(
  {
    connect,
    begin,
    collect,
    close,
    stop: () => {
      close();
      setTimeout(() => process.exit(0), 50);
      return {};
    },
  },
  {},
);
