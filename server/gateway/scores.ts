/**
 * Vote counts reach readers as `thread:scores`, at most once a tick (a second) per article and
 * node, however many votes there were: each node asks the store which counts changed since it
 * last pushed, for the articles its sockets read, and tells its own sockets. Every node reads the
 * store itself, so no message between nodes can be lost; a reader that was away asks with its
 * scores version when it joins again (the catch-up carries the changes).
 */
import type { Logger } from 'pino';
import type { Head, ScoreChanges } from '../core/ports.js';
import type { AppServer } from './handlers.js';
import { articleOfRoom, articleRoom } from './rooms.js';

const TICK_MS = 1000;
/** Changed counts per push, at most; more go out on the next ticks. */
const PER_PUSH = 500;

export interface ScoresSource {
  heads(articleIds: string[]): Promise<Record<string, Head>>;
  scoresSince(articleId: string, since: number, limit: number): Promise<ScoreChanges>;
}

export class ScoresPusher {
  /** articleId → the scores version this node's readers have been brought to (articles served only). */
  private readonly pushed = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;

  constructor(
    private readonly io: AppServer,
    private readonly store: ScoresSource,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A reader got the counts as of `version` (a snapshot): pushes from here on cover what came after. */
  joined(articleId: string, version: number | undefined): void {
    if (version === undefined) return;
    const known = this.pushed.get(articleId);
    if (known === undefined || version < known) this.pushed.set(articleId, version);
  }

  /** One round: for each article read here whose version moved, push what changed. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const served = new Set<string>();
      for (const room of this.io.of('/').adapter.rooms.keys()) {
        const articleId = articleOfRoom(room);
        if (articleId !== null) served.add(articleId);
      }
      for (const id of this.pushed.keys()) if (!served.has(id)) this.pushed.delete(id);
      const stale = [...this.pushed.keys()];
      if (stale.length === 0) return;
      const heads = await this.store.heads(stale);
      await Promise.all(
        stale.map(async (articleId) => {
          const since = this.pushed.get(articleId)!;
          if ((heads[articleId]?.scores ?? 0) <= since) return;
          const changes = await this.store.scoresSince(articleId, since, PER_PUSH);
          if (this.pushed.get(articleId) !== since) return; // a reader joined at an older version meanwhile: next tick
          this.pushed.set(articleId, changes.version);
          if (Object.keys(changes.scores).length === 0) return;
          this.io.local.to(articleRoom(articleId)).emit('thread:scores', { articleId, version: changes.version, scores: changes.scores });
        }),
      );
    } catch (err) {
      this.logger.debug({ err }, 'scores tick failed');
    } finally {
      this.running = false;
    }
  }
}
