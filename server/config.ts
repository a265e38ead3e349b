/**
 * Configuration from the environment (PROTOCOL.md §4), parsed with zod.
 * A bad value stops the process with exit code 1 and a message naming the variable.
 */
import { randomBytes } from 'node:crypto';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import type { WebhookFormat } from '../shared/moderation.js';
import { secretKey } from './notify/webhook-signing.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** `N/S`: N events in any S seconds; `off`: no limit. */
export const RateSpec = z.string().transform((v, ctx): { points: number; seconds: number } | null => {
  if (v === 'off') return null;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'expected N/S (for example 1/3) or off' });
    return z.NEVER;
  }
  const points = Number(m[1]);
  const seconds = Number(m[2]);
  if (points < 1 || seconds < 1) {
    ctx.addIssue({ code: 'custom', message: 'N and S must be at least 1' });
    return z.NEVER;
  }
  return { points, seconds };
});
export type RateSpec = z.output<typeof RateSpec>;

/**
 * One entry of ALLOWED_ORIGINS: `scheme://host[:port]` exactly as a browser sends it in `Origin`,
 * custom schemes included (`capacitor://localhost`, whose URL origin would be the opaque "null").
 * `null` itself (sandboxed iframes, `file:` pages) only when written out.
 */
export function parseOrigin(entry: string): string | null {
  if (entry === 'null') return 'null';
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\s@]+)\/?$/i.exec(entry);
  if (!m) return null;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return null;
  }
  if (!url.host) return null;
  const scheme = m[1]!.toLowerCase();
  return ['http', 'https', 'ws', 'wss'].includes(scheme) ? url.origin : `${scheme}://${url.host}`;
}

const origins = z.string().transform((v, ctx) => {
  const out: string[] = [];
  for (const entry of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const o = parseOrigin(entry);
    if (o === null) {
      ctx.addIssue({
        code: 'custom',
        message: `"${entry}" is not an origin: expected scheme://host[:port], such as https://news.example or http://localhost:4250`,
      });
    } else out.push(o);
  }
  return out;
});

/**
 * Which proxies to believe about the client's address: `false` (none: the peer is the client), a
 * hop count (`true` is 1: the balancer in front; the address it appended to X-Forwarded-For is
 * the client's), or a list of proxy addresses and subnets (`10.0.0.0/8,loopback`). Never the
 * leftmost X-Forwarded-For entry, which the client writes itself.
 */
export const TrustProxy = z.string().transform((v, ctx): TrustProxySetting => {
  const s = v.trim().toLowerCase();
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  if (['true', 'yes', 'on'].includes(s)) return 1;
  if (/^\d+$/.test(s)) return Number(s);
  const list = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  try {
    proxyaddr.compile(list);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `expected false, true, a hop count or proxy addresses (${(e as Error).message})` });
  }
  return list;
});
export type TrustProxySetting = false | number | string[];

export interface WebhookEndpointConfig {
  url: string;
  format: WebhookFormat;
}

