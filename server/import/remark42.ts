/**
 * Remark42 backups (`remark42 backup`, or the admin export): JSON lines, a header
 * `{"version":1,"users":[…],"posts":[{"url","read_only"}]}` then one comment a line, as its store
 * writes them: `id`, `pid` (parent, empty for a root), `text` (HTML, rendered and sanitized by
 * Remark42), `user` (`id` like `github_…`, `name`), `locator` (`site`, `url`: the page), `time`
 * (RFC 3339 with an offset), `edit.time`, `delete`, `title` (of the page).
 *
 * Each page URL is a thread; read-only posts in the header are closed threads. Remark42 keeps no
 * emails and no pending state: every comment is visible or deleted.
 */
import { z } from 'zod';
import { parseSourceDate } from './dates.js';
import { htmlText } from './html-to-markdown.js';
import { firstIssue, ImportError } from './import-error.js';
import { readJsonLines } from './json-lines.js';
import { Flag, type ParserContext, type ParserResult, type ParserSink } from './source-records.js';
import { decodeUtf8 } from './source-stream.js';

const Header = z.looseObject({
  version: z.number().int().optional(),
  posts: z.array(z.looseObject({ url: z.string(), read_only: z.boolean().optional() })).nullish(),
});

const Comment = z.looseObject({
  id: z.string().trim().min(1),
  pid: z.string().nullish(),
  text: z.string().nullish(),
  user: z.looseObject({ id: z.string().nullish(), name: z.string().nullish() }).nullish(),
  locator: z.looseObject({ site: z.string().nullish(), url: z.string().trim().min(1) }),
  time: z.string(),
  edit: z.looseObject({ time: z.string().nullish() }).nullish(),
  delete: z.boolean().nullish(),
  title: z.string().nullish(),
});

export async function parseRemark42(chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext): Promise<ParserResult> {
  let header = false;
  const closed = new Set<string>();
  const threads = new Set<string>();
  for await (const { line, value } of readJsonLines(decodeUtf8(chunks))) {
    if (!header) {
      const h = Header.safeParse(value);
      if (!h.success || typeof value !== 'object' || value === null || 'locator' in value)
        throw new ImportError('expected the Remark42 header ({"version":1,"users":[…],"posts":[…]}) on the first line', { line });
      if (h.data.version !== undefined && h.data.version > 1)
        throw new ImportError(`Remark42 backup version ${h.data.version}: only versions 0 and 1 are known`, { line });
      for (const p of h.data.posts ?? []) if (p.read_only) closed.add(p.url.trim());
      header = true;
      continue;
    }
    const parsed = Comment.safeParse(value);
    if (!parsed.success) throw new ImportError(`not a Remark42 comment: ${firstIssue(parsed.error)}`, { line });
    const c = parsed.data;
    const url = c.locator.url;
    if (!threads.has(url)) {
      threads.add(url);
      sink.thread({
        key: url,
        identifier: null,
        url,
        title: c.title?.trim() ? htmlText(c.title.trim()) : null,
        closed: closed.has(url),
        deleted: false,
      });
    }
    const date = parseSourceDate(c.time);
    let flags = date && !date.zoned ? Flag.NoZone : 0;
    const deleted = c.delete === true;
    let body = '';
    if (!deleted) {
      const converted = context.bodies.fromHtml(c.text ?? '');
      body = converted.body;
      flags |= converted.flags;
    }
    sink.comment({
      key: c.id,
      thread: url,
      parent: c.pid?.trim() || null,
      kind: deleted ? 'deleted' : 'visible',
      author: context.authors.author({ username: c.user?.id, name: c.user?.name }),
      createdAt: date?.iso ?? null,
      editedAt: c.edit?.time ? (parseSourceDate(c.edit.time)?.iso ?? null) : null,
      body,
      flags,
    });
  }
  if (!header) throw new ImportError('the file is empty: expected a Remark42 backup (JSON lines)');
  return {};
}
