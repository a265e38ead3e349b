/**
 * Redis scripts from `store/lua/<name>.lua`, called through typed wrappers that pass KEYS and
 * ARGV by name. Each file opens by naming its inputs (`local meta = KEYS[1]`, …); the wrapper's
 * names must match them in order, which is checked when the script is defined, so a script and
 * its caller cannot drift apart silently.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

const DIR = new URL('./lua/', import.meta.url);
const LIB = readFileSync(new URL('lib.lua', DIR), 'utf8');

export type ScriptArgs<N extends readonly string[]> = { [K in N[number]]: string | number };

/** Declared inputs of a script file, in order: the names bound to KEYS[i] and ARGV[i]. */
export function declaredInputs(source: string): { keys: string[]; args: string[] } {
  const read = (table: 'KEYS' | 'ARGV') => {
    const names: string[] = [];
    for (const m of source.matchAll(new RegExp(`^local (\\w+) = (?:tonumber\\()?${table}\\[(\\d+)\\]\\)?$`, 'gm'))) {
      if (Number(m[2]) !== names.length + 1) throw new Error(`${table}[${m[2]}] is declared out of order`);
      names.push(m[1]!);
    }
    return names;
  };
  return { keys: read('KEYS'), args: read('ARGV') };
}

/**
 * Defines `name` on the client and returns its caller.
 *
 * @example
 * const closeThread = defineScript<string[]>(redis, 'set-closed', ['meta', 'log'], ['closed', …]);
 * await closeThread({ meta, log }, { closed: '1', … });
 */
export function defineScript<R, K extends readonly string[] = readonly string[], A extends readonly string[] = readonly string[]>(
  redis: Redis | Cluster,
  name: string,
  keys: K,
  args: A,
): (keys: ScriptArgs<K>, args: ScriptArgs<A>) => Promise<R> {
  const source = readFileSync(new URL(`${name}.lua`, DIR), 'utf8');
  const declared = declaredInputs(source);
  if (declared.keys.join() !== keys.join() || declared.args.join() !== args.join()) {
    throw new Error(
      `store/lua/${name}.lua declares KEYS ${declared.keys.join(', ')} and ARGV ${declared.args.join(', ')}; its caller passes ${keys.join(', ')} and ${args.join(', ')}`,
    );
  }
  const command = `lt_${name.replace(/-/g, '_')}`;
  redis.defineCommand(command, { numberOfKeys: keys.length, lua: `${LIB}\n${source}` });
  const call = (redis as unknown as Record<string, (...a: string[]) => Promise<R>>)[command]!.bind(redis);
  return (k, a) => call(...keys.map((n) => String(k[n as K[number]])), ...args.map((n) => String(a[n as A[number]])));
}
