/**
 * The process logger (pino JSON on stdout). Credentials never reach a log line: request lines
 * carry an allowlist of fields with query values hidden, and known credential paths are redacted
 * wherever else they might appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

const CENSOR = '[redacted]';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-livethread-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'auth.token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  // E-mail addresses (reply e-mails) never reach a log line.
  'email',
  '*.email',
];

const EMAIL_LIKE = /[^\s<>"'@,;:]+@[^\s<>"'@,;:]+\.[^\s<>"'@,;:]+/g;

/** A message with anything that looks like an e-mail address taken out (SMTP errors quote them). */
export function withoutAddresses(text: string): string {
  return text.replace(EMAIL_LIKE, '[address]');
}

/** Query parameters whose values are harmless to log; every other value is hidden. */
const SAFE_QUERY = new Set(['EIO', 'transport', 'cursor', 'since', 'epoch', 'articleIds', 'sort']);

/** `url` with the value of every query parameter not known to be harmless replaced. */
export function redactUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || SAFE_QUERY.has(name) ? pair : `${name}=${CENSOR}`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** What a request line logs: no headers (they carry tokens and cookies), no query values. */
export function requestSerializer(req: { id?: unknown; method?: string; url?: string; remoteAddress?: string }) {
  return { id: req.id, method: req.method, url: redactUrl(req.url) };
}

/** The service's logger: to stdout, or to `destination` (tests read what it wrote). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const opts = { level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: CENSOR } };
  return destination ? pino(opts, destination) : pino(opts);
}
