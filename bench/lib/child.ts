/**
 * The child side of bench/lib/proc.ts: read the config, answer requests, die with the parent.
 */

export function childConfig<T>(): T {
  const raw = process.env.BENCH_CHILD_CONFIG;
  if (!raw) throw new Error('BENCH_CHILD_CONFIG is not set: this script is started by bench/run.ts');
  return JSON.parse(raw) as T;
}

type Handler = (msg: Record<string, unknown>) => unknown;

export function serve(handlers: Record<string, Handler>, ready: object): void {
  // The parent went away (Ctrl-C, crash): nothing is left to measure for.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: unknown) => {
    const msg = m as { id: number; cmd: string } & Record<string, unknown>;
    const handler = handlers[msg.cmd];
    const reply = (r: object) => {
      if (process.connected) process.send!({ id: msg.id, ...r });
    };
    if (!handler) {
      reply({ ok: false, error: `unknown command ${msg.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(msg))
      .then(
        (result) => reply({ ok: true, result }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  process.send!({ type: 'ready', pid: process.pid, ...ready });
}

/** Collects garbage until the heap stops shrinking; needs --expose-gc. */
export async function settleMemory(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 100));
    const used = process.memoryUsage().heapUsed;
    if (i >= 2 && used >= last * 0.995) break;
    last = used;
  }
  return process.memoryUsage();
}
