/**
 * The timers one widget starts, kept in one place so that destroy() can stop every one of them;
 * once stopped, it starts no more (answers that arrive after destroy() find it stopped).
 */
export class Timers {
  private readonly timeouts = new Set<ReturnType<typeof setTimeout>>();
  private readonly intervals = new Set<ReturnType<typeof setInterval>>();
  private stopped = false;

  after(ms: number, fn: () => void): ReturnType<typeof setTimeout> | null {
    if (this.stopped) return null;
    const t = setTimeout(() => {
      this.timeouts.delete(t);
      fn();
    }, ms);
    this.timeouts.add(t);
    return t;
  }

  every(ms: number, fn: () => void): void {
    if (this.stopped) return;
    this.intervals.add(setInterval(fn, ms));
  }

  cancel(t: ReturnType<typeof setTimeout> | null): void {
    if (t === null || !this.timeouts.delete(t)) return;
    clearTimeout(t);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timeouts) clearTimeout(t);
    for (const t of this.intervals) clearInterval(t);
    this.timeouts.clear();
    this.intervals.clear();
  }
}
