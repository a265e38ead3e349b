/**
 * npm run moderator-link -- --sub mia --name Mia [--ttl 8h]
 * Prints a console URL that signs the moderator in once: the token travels in the URL fragment
 * (`#token=…`), which browsers never send in a request line, so it reaches no server log; the
 * console stores it and removes it from the address bar at once.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Tokens } from '../auth.js';
import { TokenClaims } from '../../shared/schemas.js';
import { cliSecret } from './secret.js';

const usage = 'usage: npm run moderator-link -- --sub ID --name NAME [--ttl 8h] [--url https://comments.example.com]';
try {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, name: { type: 'string' }, ttl: { type: 'string', default: '8h' }, url: { type: 'string' } },
    strict: true,
  });
  const claims = TokenClaims.parse({ sub: values.sub, name: values.name, role: 'moderator' });
  if (!/^\d+\s*(s|m|h|d|w)$/.test(values.ttl)) throw new Error('--ttl looks like 30m, 8h or 7d');
  const base = values.url ?? process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
  const url = new URL('/moderate', base);
  url.hash = new URLSearchParams({ token: await new Tokens(cliSecret()).sign(claims, values.ttl) }).toString();
  process.stdout.write(`${url.href}\n`);
} catch (e) {
  const message = e instanceof z.ZodError ? e.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n') : (e as Error).message;
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(1);
}