/** `https://…`, `slack:https://…` or `discord:https://…`; null when it is none of them. */
export function parseWebhookEntry(entry: string): WebhookEndpointConfig | null {
  const m = /^(?:(slack|discord):)?(https?:\/\/.+)$/i.exec(entry);
  if (!m) return null;
  try {
    const url = new URL(m[2]!);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username || url.password) return null;
    return { url: url.href, format: (m[1]?.toLowerCase() as WebhookFormat | undefined) ?? 'standard' };
  } catch {
    return null;
  }
}

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
  /**
   * Where comments are kept: `sqlite` (the default without Redis: a file in DATA_DIR), `memory`
   * (nothing survives a restart: demos and tests), `redis` (REDIS_URL or REDIS_CLUSTER_NODES).
   */
  STORE: z.enum(['sqlite', 'memory', 'redis'], { message: 'expected sqlite, memory or redis' }).optional(),
  /** SQLite mode: the directory of the database file and the kept AUTH_SECRET (created if missing). */
  DATA_DIR: z.string().min(1).default('./data'),
  AUTH_SECRET: z.string().min(32, { message: 'must be at least 32 characters' }).optional(),
  ALLOWED_ORIGINS: origins.default([]),
  ALLOW_GUESTS: bool.default(true),
  PREMODERATION: z.enum(['off', 'guests', 'all']).default('off'),
  COMMENT_MAX_LENGTH: z.coerce.number().int().min(1).max(10000).default(5000),
  /** The largest file `npm run import` may hand to the running service, in bytes (default 2 GiB). */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 * 1024 ** 3),
  EDIT_WINDOW_SECONDS: z.coerce.number().int().min(0).default(900),
  POST_RATE: RateSpec.prefault('1/3'),
  EDIT_RATE: RateSpec.prefault('10/60'),
  VOTE_RATE: RateSpec.prefault('30/60'),
  READ_RATE: RateSpec.prefault('1200/60'),
  SOCKET_RATE: RateSpec.prefault('20/1'),
  GUEST_RATE: RateSpec.prefault('10/60'),
  CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(100),
  TRUST_PROXY: TrustProxy.prefault('false'),
  /** Serve the bundles' source maps (/assets/*.map): they show the client's source to anyone. */
  SERVE_SOURCE_MAPS: bool.default(false),
  HELD_WORDS_FILE: z.string().min(1).optional(),
  /** Reports from different users that hold a visible comment for review (0: never). */
  REPORT_HOLD_THRESHOLD: z.coerce.number().int().min(0).default(3),
  /** Spam signals: more links than this hold a comment (0: no limit). */
  SPAM_MAX_LINKS: z.coerce.number().int().min(0).default(5),
  /** A link in a guest's first comment holds it. */
  SPAM_FIRST_LINK: bool.default(false),
  /** The same text on this many articles within an hour (anyone) holds it (0: off). */
  SPAM_SAME_TEXT: z.coerce.number().int().min(0).default(3),
  /** Comments per address, same form as POST_RATE: past it they are held (not refused). */
  SPAM_BURST: RateSpec.prefault('10/60'),
  AKISMET_KEY: z.string().min(1).optional(),
  AKISMET_SITE: z.url({ message: 'expected the site URL Akismet knows, such as https://news.example' }).optional(),
  AKISMET_URL: z.url().default('https://rest.akismet.com'),
  AKISMET_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1500),
  MODERATION_WEBHOOK_URL: z.url({ message: 'expected an http(s) URL' }).optional(),
  MODERATION_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1500),
  /**
   * Where committed events are POSTed (Standard Webhooks): a comma list of http(s) URLs, each
   * optionally prefixed `slack:` or `discord:` for a readable message instead of the envelope.
   */
  WEBHOOK_URLS: z
    .string()
    .transform((v, ctx): WebhookEndpointConfig[] => {
      const out: WebhookEndpointConfig[] = [];
      for (const entry of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const endpoint = parseWebhookEntry(entry);
        if (!endpoint) ctx.addIssue({ code: 'custom', message: `"${entry}" is not an http(s) URL (optionally slack:… or discord:…)` });
        else out.push(endpoint);
      }
      if (out.length > 20) ctx.addIssue({ code: 'custom', message: 'at most 20 webhook URLs' });
      return out;
    })
    .default([]),
  /** The signing secret, `whsec_` and at least 24 random bytes in base64 (for example `echo whsec_$(openssl rand -base64 32)`). */
  WEBHOOK_SECRET: z
    .string()
    .refine((v) => secretKey(v) !== null, { message: 'expected whsec_ followed by at least 24 bytes in base64' })
    .optional(),
  /** Let webhooks reach loopback and private addresses (tests, or a receiver on the same network). */
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How often the node delivering for an endpoint looks for new events (besides its own writes). */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Retries: exponential backoff from MIN to MAX between attempts; after FAIL_AFTER the endpoint is marked failing (and still retried every MAX). */
  WEBHOOK_RETRY_MIN_MS: z.coerce.number().int().min(10).default(1000),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
  WEBHOOK_FAIL_AFTER_MS: z.coerce.number().int().min(10).default(86_400_000),
  /** Reply e-mails: the SMTP server (`smtp://user:pass@host:587`, `smtps://…`); unset, no e-mail is sent or offered. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, { message: 'expected smtp://[user:pass@]host[:port] or smtps://…' })
    .optional(),
  /** The From of every e-mail, such as `Comments <comments@news.example>`. */
  MAIL_FROM: z.string().min(3).max(200).optional(),
  /** How long the first reply e-mail waits, gathering more (at most a minute). */
  NOTIFY_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(30_000),
  /** After an e-mail about a thread, further replies to the same person wait this long and go out together. */
  NOTIFY_COALESCE_MS: z.coerce.number().int().min(0).default(600_000),
  /**
   * How long the node sending e-mail keeps that job without renewing it (it renews every third of
   * it while it works): a node that dies is replaced after at most this long.
   */
  NOTIFY_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /** A thread with this many new comments within an hour is hot: its followers get a daily digest of it instead. */
  NOTIFY_HOT_PER_HOUR: z.coerce.number().int().min(1).default(30),
  /** How often moderators with an address get a digest of the review queue (when it is not empty). */
  NOTIFY_QUEUE_DIGEST_MS: z.coerce.number().int().min(1000).default(86_400_000),
  /** How often the node sending e-mail looks for new comments and due e-mails. */
  NOTIFY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** This service's public address, for links in e-mails and the moderator sign-in link. */
  PUBLIC_URL: z.url({ message: 'expected the public URL, such as https://comments.example.com' }).optional(),
  // Names guests may not take, nor anything that reads the same (server/core/reserved-names.ts).
  STAFF_NAMES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().max(80, { message: 'a staff name is longer than 80 characters' })))
    .default([]),
  /** socket.io/engine.io/ws internals used for speed and memory (gateway/engine-tuning.ts); `off`: stock paths. */
  ENGINE_TUNING: bool.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  EVENT_LOG_SIZE: z.coerce.number().int().min(1000).default(1000),
});

