/**
 * A comment's text as a small, safe document: what the server makes of its Markdown (the subset in
 * PROTOCOL.md §5) and what the widget and `thread.html` render, each building elements from it,
 * never parsing HTML. The server parses (markdown-it, HTML off); browsers only walk this tree, so
 * no Markdown parser ships in the widget.
 *
 * Nodes are arrays, a tag first, to keep the JSON small: `["p", "Hello ", ["em", "world"]]`.
 * Types and pure helpers only: no imports.
 */

export type Inline =
  | string
  | ['em', ...Inline[]]
  | ['strong', ...Inline[]]
  | ['code', string]
  /** A link: its href is one of LINK_SCHEMES (checked again by every renderer). */
  | ['a', string, ...Inline[]]
  | ['br'];

export type Block =
  | ['p', ...Inline[]]
  /** A code block: its text, as written. */
  | ['pre', string]
  | ['blockquote', ...Block[]]
  | ['ul', ...ListItem[]]
  /** An ordered list and the number it starts at. */
  | ['ol', number, ...ListItem[]];

export type ListItem = ['li', ...Block[]];

export type Doc = Block[];

/** The only link schemes kept; anything else is shown as text. */
export const LINK_SCHEMES = ['http:', 'https:', 'mailto:'] as const;

/** The href to use, or null when it is not an absolute http(s) or mailto URL. */
export function safeHref(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  return (LINK_SCHEMES as readonly string[]).includes(url.protocol) ? url.href : null;
}

/** `rel` of every link in a comment: user content, not endorsed, no referrer, no opener. */
export const LINK_REL = 'nofollow ugc noopener noreferrer';

/** The plain text of a document (previews, notifications, search). */
export function docText(doc: Doc): string {
  const inline = (n: Inline): string =>
    typeof n === 'string'
      ? n
      : n[0] === 'br'
        ? '\n'
        : n[0] === 'code'
          ? n[1]
          : n[0] === 'a'
            ? (n.slice(2) as Inline[]).map(inline).join('')
            : (n.slice(1) as Inline[]).map(inline).join('');
  const block = (b: Block): string => {
    switch (b[0]) {
      case 'p':
        return (b.slice(1) as Inline[]).map(inline).join('');
      case 'pre':
        return b[1];
      case 'blockquote':
        return (b.slice(1) as Block[]).map(block).join('\n');
      case 'ul':
        return (b.slice(1) as ListItem[]).map((li) => (li.slice(1) as Block[]).map(block).join('\n')).join('\n');
      case 'ol':
        return (b.slice(2) as ListItem[]).map((li) => (li.slice(1) as Block[]).map(block).join('\n')).join('\n');
    }
  };
  return doc.map(block).join('\n\n');
}

/** Every element a document renders to; nothing else is ever created from a comment. */
export type DocTag = 'p' | 'pre' | 'code' | 'blockquote' | 'ul' | 'ol' | 'li' | 'em' | 'strong' | 'a' | 'br';

/** What a renderer makes of elements and text: DOM nodes in the widget, escaped HTML in thread.html. */
export interface DocBuilder<N> {
  element(tag: DocTag, attrs: Readonly<Record<string, string>>, children: N[]): N;
  text(text: string): N;
}

/** Past this depth a (hand-made) document's content is shown as its text. */
const MAX_BUILD_DEPTH = 24;

/**
 * The one set of rules every renderer follows, so that the widget and `thread.html` show a
 * comment the same way. The document comes from the network: anything that is not one of its
 * node shapes is dropped, and every link's href is checked again (safeHref) before it is one.
 */
export function buildDoc<N>(doc: unknown, b: DocBuilder<N>): N[] {
  // Iterative: a hand-made document can be nested deeper than the stack.
  const textOf = (n: unknown): N => {
    const out: string[] = [];
    const todo: unknown[] = [n];
    while (todo.length > 0) {
      const k = todo.pop();
      if (typeof k === 'string') out.push(k);
      else if (Array.isArray(k)) for (let i = k.length - 1; i >= (k[0] === 'a' ? 2 : 1); i--) todo.push(k[i]);
    }
    return b.text(out.join(''));
  };
  const inline = (n: unknown, depth: number): N[] => {
    if (typeof n === 'string') return [b.text(n)];
    if (!Array.isArray(n)) return [];
    if (depth > MAX_BUILD_DEPTH) return [textOf(n)];
    const rest = (from: number) => n.slice(from).flatMap((k) => inline(k, depth + 1));
    switch (n[0]) {
      case 'br':
        return [b.element('br', {}, [])];
      case 'code':
        return typeof n[1] === 'string' ? [b.element('code', {}, [b.text(n[1])])] : [];
      case 'em':
      case 'strong':
        return [b.element(n[0], {}, rest(1))];
      case 'a': {
        const href = typeof n[1] === 'string' ? safeHref(n[1]) : null;
        return href ? [b.element('a', { href, rel: LINK_REL, target: '_blank' }, rest(2))] : rest(2);
      }
      default:
        return [];
    }
  };
  const items = (list: unknown[], depth: number): N[] =>
    list.flatMap((li) =>
      Array.isArray(li) && li[0] === 'li'
        ? [
            b.element(
              'li',
              {},
              li.slice(1).flatMap((k) => block(k, depth + 1)),
            ),
          ]
        : [],
    );
  const block = (n: unknown, depth: number): N[] => {
    if (!Array.isArray(n)) return [];
    if (depth > MAX_BUILD_DEPTH) return [b.element('p', {}, [textOf(n)])];
    switch (n[0]) {
      case 'p':
        return [
          b.element(
            'p',
            {},
            n.slice(1).flatMap((k) => inline(k, depth + 1)),
          ),
        ];
      case 'pre':
        return typeof n[1] === 'string' ? [b.element('pre', {}, [b.element('code', {}, [b.text(n[1])])])] : [];
      case 'blockquote':
        return [
          b.element(
            'blockquote',
            {},
            n.slice(1).flatMap((k) => block(k, depth + 1)),
          ),
        ];
      case 'ul':
        return [b.element('ul', {}, items(n.slice(1), depth))];
      case 'ol': {
        const start: Record<string, string> =
          typeof n[1] === 'number' && Number.isSafeInteger(n[1]) && n[1] !== 1 ? { start: String(n[1]) } : {};
        return [b.element('ol', start, items(n.slice(2), depth))];
      }
      default:
        return [];
    }
  };
  return Array.isArray(doc) ? doc.flatMap((n) => block(n, 0)) : [];
}

/** A body longer than this many lines (estimated) is shown collapsed, behind "Show more". */
export const COLLAPSE_LINES = 12;
/** Characters of a line of a comment, for the estimate (a column of the widget is about 70–90). */
const LINE_CHARS = 80;

/**
 * Whether a comment's body is long enough to collapse: one rule for the widget and thread.html,
 * from the document alone (so the page a server includes and the widget agree before layout).
 */
export function isLongDoc(doc: Doc | null | undefined): boolean {
  if (!Array.isArray(doc)) return false;
  let lines = 0;
  try {
    for (const [i, block] of doc.entries()) {
      if (i > 0) lines++; // the gap between paragraphs
      for (const line of docText([block]).split('\n')) lines += Math.max(1, Math.ceil(line.length / LINE_CHARS));
      if (lines > COLLAPSE_LINES) return true;
    }
  } catch {
    return false; // not a document of ours
  }
  return false;
}
