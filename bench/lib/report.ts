/**
 * Plain-text tables and number formatting for the benchmark's report.
 */

export function table(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const a = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const line = (r: string[]) =>
    r
      .map((c, i) => (a[i] === 'l' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');

export function ms(n: number): string {
  if (n === Infinity) return 'lost';
  if (!Number.isFinite(n)) return '–';
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

export const fixed = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '–');
export const pct = (n: number): string => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : '–');

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

export interface TargetCheck {
  name: string;
  /** The measured ratio. */
  ratio: number;
  op: '>=' | '<=';
  limit: number;
  pass: boolean;
  /** The absolute figures the ratio comes from. */
  detail: string;
  /** Why the figure should be read with care (load generator bound, …). */
  caveat?: string;
}

export function check(name: string, ratio: number, op: '>=' | '<=', limit: number, detail: string, caveat?: string): TargetCheck {
  const pass = Number.isFinite(ratio) && (op === '>=' ? ratio >= limit : ratio <= limit);
  return { name, ratio, op, limit, pass, detail, ...(caveat ? { caveat } : {}) };
}

export function checkLine(c: TargetCheck): string {
  return `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${fixed(c.ratio)} (${c.op} ${c.limit})  ${c.detail}${c.caveat ? `  [${c.caveat}]` : ''}`;
}
