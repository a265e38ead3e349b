/**
 * The whole site as a file: livethread's own format (JSON lines, livethread-format.ts, what an
 * import reads back losslessly) or WordPress WXR (so that a site can always leave; WordPress,
 * Disqus and most comment systems import it).
 *
 * Both are generated as a stream of lines, one article at a time: memory holds the largest
 * article, never the site.
 */
import type { CommentStore, StoredComment } from '../core/ports.js';
import { markdownToHtml } from '../core/markdown.js';
import { EXPORT_FORMAT_VERSION, type ExportAudit, type ExportBan, type ExportComment, type ExportHeader } from './livethread-format.js';

export type ExportStore = Pick<CommentStore, 'articleIds' | 'articleComments' | 'isClosed' | 'bans' | 'auditLog'>;

/** Audit entries an export holds at most (the newest; the stores keep 100,000). */
export const EXPORT_AUDIT = 100_000;
/** Bans an export holds at most. */
export const EXPORT_BANS = 100_000;
const ARTICLE_PAGE = 200;

/** Every article id once (a Redis scan may repeat one). */
async function* articleIds(store: ExportStore): AsyncGenerator<string> {
  const seen = new Set<string>();
  let cursor: string | null = null;
  do {
    const page = await store.articleIds(cursor, ARTICLE_PAGE);
    for (const id of page.ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
    cursor = page.cursor;
  } while (cursor !== null);
}

/** livethread's own format, one JSON object a line (each string ends with "\n"). */
export async function* exportLivethread(store: ExportStore, now: Date, site?: string): AsyncGenerator<string> {
  const header: ExportHeader = {
    format: 'livethread',
    version: EXPORT_FORMAT_VERSION,
    exportedAt: now.toISOString(),
    ...(site ? { site } : {}),
  };
  yield JSON.stringify(header) + '\n';
  for await (const articleId of articleIds(store)) {
    const comments = await store.articleComments(articleId);
    if (comments.length === 0) continue;
    yield JSON.stringify({ type: 'article', articleId, closed: await store.isClosed(articleId) }) + '\n';
    for (const c of importOrder(comments)) yield JSON.stringify(exportComment(c)) + '\n';
  }
  for (const b of await store.bans(now.toISOString(), EXPORT_BANS)) {
    const ban: ExportBan = {
      type: 'ban',
      userId: b.userId,
      at: b.at,
      until: b.until,
      reason: b.reason,
      by: b.by,
      ...(b.addressHash ? { addressHash: b.addressHash } : {}),
    };
    yield JSON.stringify(ban) + '\n';
  }
  for (const a of await store.auditLog(EXPORT_AUDIT)) {
    const entry: ExportAudit = { type: 'audit', ...a };
    yield JSON.stringify(entry) + '\n';
  }
}

/**
 * Comments in the order an import writes them: by time written, parents always before their
 * replies. An export read back then keeps each comment's place.
 */
export function importOrder(comments: StoredComment[]): StoredComment[] {
  const byTime = [...comments].sort((x, y) => (x.createdAt < y.createdAt ? -1 : x.createdAt > y.createdAt ? 1 : x.order - y.order));
  const ids = new Set(byTime.map((c) => c.id));
  const done = new Set<string>();
  const waiting = new Map<string, StoredComment[]>();
  const out: StoredComment[] = [];
  const emit = (c: StoredComment) => {
    const stack = [c];
    while (stack.length) {
      const next = stack.pop()!;
      out.push(next);
      done.add(next.id);
      const children = waiting.get(next.id);
      if (children) {
        waiting.delete(next.id);
        stack.push(...children.reverse());
      }
    }
  };
  for (const c of byTime) {
    if (c.parentId && ids.has(c.parentId) && !done.has(c.parentId)) {
      const list = waiting.get(c.parentId) ?? [];
      list.push(c);
      waiting.set(c.parentId, list);
    } else emit(c);
  }
  return out;
}

export function exportComment(c: StoredComment): ExportComment {
  return {
    type: 'comment',
    id: c.id,
    articleId: c.articleId,
    parentId: c.parentId,
    rootId: c.rootId,
    author: {
      id: c.author.id,
      name: c.author.name,
      ...(c.author.staff ? { staff: true } : {}),
      ...(c.author.email ? { email: c.author.email } : {}),
    },
    body: c.body,
    status: c.status === 'pending' || c.status === 'removed' || c.status === 'deleted' ? c.status : 'visible',
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    ...(c.heldReason ? { heldReason: c.heldReason } : {}),
    ...(c.removedReason ? { removedReason: c.removedReason } : {}),
    ...(c.removedFrom ? { removedFrom: c.removedFrom } : {}),
    ...(c.up || c.down ? { votes: { up: c.up ?? 0, down: c.down ?? 0 } } : {}),
    ...(c.source ? { importedFrom: { source: c.source.name, sourceId: c.source.id } } : {}),
  };
}

const WXR_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
`;

/**
 * WordPress WXR 1.2: an `<item>` per article (its id as the slug, and as the link under `siteUrl`
 * when given), a `<wp:comment>` per comment with HTML content, numbered 1, 2, 3… across the file
 * (WordPress ids are numbers), parents by those numbers. Held comments are unapproved (`0`),
 * removed ones `spam`, deleted ones `trash`. Emails are included: the file is the site owner's.
 */
export async function* exportWxr(store: ExportStore, now: Date, siteUrl?: string): AsyncGenerator<string> {
  yield WXR_HEAD;
  yield `<title>${text('livethread export')}</title>\n<pubDate>${now.toUTCString()}</pubDate>\n<wp:wxr_version>1.2</wp:wxr_version>\n`;
  if (siteUrl) yield `<link>${text(siteUrl)}</link>\n<wp:base_site_url>${text(siteUrl)}</wp:base_site_url>\n`;
  let n = 0;
  let post = 0;
  for await (const articleId of articleIds(store)) {
    const comments = await store.articleComments(articleId);
    if (comments.length === 0) continue;
    const numbers = new Map<string, number>();
    const closed = await store.isClosed(articleId);
    const link = siteUrl ? new URL(articleId.startsWith('/') ? articleId : `/${articleId}`, siteUrl).href : articleId;
    let item =
      `<item>\n<title>${text(articleId)}</title>\n<link>${text(link)}</link>\n<guid isPermaLink="false">${text(articleId)}</guid>\n` +
      `<wp:post_id>${++post}</wp:post_id>\n<wp:post_name>${cdata(articleId)}</wp:post_name>\n<wp:post_type>post</wp:post_type>\n` +
      `<wp:status>publish</wp:status>\n<wp:comment_status>${closed ? 'closed' : 'open'}</wp:comment_status>\n`;
    for (const c of comments) {
      numbers.set(c.id, ++n);
      const date = wpDate(c.createdAt);
      item +=
        `<wp:comment>\n<wp:comment_id>${n}</wp:comment_id>\n<wp:comment_author>${cdata(c.author.name)}</wp:comment_author>\n` +
        `<wp:comment_author_email>${cdata(c.author.email ?? '')}</wp:comment_author_email>\n` +
        `<wp:comment_date>${date}</wp:comment_date>\n<wp:comment_date_gmt>${date}</wp:comment_date_gmt>\n` +
        `<wp:comment_content>${cdata(c.status === 'deleted' ? '' : markdownToHtml(c.body))}</wp:comment_content>\n` +
        `<wp:comment_approved>${wpApproved(c)}</wp:comment_approved>\n<wp:comment_type>comment</wp:comment_type>\n` +
        `<wp:comment_parent>${c.parentId ? (numbers.get(c.parentId) ?? 0) : 0}</wp:comment_parent>\n` +
        `<wp:comment_user_id>0</wp:comment_user_id>\n</wp:comment>\n`;
    }
    yield item + '</item>\n';
  }
  yield '</channel>\n</rss>\n';
}

function wpApproved(c: StoredComment): string {
  if (c.status === 'pending') return '0';
  if (c.status === 'removed') return 'spam';
  if (c.status === 'deleted') return 'trash';
  return '1';
}

/** "2026-01-02 03:04:05" (UTC): WordPress's date format. */
function wpDate(iso: string): string {
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

/** Text for XML: escaped, and without the characters XML 1.0 cannot hold. */
function text(s: string): string {
  return xmlChars(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function cdata(s: string): string {
  return `<![CDATA[${xmlChars(s).replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const xmlChars = (s: string): string => s.replace(NOT_XML, '');
