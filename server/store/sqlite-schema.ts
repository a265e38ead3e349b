/**
 * The SQLite store's schema, as a list of migrations. Each runs once, in order, in one transaction
 * with the bump of `PRAGMA user_version` that records it: a process that dies half way leaves the
 * file at the version before. Append new migrations; never edit one that has shipped.
 *
 * Comments are kept as their JSON (what reads return, and what the byte bounds count) beside the
 * columns that reads order and filter by.
 */
import type { Database, Statement } from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: everything the CommentStore port keeps.
  `
  CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    -- Set by the first write that takes or may take a seq (null after a vote on an unwritten article).
    epoch TEXT,
    seq INTEGER NOT NULL DEFAULT 0,
    ord INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    visible INTEGER NOT NULL DEFAULT 0,
    scores_version INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  CREATE TABLE comments (
    article_id TEXT NOT NULL,
    id TEXT NOT NULL,
    ord INTEGER NOT NULL,
    parent_id TEXT,
    root_id TEXT NOT NULL,
    -- Net votes, for the Top order of roots.
    net INTEGER NOT NULL DEFAULT 0,
    -- Byte length of json.
    bytes INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (article_id, id)
  );
  CREATE INDEX comments_order ON comments (article_id, ord);
  CREATE INDEX comments_roots ON comments (article_id, ord) WHERE parent_id IS NULL;
  CREATE INDEX comments_top ON comments (article_id, net DESC, ord) WHERE parent_id IS NULL;
  CREATE INDEX comments_thread ON comments (article_id, root_id, ord) WHERE parent_id IS NOT NULL;

  -- The event log: references, never copies of a comment.
  CREATE TABLE events (
    article_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    comment_id TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (article_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE idempotency (
    article_id TEXT NOT NULL,
    key TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (article_id, key)
  );
  CREATE INDEX idempotency_until ON idempotency (until_ms);

  CREATE TABLE scores (
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    up INTEGER NOT NULL,
    down INTEGER NOT NULL,
    -- The article's scores version of the last change (0: imported).
    version INTEGER NOT NULL,
    PRIMARY KEY (article_id, comment_id)
  ) WITHOUT ROWID;
  CREATE INDEX scores_version ON scores (article_id, version);

  CREATE TABLE votes (
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    value INTEGER NOT NULL,
    UNIQUE (article_id, comment_id, user_id)
  );
  CREATE INDEX votes_user ON votes (user_id);

  CREATE TABLE reports (
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    json TEXT NOT NULL,
    UNIQUE (article_id, comment_id, user_id)
  );
  CREATE TABLE user_reports (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX user_reports_user ON user_reports (user_id, id);

  CREATE TABLE queue_held (
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (article_id, comment_id)
  ) WITHOUT ROWID;
  CREATE INDEX queue_held_at ON queue_held (at);
  CREATE TABLE queue_reported (
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (article_id, comment_id)
  ) WITHOUT ROWID;
  CREATE INDEX queue_reported_at ON queue_reported (at);

  CREATE TABLE user_comments (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    comment_id TEXT NOT NULL
  );
  CREATE INDEX user_comments_user ON user_comments (user_id, id);

  CREATE TABLE bans (
    user_id TEXT PRIMARY KEY,
    until TEXT,
    at TEXT NOT NULL,
    address_hash TEXT,
    json TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE banned_addresses (
    address_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE holds (user_id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE addresses (user_id TEXT PRIMARY KEY, address_hash TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX notes_user ON notes (user_id, id);
  CREATE TABLE erased (user_id TEXT PRIMARY KEY, at TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE activity (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
  CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
  -- REPLACE gives a touched article a new rowid: the newest touch is the largest.
  CREATE TABLE touched (article_id TEXT NOT NULL UNIQUE, at TEXT NOT NULL);
  CREATE INDEX touched_at ON touched (at);
  CREATE TABLE staff_names (name TEXT PRIMARY KEY) WITHOUT ROWID;
  `,
  // 2: webhooks (WebhookStore): the change feed, each endpoint's cursors and state, the deliveries.
  `
  CREATE TABLE webhook_feed (article_id TEXT PRIMARY KEY, mark INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX webhook_feed_mark ON webhook_feed (mark);
  CREATE TABLE webhook_marks (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
  INSERT INTO webhook_marks (id, last) VALUES (1, 0);
  CREATE TABLE webhook_cursors (
    endpoint TEXT NOT NULL,
    article_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (endpoint, article_id)
  ) WITHOUT ROWID;
  CREATE TABLE webhook_states (endpoint TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE webhook_deliveries (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
  `,
  // 3: reply e-mails (MailStore): who wants them, who follows which thread, the outbox.
  `
  CREATE TABLE mail_people (user_id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE mail_followers (
    article_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    UNIQUE (article_id, root_id, user_id)
  );
  CREATE TABLE mail_batches (key TEXT PRIMARY KEY, send_at INTEGER NOT NULL, json TEXT NOT NULL);
  CREATE INDEX mail_batches_due ON mail_batches (send_at);
  CREATE TABLE mail_sent (user_id TEXT NOT NULL, thread_key TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (user_id, thread_key)) WITHOUT ROWID;
  CREATE INDEX mail_sent_at ON mail_sent (at);
  `,
  // 4: the moderators who get e-mail about held and reported comments (MailStore.setModerator).
  `
  CREATE TABLE mail_moderators (user_id TEXT PRIMARY KEY) WITHOUT ROWID;
  `,
  // 5: how many articles the change feed holds, so that it keeps exactly the newest FEED_KEEP
  // articles (ports.ts), not only those marked within the last FEED_KEEP marks.
  `
  ALTER TABLE webhook_marks ADD COLUMN feed_size INTEGER NOT NULL DEFAULT 0;
  UPDATE webhook_marks SET feed_size = (SELECT count(*) FROM webhook_feed);
  `,
];

/** Brings the file's schema up to date; refuses a file written by a newer version of the service. */
export function migrate(db: Database, prepare: (sql: string) => Statement): { from: number; to: number } {
  const from = prepare('PRAGMA user_version').pluck().get() as number;
  if (from > MIGRATIONS.length) {
    throw new Error(`the database has schema version ${from}, newer than this version of livethread knows (${MIGRATIONS.length})`);
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      prepare(`PRAGMA user_version = ${v + 1}`).run();
    })();
  }
  return { from, to: MIGRATIONS.length };
}
