/**
 * A log-bucketed latency histogram (1% resolution from 1 µs to ~100 s): constant memory however
 * many samples, and mergeable across processes by adding counts.
 */
const MIN_MS = 0.001;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / LOG_GROWTH) + 2;

/** Sparse form for IPC: [bucket, count, bucket, count, …] plus samples that never arrived. */
export interface HistogramData {
  pairs: number[];
  missing: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  /** Samples that never completed (lost or past the deadline): they rank above every value. */
  missing = 0;
  max = 0;

  add(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram | HistogramData): this {
    if (other instanceof Histogram) {
      for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
      this.count += other.count;
      this.missing += other.missing;
      this.max = Math.max(this.max, other.max);
      return this;
    }
    for (let k = 0; k < other.pairs.length; k += 2) {
      const i = other.pairs[k]!;
      const n = other.pairs[k + 1]!;
      this.counts[i]! += n;
      this.count += n;
      this.max = Math.max(this.max, bucketValue(i));
    }
    this.missing += other.missing;
    return this;
  }

  /** The q-quantile (0..1) in ms; Infinity when it falls among the missing samples. */
  quantile(q: number): number {
    const total = this.count + this.missing;
    if (total === 0) return NaN;
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return Infinity;
  }

  toJSON(): HistogramData {
    const pairs: number[] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) pairs.push(i, this.counts[i]!);
    return { pairs, missing: this.missing };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().merge(data);
  }
}

/** Upper edge of a bucket: a quantile is never reported lower than it was. */
function bucketValue(i: number): number {
  return i === 0 ? MIN_MS : MIN_MS * GROWTH ** i;
}
