/**
 * Diagnostics, not part of `npm run bench`: which objects a connection costs. Heap snapshots of a
 * target before and after N idle readers, aggregated by constructor, per connection.
 * `npx tsx bench/heap-diff.ts ws sio service` (snapshots are left in the system's temp dir).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTarget, startLoadgens, protocolOf, type Target } from './lib/targets.js';
import { cleanupAll } from './lib/proc.js';

const N = 2000;
const DIR = path.join(tmpdir(), 'heap');
mkdirSync(DIR, { recursive: true });
const kinds = process.argv.slice(2);
const TARGETS: Record<string, Target> = {
  ws: { id: 'ws', label: 'bare ws', kind: 'ws' },
  sio: { id: 'sio', label: 'plain Socket.IO', kind: 'sio' },
  service: { id: 'service', label: 'livethread', kind: 'service' },
};

function summarise(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields as string[];
  const types = snap.snapshot.meta.node_types[0] as string[];
  const nodes = snap.nodes as number[];
  const strings = snap.strings as string[];
  const w = f.length;
  const iType = f.indexOf('type'),
    iName = f.indexOf('name'),
    iSize = f.indexOf('self_size');
  const m = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < nodes.length; i += w) {
    const t = types[nodes[i + iType]!]!;
    const name =
      t === 'object' || t === 'closure'
        ? `${t}:${strings[nodes[i + iName]!]}`
        : t === 'string' || t === 'concatenated string' || t === 'sliced string'
          ? 'string'
          : `${t}:${t === 'hidden' || t === 'code' || t === 'native' ? strings[nodes[i + iName]!]!.slice(0, 40) : ''}`;
    const e = m.get(name) ?? { count: 0, size: 0 };
    e.count++;
    e.size += nodes[i + iSize]!;
    m.set(name, e);
  }
  return m;
}

for (const k of kinds) {
  const target = TARGETS[k]!;
  const run = await startTarget(target);
  const [lg] = startLoadgens(1, `${k}-heap`);
  await lg!.ready;
  const s = run.servers[0]!;
  const a = path.join(DIR, `${k}-0.heapsnapshot`);
  const b = path.join(DIR, `${k}-1.heapsnapshot`);
  await s.request('heapSnapshot', { file: a });
  await lg!.request('connect', { spec: { ...protocolOf(target), articleId: 'idle-article' }, urls: run.urls, count: N, concurrency: 100 });
  await new Promise((r) => setTimeout(r, 1000));
  await s.request('heapSnapshot', { file: b });
  const m0 = summarise(a),
    m1 = summarise(b);
  const rows = [...m1].map(([name, v]) => ({
    name,
    count: (v.count - (m0.get(name)?.count ?? 0)) / N,
    size: (v.size - (m0.get(name)?.size ?? 0)) / N,
  }));
  rows.sort((x, y) => y.size - x.size);
  const total = rows.reduce((n, r) => n + r.size, 0);
  console.log(`\n== ${target.label}: ${total.toFixed(0)} B/conn`);
  for (const r of rows.slice(0, 45))
    if (Math.abs(r.size) >= 8) console.log(`${r.size.toFixed(0).padStart(6)} B ${r.count.toFixed(2).padStart(6)}×  ${r.name}`);
  await run.stop();
  await lg!.stop();
}
await cleanupAll();
process.exit(0);
