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
