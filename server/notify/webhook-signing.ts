/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * keyed with the base64-decoded part of a `whsec_…` secret.
 */
import { createHash, createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret; null when it is not one (or too short to be safe). */
export function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(PREFIX)) return null;
  const b64 = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 ? key : null;
}

/** The `webhook-signature` value for one delivery. */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The headers of one delivery: `webhook-timestamp` is the time of this attempt. */
export function signedHeaders(key: Buffer | null, id: string, body: string, now: Date): Record<string, string> {
  const ts = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(ts),
    ...(key ? { 'webhook-signature': sign(key, id, ts, body) } : {}),
  };
}

/**
 * The id of a public event: the same for every delivery and replay of it, different for every
 * event (an article's history rewritten gets a new epoch, so its seqs do not collide).
 */
export function eventWebhookId(articleId: string, epoch: string, seq: number): string {
  const digest = createHash('sha256').update(`${articleId}\u0000${epoch}\u0000${seq}`).digest('base64url').slice(0, 22);
  return `evt_${digest}`;
}

/** The id of a moderation event: its place in the activity log (ModerationStore.appendActivity). */
export function activityWebhookId(seq: number): string {
  return `mod_${seq}`;
}
