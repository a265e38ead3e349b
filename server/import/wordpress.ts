/**
 * WordPress eXtended RSS (WXR, Tools → Export): `<rss><channel>`, one `<item>` per post or page with
 * `<link>`, `<wp:post_id>`, `<wp:post_name>` (the slug: the item's identifier), `<wp:comment_status>`
 * and its `<wp:comment>`s:
 *
 * - `comment_id`, `comment_parent` (`0` for none), `comment_author`, `comment_author_email`,
 *   `comment_user_id` (a registered user, `0` for a guest);
 * - `comment_date_gmt` (UTC without a zone; `0000-00-00 00:00:00` when never set, for held comments),
 *   else `comment_date` (the site's local time: taken as UTC and counted);
 * - `comment_content`: text with some HTML, shown by WordPress with `wpautop` (a blank line is a
 *   paragraph, a newline a line break);
 * - `comment_approved`: `1` visible, `0` held, `spam`, `trash` (deleted), `post-trashed` (deleted
 *   with its post); anything else is held for a moderator;
 * - `comment_type`: empty or `comment` are comments; `pingback` and `trackback` are skipped and
 *   counted; any other type (WooCommerce `order_note`, `review`, `webmention`…) is skipped and
 *   counted by name: some are private (order notes).
 */
import { parseSourceDate } from './dates.js';
import { htmlText } from './html-to-markdown.js';
import {
  derivedKey,
  Flag,
  type ParserContext,
  type ParserResult,
  type ParserSink,
  type RawComment,
  type SourceKind,
} from './source-records.js';
import { readXml } from './xml-reader.js';

type Fields = Record<string, string>;

const COMMENT_TYPES = new Set(['', 'comment']);
const PINGBACKS = new Set(['pingback', 'trackback']);

export async function parseWordPress(chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext): Promise<ParserResult> {
  let itemCount = 0;
  let item: { fields: Fields; comments: number; queued: Omit<RawComment, 'seq'>[] } | null = null;
  let comment: Fields | null = null;

  // The thread key: the post id, known once `<wp:post_id>` has been read (WXR writes it before
  // the comments); comments read before it wait for it.
  const threadKey = () => item!.fields.post_id?.trim() || `item-${itemCount}`;

  await readXml(chunks, {
    wantText: (path) => (path.length === 4 && path[2] === 'item' && path[3] !== 'comment') || (path.length === 5 && path[3] === 'comment'),
    open(element, path) {
      if (path.length === 3 && element.name === 'item') {
        itemCount++;
        item = { fields: {}, comments: 0, queued: [] };
      } else if (path.length === 4 && item && element.name === 'comment') comment = {};
    },
    close(element, text, path) {
      if (path.length === 5 && comment && text !== null) comment[element.name] = text;
      else if (path.length === 4 && item) {
        if (element.name === 'comment' && comment) {
          item.comments++;
          const c = toComment(comment, sink, context);
          comment = null;
          if (!c) return;
          if (item.fields.post_id?.trim()) sink.comment({ ...c, thread: threadKey() });
          else item.queued.push(c);
        } else if (text !== null && element.name !== 'comment') item.fields[element.name] = text;
      } else if (path.length === 3 && item && element.name === 'item') {
        const key = threadKey();
        for (const c of item.queued) sink.comment({ ...c, thread: key });
        // Items without comments (attachments, menu items, posts nobody answered) are no threads.
        if (item.comments > 0) {
          const f = item.fields;
          sink.thread({
            key,
            identifier: f.post_name?.trim() || null,
            url: f.link?.trim() || null,
            title: f.title?.trim() ? htmlText(f.title.trim()) : null,
            closed: f.comment_status?.trim() === 'closed',
            deleted: false,
          });
        }
        item = null;
      }
    },
  });
  return {};
}

function toComment(f: Fields, sink: ParserSink, context: ParserContext): Omit<RawComment, 'seq'> | null {
  const type = (f.comment_type ?? '').trim().toLowerCase();
  if (PINGBACKS.has(type)) {
    sink.skipType('pingback');
    return null;
  }
  if (!COMMENT_TYPES.has(type)) {
    sink.skipType(type);
    return null;
  }
  const approved = (f.comment_approved ?? '').trim().toLowerCase();
  const kind: SourceKind =
    approved === '1' || approved === 'approve'
      ? 'visible'
      : approved === 'spam'
        ? 'spam'
        : approved === 'trash' || approved === 'post-trashed'
          ? 'deleted'
          : 'pending';
  let flags = 0;
  // comment_date_gmt is UTC by definition; comment_date is local time in an unknown zone.
  let date = parseSourceDate(f.comment_date_gmt);
  if (!date) {
    date = parseSourceDate(f.comment_date);
    if (date && !date.zoned) flags |= Flag.NoZone;
  }
  let key = f.comment_id?.trim();
  if (!key) {
    key = derivedKey([f.comment_date_gmt, f.comment_date, f.comment_author_email, f.comment_author, f.comment_content]);
    flags |= Flag.DerivedId;
  }
  let body = '';
  if (kind === 'visible' || kind === 'pending' || (kind === 'spam' && context.includeSpam)) {
    const converted = context.bodies.fromHtml(f.comment_content ?? '', { newlines: 'text' });
    body = converted.body;
    flags |= converted.flags;
  }
  const userId = f.comment_user_id?.trim();
  const parent = f.comment_parent?.trim();
  return {
    key,
    thread: '',
    parent: parent && parent !== '0' ? parent : null,
    kind,
    author: context.authors.author({
      username: userId && userId !== '0' ? `user-${userId}` : null,
      name: f.comment_author !== undefined ? htmlText(f.comment_author) : null,
      email: f.comment_author_email,
    }),
    createdAt: date?.iso ?? null,
    editedAt: null,
    body,
    flags,
  };
}
