/**
 * Disqus export XML (`<disqus>`: `<category>`s, then `<thread dsq:id>`s, then `<post dsq:id>`s in
 * any order, as Disqus documents its export format):
 *
 * - thread: `<id>` (the identifier the site gave, often empty), `<link>`, `<title>`, `<createdAt>`,
 *   `<isClosed>`, `<isDeleted>`;
 * - post: `<message>` (HTML, in CDATA), `<createdAt>`, `<isDeleted>`, `<isSpam>`, `<author>`
 *   (`<email>`, `<name>`, `<isAnonymous>`, `<username>`), `<thread dsq:id>`, `<parent dsq:id>` for
 *   replies.
 *
 * Posts of a thread listed after them, or of a thread never listed, are the reader's business: it
 * groups by thread after the whole file (a thread never listed is counted as missing).
 */
import { htmlText } from './html-to-markdown.js';
import { parseSourceDate } from './dates.js';
import { derivedKey, Flag, sourceBool, type ParserContext, type ParserResult, type ParserSink, type SourceKind } from './source-records.js';
import { attribute, readXml } from './xml-reader.js';

type Fields = Record<string, string>;

export async function parseDisqus(chunks: AsyncIterable<Buffer>, sink: ParserSink, context: ParserContext): Promise<ParserResult> {
  // The element being read (depth 2 in the document) and its fields.
  let current: {
    kind: 'thread' | 'post';
    id: string | undefined;
    fields: Fields;
    author: Fields;
    thread?: string;
    parent?: string;
  } | null = null;

  await readXml(chunks, {
    wantText: (path) => current !== null && (path.length === 3 || (path.length === 4 && path[2] === 'author')),
    open(element, path) {
      if (path.length === 2 && (element.name === 'thread' || element.name === 'post')) {
        current = { kind: element.name, id: attribute(element, 'id')?.trim() || undefined, fields: {}, author: {} };
      } else if (path.length === 3 && current?.kind === 'post') {
        if (element.name === 'thread') current.thread = attribute(element, 'id')?.trim();
        else if (element.name === 'parent') current.parent = attribute(element, 'id')?.trim();
      }
    },
    close(element, text, path) {
      if (!current) return;
      if (path.length === 3 && text !== null) current.fields[element.name] = text;
      else if (path.length === 4 && text !== null) current.author[element.name] = text;
      else if (path.length === 2) {
        if (current.kind === 'thread') emitThread(current.id, current.fields, sink);
        else emitPost(current, sink, context);
        current = null;
      }
    },
  });
  return {};
}

function emitThread(id: string | undefined, f: Fields, sink: ParserSink): void {
  // A thread without its dsq:id cannot be named by any post: nothing to import from it.
  if (!id) return;
  sink.thread({
    key: id,
    identifier: clean(f.id),
    url: clean(f.link),
    title: clean(f.title) !== null ? htmlText(f.title!.trim()) : null,
    closed: sourceBool(f.isClosed),
    deleted: sourceBool(f.isDeleted),
  });
}

function emitPost(
  post: { id: string | undefined; fields: Fields; author: Fields; thread?: string; parent?: string },
  sink: ParserSink,
  context: ParserContext,
): void {
  const f = post.fields;
  const a = post.author;
  const thread = post.thread || '';
  const date = parseSourceDate(f.createdAt);
  const kind: SourceKind = sourceBool(f.isSpam)
    ? 'spam'
    : sourceBool(f.isDeleted)
      ? 'deleted'
      : f.isApproved !== undefined && !sourceBool(f.isApproved)
        ? 'pending'
        : 'visible';
  let flags = date && !date.zoned ? Flag.NoZone : 0;
  let key = post.id || clean(f.id);
  if (!key) {
    key = derivedKey([thread, f.createdAt, a.email, a.name, f.message]);
    flags |= Flag.DerivedId;
  }
  let body = '';
  if (kind === 'visible' || kind === 'pending' || (kind === 'spam' && context.includeSpam)) {
    const converted = context.bodies.fromHtml(f.message ?? '');
    body = converted.body;
    flags |= converted.flags;
  }
  const anonymous = sourceBool(a.isAnonymous);
  sink.comment({
    key,
    thread,
    parent: post.parent || null,
    kind,
    author: context.authors.author({
      username: anonymous ? null : clean(a.username),
      name: a.name !== undefined ? htmlText(a.name) : null,
      email: a.email,
    }),
    createdAt: date?.iso ?? null,
    editedAt: null,
    body,
    flags,
  });
}

/** Trimmed; null when blank. */
function clean(text: string | undefined): string | null {
  const t = text?.trim();
  return t ? t : null;
}
