/**
 * What a webhook POSTs: the Standard Webhooks envelope `{ type, timestamp, data }`, or a readable
 * message for Slack (`{ text }`) and Discord (`{ content }`).
 */
import type { WebhookFormat } from '../../shared/moderation.js';
import type { Comment } from '../../shared/schemas.js';

/** The webhook event types: every public event type plus the moderation ones, and the console's test. */
export type WebhookEventType =
  | 'comment.created'
  | 'comment.edited'
  | 'comment.deleted'
  | 'comment.removed'
  | 'comment.restored'
  | 'comment.hidden'
  | 'thread.closed'
  | 'thread.reopened'
  | 'comment.held'
  | 'comment.reported'
  | 'comment.approved'
  | 'user.banned'
  | 'user.unbanned'
  | 'webhook.test';

/** `data` of the envelope. */
export interface WebhookData {
  articleId: string | null;
  /** Public events: the article's epoch and the event's seq (gapless per article and epoch). */
  epoch?: string;
  seq?: number;
  /** The comment as moderators see it, as it is when delivered; null for thread and user events. */
  comment: Comment | null;
  /** Moderation events: the user concerned (banned, unbanned) and the report. */
  userId?: string | null;
  report?: { reason: string | null } | null;
  /** A link to see it: the console (and the comment in it). */
  url?: string | null;
}

export interface WebhookEnvelope {
  type: WebhookEventType;
  timestamp: string;
  data: WebhookData;
}

const TITLES: Record<WebhookEventType, string> = {
  'comment.created': 'New comment',
  'comment.edited': 'Comment edited',
  'comment.deleted': 'Comment deleted by its author',
  'comment.removed': 'Comment removed',
  'comment.restored': 'Comment restored',
  'comment.hidden': 'Comment hidden',
  'thread.closed': 'Thread closed',
  'thread.reopened': 'Thread reopened',
  'comment.held': 'Comment held for review',
  'comment.reported': 'Comment reported',
  'comment.approved': 'Comment approved',
  'user.banned': 'User banned',
  'user.unbanned': 'User unbanned',
  'webhook.test': 'Test from livethread',
};

/** Text for a chat message: no markup of the chat survives (Slack's <, >, &; Discord's mentions). */
function chatSafe(text: string, format: 'slack' | 'discord', max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  if (format === 'slack') return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // Discord: break @everyone/@here and role/user mentions, and markdown link syntax.
  return cut.replace(/@/g, '@\u200b').replace(/([[\]()*_~`>|\\])/g, '\\$1');
}

/** The body to POST for one event in an endpoint's format. */
export function formatBody(format: WebhookFormat, envelope: WebhookEnvelope): string {
  if (format === 'standard') return JSON.stringify(envelope);
  const { data } = envelope;
  const who = data.comment?.author
    ? ` by ${chatSafe(data.comment.author.name, format, 80)}`
    : data.userId
      ? ` (${chatSafe(data.userId, format, 80)})`
      : '';
  const where = data.articleId ? ` on ${chatSafe(data.articleId, format, 200)}` : '';
  const body = data.comment?.body ? `\n> ${chatSafe(data.comment.body, format, 1200).replace(/\n/g, '\n> ')}` : '';
  const reason = data.report?.reason ? `\nReason: ${chatSafe(data.report.reason, format, 300)}` : '';
  const line = `${TITLES[envelope.type]}${who}${where}${body}${reason}`;
  if (format === 'slack') return JSON.stringify({ text: data.url ? `${line}\n<${data.url}|Open in the console>` : line });
  return JSON.stringify({
    content: data.url ? `${line}\n${data.url}` : line,
    allowed_mentions: { parse: [] },
  });
}
