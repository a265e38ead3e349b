/**
 * The display names of moderators, so that a guest cannot sign in under one of them. A node
 * remembers the names of the moderators it has seen and shares them through the store; the list
 * it checks against is read again at most once a minute.
 */
import type { ModerationStore } from './ports.js';

const REFRESH_MS = 60_000;
const KEEP = 1000;

export class StaffNames {
  private readonly names = new Set<string>();
  private loadedAt = 0;

  constructor(
    private readonly store: Pick<ModerationStore, 'addStaffName' | 'staffNames'>,
    /** Names reserved by configuration (STAFF_NAMES). */
    private readonly fixed: readonly string[] = [],
  ) {}

  /** A moderator signed in under `name`. */
  note(name: string): void {
    if (this.names.has(name) || this.names.size >= KEEP) return;
    this.names.add(name);
    this.store.addStaffName(name).catch(() => this.names.delete(name));
  }

  /** Every staff name known: configured, seen here, and seen by the other nodes. */
  async list(): Promise<string[]> {
    const now = Date.now();
    if (now - this.loadedAt > REFRESH_MS) {
      this.loadedAt = now;
      for (const n of await this.store.staffNames()) if (this.names.size < KEEP) this.names.add(n);
    }
    return [...this.fixed, ...this.names];
  }
}
