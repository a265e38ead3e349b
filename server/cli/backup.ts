/**
 * npm run backup -- FILE
 * A consistent copy of DATA_DIR's SQLite database while the service runs (SQLite's online backup,
 * as `sqlite3 DATA_DIR/livethread.db ".backup FILE"`). It reads through its own connection, so the
 * service keeps serving and writing meanwhile.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE } from '../store/sqlite-store.js';

const usage = 'usage: npm run backup -- FILE   (reads DATA_DIR, default ./data)';
const target = process.argv[2];
const source = join(resolve(process.env.DATA_DIR || './data'), DB_FILE);
try {
  if (!target || target.startsWith('-')) throw new Error('name the file to write the copy to');
  if (!existsSync(source)) throw new Error(`${source} does not exist: is DATA_DIR right?`);
  if (existsSync(target)) throw new Error(`${target} exists already: name a new file`);
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
  process.stdout.write(`copied ${source} to ${resolve(target)}\n`);
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${usage}\n`);
  process.exit(1);
}
