/**
 * WebhookStore (ports.ts) in the SQLite file of the SqliteStore, so that an endpoint's cursors and
 * state survive a restart: events committed while the process was down are delivered after it,
 * none twice. Leases stay in memory: one process per DATA_DIR is the only holder there is.
 */
import type { WebhookCursor, WebhookDelivery, WebhookEndpointState, WebhookStore } from '../core/ports.js';
import type { SqliteStore } from './sqlite-store.js';
import { DELIVERIES_KEEP, FEED_KEEP, MemoryWebhookStore } from './webhook-store.js';

export class SqliteWebhookStore implements WebhookStore {
  /** Leases only: one process owns the file, so they live as long as it does (in memory). */
  private readonly leases = new MemoryWebhookStore();

  private readonly feedKeep: number;

  /** `feedKeep`: articles kept in the change feed (FEED_KEEP; smaller only in tests). */
  constructor(
    private readonly db: SqliteStore,
    opts: { feedKeep?: number } = {},
  ) {
    this.feedKeep = opts.feedKeep ?? FEED_KEEP;
  }

  async markChanged(articleId: string): Promise<number> {
    const { db } = this;
    return db.write(() => {
      const mark = (db.st('UPDATE webhook_marks SET last = last + 1 WHERE id = 1 RETURNING last').get() as { last: number }).last;
      const known = db.st('SELECT 1 FROM webhook_feed WHERE article_id = ?').get(articleId) !== undefined;
      db.st('INSERT INTO webhook_feed (article_id, mark) VALUES (?, ?) ON CONFLICT DO UPDATE SET mark = excluded.mark').run(
        articleId,
        mark,
      );
      if (known) return mark;
      // A new article: past the bound, the one with the oldest mark goes (the newest articles stay).
      const size = (
        db.st('UPDATE webhook_marks SET feed_size = feed_size + 1 WHERE id = 1 RETURNING feed_size').get() as { feed_size: number }
      ).feed_size;
      if (size > this.feedKeep) {
        db.st('DELETE FROM webhook_feed WHERE mark = (SELECT min(mark) FROM webhook_feed)').run();
        db.st('UPDATE webhook_marks SET feed_size = feed_size - 1 WHERE id = 1').run();
      }
      return mark;
    });
  }

  async changedSince(after: number, limit: number): Promise<{ head: number; articles: { articleId: string; mark: number }[] }> {
    const articles = this.db
      .st('SELECT article_id AS articleId, mark FROM webhook_feed WHERE mark > ? ORDER BY mark LIMIT ?')
      .all(after, limit) as { articleId: string; mark: number }[];
    const head = (this.db.st('SELECT last FROM webhook_marks WHERE id = 1').get() as { last: number }).last;
    return { head, articles };
  }

  async cursor(endpoint: string, articleId: string): Promise<WebhookCursor | null> {
    const r = this.db.st('SELECT epoch, seq FROM webhook_cursors WHERE endpoint = ? AND article_id = ?').get(endpoint, articleId) as
      WebhookCursor | undefined;
    return r ? { epoch: r.epoch, seq: r.seq } : null;
  }

  async setCursor(endpoint: string, articleId: string, cursor: WebhookCursor): Promise<void> {
    await this.db.write(() =>
      this.db
        .st('INSERT OR REPLACE INTO webhook_cursors (endpoint, article_id, epoch, seq) VALUES (?, ?, ?, ?)')
        .run(endpoint, articleId, cursor.epoch, cursor.seq),
    );
  }

  async endpointState(endpoint: string): Promise<WebhookEndpointState | null> {
    const r = this.db.st('SELECT json FROM webhook_states WHERE endpoint = ?').get(endpoint) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as WebhookEndpointState) : null;
  }

  async setEndpointState(endpoint: string, state: WebhookEndpointState): Promise<void> {
    await this.db.write(() =>
      this.db.st('INSERT OR REPLACE INTO webhook_states (endpoint, json) VALUES (?, ?)').run(endpoint, JSON.stringify(state)),
    );
  }

  claimLease(endpoint: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.leases.claimLease(endpoint, holder, ttlMs);
  }

  releaseLease(endpoint: string, holder: string): Promise<void> {
    return this.leases.releaseLease(endpoint, holder);
  }

  async appendDelivery(entry: WebhookDelivery): Promise<void> {
    await this.db.write(() => {
      const id = Number(this.db.st('INSERT INTO webhook_deliveries (json) VALUES (?)').run(JSON.stringify(entry)).lastInsertRowid);
      this.db.st('DELETE FROM webhook_deliveries WHERE id <= ?').run(id - DELIVERIES_KEEP);
    });
  }

  async deliveries(limit: number): Promise<WebhookDelivery[]> {
    const rows = this.db.st('SELECT json FROM webhook_deliveries ORDER BY id DESC LIMIT ?').all(Math.min(limit, DELIVERIES_KEEP)) as {
      json: string;
    }[];
    return rows.map((r) => JSON.parse(r.json) as WebhookDelivery);
  }
}
