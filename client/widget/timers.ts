/**
 * The timers one widget starts, kept in one place so that destroy() can stop every one of them.
 * Once stopped it starts no more: an answer that arrives after destroy() cannot restart one.
 */
export type TimerHandle = ReturnType<typeof setTimeout>;

export class Timers {
  private readonly timeouts = new Set<TimerHandle>();
  private readonly intervals = new Set<TimerHandle>();
  private stopped = false;

  /** Runs `fn` once after `ms`; null once stopped. */
  after(ms: number, fn: () => void): TimerHandle | null {
    if (this.stopped) return null;
    const t = setTimeout(() => {
      this.timeouts.delete(t);
      fn();
    }, ms);
    this.timeouts.add(t);
    return t;
  }

  /** Runs `fn` every `ms` until cancelled or stopped; null once stopped. */
  every(ms: number, fn: () => void): TimerHandle | null {
    if (this.stopped) return null;
    const t = setInterval(fn, ms);
    this.intervals.add(t);
    return t;
  }

  cancel(t: TimerHandle | null): void {
    if (t === null) return;
    if (this.timeouts.delete(t)) clearTimeout(t);
    if (this.intervals.delete(t)) clearInterval(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timeouts) clearTimeout(t);
    for (const t of this.intervals) clearInterval(t);
    this.timeouts.clear();
    this.intervals.clear();
  }
}
