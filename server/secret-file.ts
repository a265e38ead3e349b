/**
 * AUTH_SECRET kept in DATA_DIR when none is given (SQLite mode): generated on the first start,
 * written once with mode 0600, read by every later start and by the command-line tools, so that
 * guests stay signed in across restarts and `npm run token` signs what the server accepts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SECRET_FILE = 'auth-secret';

export function secretPath(dataDir: string): string {
  return join(resolve(dataDir), SECRET_FILE);
}

/** The secret kept in `dataDir`, or null when there is none yet. */
export function readSecretFile(dataDir: string): string | null {
  let raw: string;
  try {
    raw = readFileSync(secretPath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const secret = raw.trim();
  if (secret.length < 32) throw new Error(`${secretPath(dataDir)} holds no secret of at least 32 characters`);
  return secret;
}

/** The secret kept in `dataDir`, generated and written first if there is none. */
export function loadOrCreateSecret(dataDir: string): { secret: string; created: boolean } {
  const existing = readSecretFile(dataDir);
  if (existing) return { secret: existing, created: false };
  mkdirSync(resolve(dataDir), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // `wx`: never overwrite one that another start wrote in the meantime.
    writeFileSync(secretPath(dataDir), `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { secret: readSecretFile(dataDir)!, created: false };
    throw e;
  }
  return { secret, created: true };
}
