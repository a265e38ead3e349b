/**
 * Configuration from the environment (PROTOCOL.md §4), parsed with zod.
 * A bad value stops the process with exit code 1 and a message naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** `N/S`: N events in any S seconds; `off`: no limit. */
export const RateSpec = z.union([
  z.literal('off').transform(() => null),
  z
    .string()
    .regex(/^\d+\/\d+$/, { message: 'expected N/S (for example 1/3) or off' })
    .transform((v) => {
      const [points, seconds] = v.split('/').map(Number) as [number, number];
      return { points, seconds };
    })
    .refine((r) => r.points > 0 && r.seconds > 0, { message: 'N and S must be at least 1' }),
]);
export type RateSpec = z.output<typeof RateSpec>;

const origin = z.url({ message: 'expected an origin such as https://example.com' }).transform((u) => new URL(u).origin);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'expected redis://host:port or rediss://…' })
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, { message: 'expected host:port,host:port' })
    .transform((v) => v.split(',').map((hp) => ({ host: hp.split(':')[0]!, port: Number(hp.split(':')[1]) })))
    .optional(),
  AUTH_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  ALLOWED_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(origin))
    .default([]),
  ALLOW_GUESTS: bool.default(true),
  PREMODERATION: z.enum(['off', 'guests', 'all']).default('off'),
  COMMENT_MAX_LENGTH: z.coerce.number().int().min(1).max(10000).default(5000),
  EDIT_WINDOW_SECONDS: z.coerce.number().int().min(0).default(900),
  POST_RATE: RateSpec.prefault('1/3'),
  GUEST_RATE: RateSpec.prefault('10/60'),
  CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(100),
  TRUST_PROXY: bool.default(false),
  /** Serve the bundles' source maps (/assets/*.map): they show the client's source to anyone. */
  SERVE_SOURCE_MAPS: bool.default(false),
  HELD_WORDS_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENT_LOG_SIZE: z.coerce.number().int().min(1000).default(1000),
});

export type Config = Omit<z.output<typeof EnvSchema>, 'AUTH_SECRET'> & {
  AUTH_SECRET: string;
  /** True when AUTH_SECRET was generated for this process (embedded mode only). */
  authSecretGenerated: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError with one line per bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = EnvSchema.safeParse(cleaned);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = r.data;
  const distributed = c.REDIS_URL !== undefined || c.REDIS_CLUSTER_NODES !== undefined;
  if (distributed && !c.AUTH_SECRET) {
    throw new ConfigError('invalid configuration:\n  AUTH_SECRET: required with REDIS_URL or REDIS_CLUSTER_NODES (every node must share it)');
  }
  return {
    ...c,
    AUTH_SECRET: c.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
    authSecretGenerated: !c.AUTH_SECRET,
  };
}
