/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileRow {
  name: string;
  where: string;
  selfPct: number;
}

export interface ProfileSummary {
  file: string;
  seconds: number;
  /** Share of the samples where the process was busy (not idle). */
  busyPct: number;
  functions: ProfileRow[];
  packages: { name: string; selfPct: number }[];
}

function packageOf(url: string, name: string): string {
  if (name === '(garbage collector)' || name === '(program)' || name === '(idle)') return name;
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node core';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const own = /\/(server|shared|bench|client)\//.exec(url);
  return own ? `livethread ${own[1]}/` : url;
}

function shortUrl(url: string): string {
  const m = /node_modules\/(.*)$/.exec(url) ?? /\/((?:server|shared|bench|client)\/.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

/** `fromSeconds`: ignore the samples taken before then (start-up, connecting the readers). */
export function summariseProfile(file: string, top = 20, fromSeconds = 0): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  let firstUs = p.startTime;
  if (p.samples?.length) {
    let t = p.startTime;
    const skipUntil = p.startTime + fromSeconds * 1e6;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas?.[i] ?? 0;
      if (t < skipUntil) continue;
      if (firstUs === p.startTime) firstUs = t;
      const id = p.samples[i]!;
      hits.set(id, (hits.get(id) ?? 0) + 1);
    }
  } else for (const n of p.nodes) hits.set(n.id, n.hitCount ?? 0);
  let total = 0;
  let idle = 0;
  const byFn = new Map<string, ProfileRow & { hits: number }>();
  const byPkg = new Map<string, number>();
  for (const n of p.nodes) {
    const h = hits.get(n.id) ?? 0;
    if (!h) continue;
    total += h;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += h;
      continue;
    }
    const name = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    const row = byFn.get(key) ?? { name, where, selfPct: 0, hits: 0 };
    row.hits += h;
    byFn.set(key, row);
    const pkg = packageOf(url, functionName);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + h);
  }
  const busy = total - idle || 1;
  const pct = (h: number) => Math.round((h / busy) * 1000) / 10;
  return {
    file,
    seconds: (p.endTime - firstUs) / 1e6,
    busyPct: Math.round(((total - idle) / (total || 1)) * 1000) / 10,
    functions: [...byFn.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, top)
      .map((r) => ({ name: r.name, where: r.where, selfPct: pct(r.hits) })),
    packages: [...byPkg.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, h]) => ({ name, selfPct: pct(h) })),
  };
}
