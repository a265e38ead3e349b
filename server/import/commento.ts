/**
 * Commento and Comentario exports: one JSON document (gzipped as they hand it out), read streaming.
 *
 * - Commento, `version: 1` (its `domain_export.go`): `comments: [{ commentHex, domain, url (the page
 *   path; Go's field is Path, its JSON name url), commenterHex, markdown, html, parentHex ("root"
 *   for none), score, state ("approved" | "unapproved" | "flagged"), creationDate, deleted }]`, then
 *   `commenters: [{ commenterHex, email, name, link, photo, provider, joinDate }]`, one per
 *   comment (the export joins them), so repeated. Anonymous comments have `commenterHex`
 *   "anonymous".
 * - Comentario's own `version: 1` is the same with `path` (and `host`) beside `url`, `websiteUrl`
 *   for `link`, and 64 zeros for the anonymous commenter.
 * - Comentario, `version: 3`: `pages: [{ id, path, title }]`, `comments: [{ id, parentId, pageId,
 *   markdown, html, isApproved, isPending, isDeleted, createdTime, editedTime, userCreated,
 *   authorName }]`, `commenters: [{ id, email, name }]`; the anonymous user is the zero UUID.
 *
 * Commenters come after the comments, so authors are resolved after the whole file (only the
 * commenters are kept in memory: one entry per person). States: approved is visible, unapproved
 * (Comentario: pending) is held, flagged (Akismet's spam; Comentario: neither approved nor pending,
 * i.e. rejected) is spam, deleted or a body of "[deleted]" is deleted.
 */
import { z } from 'zod';
import { ANONYMOUS_NAME } from './authors.js';
import { parseSourceDate } from './dates.js';
import { firstIssue, ImportError } from './import-error.js';
import { readJsonValues } from './json-stream.js';
import type { ImportedAuthor } from './records.js';
import { Flag, type ParserContext, type ParserResult, type ParserSink, type SourceKind } from './source-records.js';

const ANONYMOUS_IDS = new Set(['anonymous', '0'.repeat(64), '00000000-0000-0000-0000-000000000000', '']);

const CommentV1 = z.looseObject({
  commentHex: z.string().trim().min(1),
  url: z.string().nullish(),
  path: z.string().nullish(),
  domain: z.string().nullish(),
  host: z.string().nullish(),
  commenterHex: z.string().nullish(),
  markdown: z.string().nullish(),
  html: z.string().nullish(),
  parentHex: z.string().nullish(),
  state: z.string().nullish(),
  creationDate: z.string().nullish(),
  deleted: z.boolean().nullish(),
});

const CommentV3 = z.looseObject({
  id: z.string().trim().min(1),
  parentId: z.string().nullish(),
  pageId: z.string().trim().min(1),
  markdown: z.string().nullish(),
  html: z.string().nullish(),
  isApproved: z.boolean().nullish(),
  isPending: z.boolean().nullish(),
  isDeleted: z.boolean().nullish(),
  createdTime: z.string().nullish(),
  editedTime: z.string().nullish(),
  userCreated: z.string().nullish(),
  authorName: z.string().nullish(),
});

const Page = z.looseObject({ id: z.string().trim().min(1), path: z.string().nullish(), title: z.string().nullish() });

const Commenter = z.looseObject({
  commenterHex: z.string().nullish(),
  id: z.string().nullish(),
  email: z.string().nullish(),
  name: z.string().nullish(),
});

export async function parseCommento(chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext): Promise<ParserResult> {
  let version: number | null = null;
  const threads = new Set<string>();
  const commenters = new Map<string, { name: string | null; email: string | null }>();
  // Positions within each array, for messages ("comment #12").
  const count = { pages: 0, comments: 0, commenters: 0 };

  await readJsonValues(chunks, ['$.version', '$.pages.*', '$.comments.*', '$.commenters.*'], ({ section, value }) => {
    switch (section) {
      case 'version':
        if (value !== 1 && value !== 3)
          throw new ImportError(`export version ${JSON.stringify(value)}: Commento's 1 and Comentario's 1 and 3 are known`);
        version = value;
        return;
      case 'pages': {
        const page = check(Page, value, 'page', ++count.pages);
        const path = normalizePath(page.path);
        sink.thread({ key: page.id, identifier: null, url: path, title: page.title?.trim() || null, closed: false, deleted: false });
        return;
      }
      case 'comments': {
        const n = ++count.comments;
        const v3 = typeof value === 'object' && value !== null && 'pageId' in value;
        if (v3) commentV3(check(CommentV3, value, 'comment', n), sink, context);
        else commentV1(check(CommentV1, value, 'comment', n), sink, context, threads);
        return;
      }
      case 'commenters': {
        const c = check(Commenter, value, 'commenter', ++count.commenters);
        const ref = (c.commenterHex ?? c.id ?? '').trim();
        if (ref && !commenters.has(ref)) commenters.set(ref, { name: c.name ?? null, email: c.email ?? null });
        return;
      }
    }
  });
  if (version === null) throw new ImportError('no "version": not a Commento or Comentario export');
  return {
    resolveAuthor(ref: string): ImportedAuthor {
      const known = commenters.get(ref);
      // A commenter the export does not list: the id alone, named Anonymous.
      return context.authors.author({ username: ref, name: known?.name ?? ANONYMOUS_NAME, email: known?.email });
    },
  };
}

