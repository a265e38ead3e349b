/**
 * MailStore (ports.ts) in the SQLite file of the SqliteStore: people's e-mail choices, who
 * follows which thread and the outbox survive a restart (a batch queued before it is sent after
 * it). Who is watching an article right now stays in memory: it lasts seconds by design.
 */
import type { MailBatch, MailPerson, MailStore } from '../core/ports.js';
import { BATCH_MAX, FOLLOWERS_MAX, MemoryMailStore, MODERATORS_MAX } from './mail-store.js';
import type { SqliteStore } from './sqlite-store.js';

/** When a recipient was last mailed: kept 48 h, as in memory and Redis (ports.ts: at least 48 hours). */
const SENT_KEEP_MS = 48 * 3600_000;

export class SqliteMailStore implements MailStore {
  /** Only for who is watching (noteWatching, isWatching). */
  private readonly watching = new MemoryMailStore();

  constructor(private readonly db: SqliteStore) {}

  async setModerator(userId: string, on: boolean): Promise<void> {
    const { db } = this;
    await db.write(() => {
      if (!on) db.st('DELETE FROM mail_moderators WHERE user_id = ?').run(userId);
      else if ((db.st('SELECT count(*) AS n FROM mail_moderators').get() as { n: number }).n < MODERATORS_MAX)
        db.st('INSERT OR IGNORE INTO mail_moderators (user_id) VALUES (?)').run(userId);
    });
  }

  async moderators(): Promise<string[]> {
    const rows = this.db.st('SELECT user_id AS id FROM mail_moderators LIMIT ?').all(MODERATORS_MAX) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async forgetPerson(userId: string): Promise<void> {
    const { db } = this;
    await db.write(() => {
      db.st('DELETE FROM mail_people WHERE user_id = ?').run(userId);
      db.st('DELETE FROM mail_sent WHERE user_id = ?').run(userId);
      db.st('DELETE FROM mail_moderators WHERE user_id = ?').run(userId);
    });
  }

  async person(userId: string): Promise<MailPerson | null> {
    const r = this.db.st('SELECT json FROM mail_people WHERE user_id = ?').get(userId) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as MailPerson) : null;
  }

  async savePerson(person: MailPerson): Promise<void> {
    await this.db.write(() =>
      this.db.st('INSERT OR REPLACE INTO mail_people (user_id, json) VALUES (?, ?)').run(person.userId, JSON.stringify(person)),
    );
  }

  async setFollower(articleId: string, rootId: string, userId: string, on: boolean): Promise<boolean> {
    const { db } = this;
    return db.write(() => {
      if (!on) {
        db.st('DELETE FROM mail_followers WHERE article_id = ? AND root_id = ? AND user_id = ?').run(articleId, rootId, userId);
        return true;
      }
      if (db.st('SELECT 1 FROM mail_followers WHERE article_id = ? AND root_id = ? AND user_id = ?').get(articleId, rootId, userId))
        return true;
      const n = (
        db.st('SELECT count(*) AS n FROM mail_followers WHERE article_id = ? AND root_id = ?').get(articleId, rootId) as { n: number }
      ).n;
      if (n >= FOLLOWERS_MAX) return false;
      db.st('INSERT INTO mail_followers (article_id, root_id, user_id) VALUES (?, ?, ?)').run(articleId, rootId, userId);
      return true;
    });
  }

  async followers(articleId: string, rootId: string, limit: number): Promise<string[]> {
    const rows = this.db
      .st('SELECT user_id AS id FROM mail_followers WHERE article_id = ? AND root_id = ? ORDER BY rowid LIMIT ?')
      .all(articleId, rootId, limit) as { id: string }[];
    return rows.map((r) => r.id);
  }

  noteWatching(pairs: { userId: string; articleId: string }[], ttlMs: number): Promise<void> {
    return this.watching.noteWatching(pairs, ttlMs);
  }

  isWatching(userId: string, articleId: string): Promise<boolean> {
    return this.watching.isWatching(userId, articleId);
  }

  async queueMail(
    batch: { key: string; id: string; userId: string; articleId: string; rootId: string; sendAt: number },
    commentId: string,
  ): Promise<'created' | 'added'> {
    const { db } = this;
    return db.write(() => {
      const r = db.st('SELECT json FROM mail_batches WHERE key = ?').get(batch.key) as { json: string } | undefined;
      if (r) {
        const b = JSON.parse(r.json) as MailBatch;
        if (!b.commentIds.includes(commentId) && b.commentIds.length < BATCH_MAX) {
          b.commentIds.push(commentId);
          db.st('UPDATE mail_batches SET json = ? WHERE key = ?').run(JSON.stringify(b), batch.key);
        }
        return 'added' as const;
      }
      db.st('INSERT INTO mail_batches (key, send_at, json) VALUES (?, ?, ?)').run(
        batch.key,
        batch.sendAt,
        JSON.stringify({ ...batch, commentIds: [commentId] }),
      );
      return 'created' as const;
    });
  }

  async dueMail(now: number, limit: number): Promise<MailBatch[]> {
    const rows = this.db.st('SELECT json, send_at FROM mail_batches WHERE send_at <= ? ORDER BY send_at LIMIT ?').all(now, limit) as {
      json: string;
      send_at: number;
    }[];
    return rows.map((r) => ({ ...(JSON.parse(r.json) as MailBatch), sendAt: r.send_at }));
  }

  async reschedule(key: string, sendAt: number): Promise<void> {
    await this.db.write(() => this.db.st('UPDATE mail_batches SET send_at = ? WHERE key = ?').run(sendAt, key));
  }

  async finishMail(key: string): Promise<void> {
    await this.db.write(() => this.db.st('DELETE FROM mail_batches WHERE key = ?').run(key));
  }

  async lastMailed(userId: string, threadKey: string): Promise<number | null> {
    const r = this.db.st('SELECT at FROM mail_sent WHERE user_id = ? AND thread_key = ?').get(userId, threadKey) as
      { at: number } | undefined;
    return r && r.at > Date.now() - SENT_KEEP_MS ? r.at : null;
  }

  async setLastMailed(userId: string, threadKey: string, at: number): Promise<void> {
    await this.db.write(() => {
      this.db.st('INSERT OR REPLACE INTO mail_sent (user_id, thread_key, at) VALUES (?, ?, ?)').run(userId, threadKey, at);
      this.db.st('DELETE FROM mail_sent WHERE at <= ?').run(Date.now() - SENT_KEEP_MS);
    });
  }
}
