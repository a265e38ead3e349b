/**
 * npm run token -- --sub alice --name Alice --role moderator [--ttl 1h]
 * Prints a token signed with AUTH_SECRET (the same one the server uses).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Tokens } from '../auth.js';
import { TokenClaims } from '../../shared/schemas.js';
import { cliSecret } from './secret.js';

const usage = 'usage: npm run token -- --sub ID --name NAME [--role commenter|moderator] [--ttl 1h]';
try {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', default: 'commenter' }, ttl: { type: 'string' } },
    strict: true,
  });
  const secret = cliSecret();
  const claims = TokenClaims.parse({ sub: values.sub, name: values.name, role: values.role });
  if (values.ttl && !/^\d+\s*(s|m|h|d|w)$/.test(values.ttl)) throw new Error('--ttl looks like 30m, 1h or 7d');
  process.stdout.write(`${await new Tokens(secret).sign(claims, values.ttl)}\n`);
} catch (e) {
  const message = e instanceof z.ZodError ? e.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n') : (e as Error).message;
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(1);
}
