/**
 * One pass at a time on this node (webhook deliveries, e-mail sending): wakes in the same turn of
 * the event loop make one pass, and a wake during a pass makes exactly one more after it.
 */
export class PassRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private woken = false;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    /** False once the owner is closed (or has nothing to do): no pass starts, not even a pending one. */
    private readonly active: () => boolean,
  ) {}

  wake(): void {
    if (!this.active()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.woken) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      if (!this.active()) return;
      this.running = this.pass()
        .catch(this.onError)
        .finally(() => {
          this.running = null;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        });
    });
  }

  /** Resolves once the pass under way, if any, has ended. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }
}