function commentV1(c: z.infer<typeof CommentV1>, sink: ParserSink, context: ParserContext, threads: Set<string>): void {
  // Commento files the page path under "url", Comentario under "path".
  const path = normalizePath(c.path || c.url);
  const thread = path ?? '/';
  if (!threads.has(thread)) {
    threads.add(thread);
    sink.thread({ key: thread, identifier: null, url: thread, title: null, closed: false, deleted: false });
  }
  const deleted = c.deleted === true || c.markdown?.trim() === '[deleted]';
  const state = (c.state ?? 'approved').trim().toLowerCase();
  const kind: SourceKind = deleted ? 'deleted' : state === 'approved' ? 'visible' : state === 'flagged' ? 'spam' : 'pending';
  const date = parseSourceDate(c.creationDate);
  const commenter = (c.commenterHex ?? '').trim();
  emit(sink, context, {
    key: c.commentHex,
    thread,
    parent: c.parentHex?.trim() && c.parentHex.trim() !== 'root' ? c.parentHex.trim() : null,
    kind,
    author: ANONYMOUS_IDS.has(commenter) ? context.authors.author({}) : { ref: commenter },
    date,
    edited: null,
    markdown: c.markdown,
    html: c.html,
  });
}

function commentV3(c: z.infer<typeof CommentV3>, sink: ParserSink, context: ParserContext): void {
  const kind: SourceKind = c.isDeleted ? 'deleted' : c.isApproved ? 'visible' : c.isPending ? 'pending' : 'spam';
  const user = (c.userCreated ?? '').trim();
  emit(sink, context, {
    key: c.id,
    thread: c.pageId,
    parent: c.parentId?.trim() || null,
    kind,
    author: ANONYMOUS_IDS.has(user) ? context.authors.author({ name: c.authorName }) : { ref: user },
    date: parseSourceDate(c.createdTime),
    edited: c.editedTime ? (parseSourceDate(c.editedTime)?.iso ?? null) : null,
    markdown: c.markdown,
    html: c.html,
  });
}

function emit(
  sink: ParserSink,
  context: ParserContext,
  c: {
    key: string;
    thread: string;
    parent: string | null;
    kind: SourceKind;
    author: ImportedAuthor | { ref: string };
    date: ReturnType<typeof parseSourceDate>;
    edited: string | null;
    markdown: string | null | undefined;
    html: string | null | undefined;
  },
): void {
  let flags = c.date && !c.date.zoned ? Flag.NoZone : 0;
  let body = '';
  if (c.kind === 'visible' || c.kind === 'pending' || (c.kind === 'spam' && context.includeSpam)) {
    // The Markdown is what the author wrote; the HTML only when an export lacks it.
    const made = c.markdown?.trim() || !c.html ? context.bodies.fromMarkdown(c.markdown ?? '') : context.bodies.fromHtml(c.html);
    body = made.body;
    flags |= made.flags;
  }
  sink.comment({
    key: c.key,
    thread: c.thread,
    parent: c.parent,
    kind: c.kind,
    author: c.author,
    createdAt: c.date?.iso ?? null,
    editedAt: c.edited,
    body,
    flags,
  });
}

/** A page path with its leading slash ("blog/post" and "/blog/post" are one page). */
function normalizePath(path: string | null | undefined): string | null {
  const p = path?.trim();
  if (!p) return null;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : '/' + p.replace(/^\/+/, '');
}

function check<T extends z.ZodType>(schema: T, value: unknown, what: string, index: number): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new ImportError(`${what} ${index > 0 ? `#${index} ` : ''}is not as Commento writes it: ${firstIssue(parsed.error)}`);
  return parsed.data;
}
