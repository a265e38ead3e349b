import { readSecretFile, secretPath } from '../secret-file.js';

/**
 * The secret a command-line tool signs with: the server's AUTH_SECRET, from the environment or,
 * in SQLite mode (no REDIS_URL, REDIS_CLUSTER_NODES or STORE=memory), the one the server keeps
 * in DATA_DIR.
 */
export function cliSecret(env: NodeJS.ProcessEnv = process.env): string {
  const secret = env.AUTH_SECRET;
  if (secret) {
    if (secret.length < 32) throw new Error('AUTH_SECRET must be at least 32 characters, the same as the server');
    return secret;
  }
  const sqlite = !env.REDIS_URL && !env.REDIS_CLUSTER_NODES && (env.STORE ?? 'sqlite') === 'sqlite';
  if (sqlite) {
    const dir = env.DATA_DIR || './data';
    const kept = readSecretFile(dir);
    if (kept) return kept;
    throw new Error(`AUTH_SECRET is not set and ${secretPath(dir)} does not exist yet: start the server once, or set AUTH_SECRET`);
  }
  throw new Error('AUTH_SECRET must be set (at least 32 characters), the same as the server');
}
