/**
 * Markdown to the document every renderer shares (shared/markdown.ts). markdown-it with HTML off
 * and only the subset of PROTOCOL.md §5 enabled: emphasis, strong, inline code and code blocks,
 * block quotes, lists, links (http, https, mailto; bare URLs too) and line breaks. No HTML, no
 * images, no headings, no tables: what they would be stays text.
 */
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it/index.js';
import { safeHref, type Block, type Doc, type Inline, type ListItem } from '../../shared/markdown.js';

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true }).enable([
  'paragraph',
  'newline',
  'escape',
  'entity',
  'emphasis',
  'backticks',
  'code',
  'fence',
  'blockquote',
  'list',
  'link',
  'autolink',
  'linkify',
]);
// A link that is not http(s) or mailto is not a link: `[x](javascript:…)` stays text.
md.validateLink = (url: string) => safeHref(url.trim()) !== null;
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
// Quotes in quotes in lists…: deep nesting renders as text past 20 levels (and every renderer recurses).
(md.options as { maxNesting: number }).maxNesting = 20;

/** The document of a comment's Markdown. */
export function renderMarkdown(source: string): Doc {
  const tokens = md.parse(source, {});
  const [doc] = blocks(tokens, 0, null);
  return doc;
}

/** Blocks from `tokens[i]` until the `close` token (or the end); returns them and the next index. */
function blocks(tokens: Token[], i: number, close: string | null): [Block[], number] {
  const out: Block[] = [];
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (close && t.type === close) return [out, i + 1];
    switch (t.type) {
      case 'paragraph_open': {
        const inline = tokens[i + 1];
        out.push(['p', ...inlines(inline?.children ?? [])]);
        i += 3; // paragraph_open, inline, paragraph_close
        continue;
      }
      case 'fence':
      case 'code_block':
        out.push(['pre', t.content.replace(/\n$/, '')]);
        i++;
        continue;
      case 'blockquote_open': {
        const [inner, next] = blocks(tokens, i + 1, 'blockquote_close');
        out.push(['blockquote', ...inner]);
        i = next;
        continue;
      }
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const ordered = t.type === 'ordered_list_open';
        const [items, next] = listItems(tokens, i + 1, ordered ? 'ordered_list_close' : 'bullet_list_close');
        out.push(ordered ? ['ol', Number(t.attrGet('start') ?? 1) || 1, ...items] : ['ul', ...items]);
        i = next;
        continue;
      }
      default:
        i++;
    }
  }
  return [out, i];
}

function listItems(tokens: Token[], i: number, close: string): [ListItem[], number] {
  const items: ListItem[] = [];
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.type === close) return [items, i + 1];
    if (t.type === 'list_item_open') {
      const [inner, next] = blocks(tokens, i + 1, 'list_item_close');
      items.push(['li', ...inner]);
      i = next;
    } else i++;
  }
  return [items, i];
}

/** Inline content; a link whose href fails the check again is kept as its text. */
function inlines(children: Token[]): Inline[] {
  interface Frame {
    tag: 'root' | 'em' | 'strong' | 'a';
    href: string | null;
    children: Inline[];
  }
  const stack: Frame[] = [{ tag: 'root', href: null, children: [] }];
  const top = () => stack[stack.length - 1]!;
  const push = (n: Inline) => {
    // Adjacent text merges: markdown-it splits text at every character that could be markup.
    const list = top().children;
    const last = list[list.length - 1];
    if (typeof n === 'string' && typeof last === 'string') list[list.length - 1] = last + n;
    else list.push(n);
  };
  const close = () => {
    if (stack.length === 1) return;
    const f = stack.pop()!;
    if (f.tag === 'a') {
      if (f.href) push(['a', f.href, ...f.children]);
      else for (const n of f.children) push(n);
    } else if (f.tag !== 'root') push([f.tag, ...f.children]);
  };
  for (const t of children) {
    switch (t.type) {
      case 'text':
        push(t.content);
        break;
      case 'softbreak':
      case 'hardbreak':
        push(['br']);
        break;
      case 'code_inline':
        push(['code', t.content]);
        break;
      case 'em_open':
      case 'strong_open':
        stack.push({ tag: t.type === 'em_open' ? 'em' : 'strong', href: null, children: [] });
        break;
      case 'link_open':
        stack.push({ tag: 'a', href: safeHref(t.attrGet('href') ?? ''), children: [] });
        break;
      case 'em_close':
      case 'strong_close':
      case 'link_close':
        close();
        break;
      default:
        // Whatever else the enabled rules make carries its text in `content`.
        if (t.content) push(t.content);
    }
  }
  while (stack.length > 1) close();
  return stack[0]!.children;
}

/**
 * The same Markdown as HTML, for files that leave livethread (the WordPress export): markdown-it
 * with HTML off escapes what the text holds, and only safe links become links.
 */
export function markdownToHtml(source: string): string {
  return md.render(source);
}