export type Config = Omit<z.output<typeof EnvSchema>, 'AUTH_SECRET' | 'STORE'> & {
  /** The store in use: STORE, or redis with REDIS_URL/REDIS_CLUSTER_NODES, else sqlite. */
  STORE: 'sqlite' | 'memory' | 'redis';
  AUTH_SECRET: string;
  /**
   * True when AUTH_SECRET was not given: generated for this process here, and replaced by the
   * one kept in DATA_DIR in SQLite mode (compose.ts).
   */
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
  if (c.AKISMET_KEY && !c.AKISMET_SITE) {
    throw new ConfigError('invalid configuration:\n  AKISMET_SITE: required with AKISMET_KEY (the site URL Akismet knows)');
  }
  if (c.WEBHOOK_URLS.some((e) => e.format === 'standard') && !c.WEBHOOK_SECRET) {
    throw new ConfigError('invalid configuration:\n  WEBHOOK_SECRET: required with WEBHOOK_URLS (receivers verify the signature with it)');
  }
  if (c.SMTP_URL && (!c.MAIL_FROM || !c.PUBLIC_URL)) {
    throw new ConfigError(
      'invalid configuration:\n  SMTP_URL: MAIL_FROM and PUBLIC_URL are required with it (the sender, and the links in e-mails)',
    );
  }
  const distributed = c.REDIS_URL !== undefined || c.REDIS_CLUSTER_NODES !== undefined;
  if (distributed && !c.AUTH_SECRET) {
    throw new ConfigError(
      'invalid configuration:\n  AUTH_SECRET: required with REDIS_URL or REDIS_CLUSTER_NODES (every node must share it)',
    );
  }
  if (distributed && c.STORE && c.STORE !== 'redis') {
    throw new ConfigError(`invalid configuration:\n  STORE: ${c.STORE} cannot be used with REDIS_URL or REDIS_CLUSTER_NODES`);
  }
  if (!distributed && c.STORE === 'redis') {
    throw new ConfigError('invalid configuration:\n  STORE: redis needs REDIS_URL or REDIS_CLUSTER_NODES');
  }
  return {
    ...c,
    STORE: distributed ? 'redis' : (c.STORE ?? 'sqlite'),
    AUTH_SECRET: c.AUTH_SECRET ?? randomBytes(32).toString('base64url'),
    authSecretGenerated: !c.AUTH_SECRET,
  };
}
