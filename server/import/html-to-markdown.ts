/**
 * HTML bodies (Disqus messages, WordPress comments, Remark42 texts) to the comment format: the
 * Markdown subset of PROTOCOL.md §5, never HTML.
 *
 * htmlparser2's tokenizer feeds a small builder that makes the safe document of shared/markdown.ts
 * directly (paragraphs, line breaks, emphasis, strong, inline code, code blocks, quotes, lists,
 * links), and markdown-writer.ts writes it as Markdown that reads back as that same document. So the
 * conversion can only produce what a posted comment could show:
 * - links only for http, https and mailto (else their text), and bare http(s) URLs in text become
 *   links, as they would in a posted comment;
 * - images become their alt text, or their URL when they have none;
 * - scripts, styles, frames, SVG and the like are dropped with their content;
 * - headings become strong paragraphs, tables one paragraph per row, every other tag its text;
 * - entities are decoded once: `&amp;lt;` is the text `&lt;`, and stays so.
 */
import { Parser } from 'htmlparser2';
import { safeHref, type Block, type Doc, type Inline, type ListItem } from '../../shared/markdown.js';
import { capMarkRuns } from '../../shared/text.js';
import { verifiedMarkdown } from './markdown-writer.js';

export interface HtmlOptions {
  /**
   * `html`: newlines are white space, as browsers show HTML (Disqus, Remark42). `text`: a blank
   * line starts a paragraph and a newline is a line break, as WordPress shows comments (its
   * `wpautop`), with tags mixed in.
   */
  newlines?: 'html' | 'text';
}

export interface Converted {
  markdown: string;
  /** What the Markdown renders to. */
  doc: Doc;
  /** Some block could not be written with its styling and was kept as plain text. */
  fellBack: boolean;
}

/** The Markdown of an HTML body (empty when nothing visible is left). */
export function htmlToMarkdown(html: string, options: HtmlOptions = {}): Converted {
  const doc = htmlToDoc(html, options);
  if (doc.length === 0) return { markdown: '', doc, fellBack: false };
  return verifiedMarkdown(doc);
}

/** The text of an HTML fragment, entities decoded and tags dropped (names, titles, links of exports). */
export function htmlText(html: string): string {
  if (!/[<&]/.test(html)) return html;
  let out = '';
  const parser = new Parser({ ontext: (t) => (out += t) }, { decodeEntities: true });
  // Only entities are wanted: a `<` in a name is text, not a tag.
  parser.write(html.replace(/</g, '&lt;'));
  parser.end();
  return out;
}

/** Contents dropped entirely. */
const DROP = new Set(['script', 'style', 'template', 'iframe', 'object', 'embed', 'svg', 'math', 'noscript', 'head', 'title', 'select']);
/** Tags that end a paragraph (and start another). */
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'main',
  'aside',
  'nav',
  'address',
  'hr',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'caption',
  'dl',
  'dt',
  'dd',
  'figure',
  'figcaption',
  'details',
  'summary',
  'center',
  'form',
  'fieldset',
  'legend',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
]);
/** Inline code; nested ones are one. */
const CODE = new Set(['code', 'kbd', 'samp', 'tt']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Deeper quotes and lists are flattened: renderMarkdown shows past 20 levels as text, and nobody reads 8. */
const MAX_DEPTH = 8;
/** Bare http(s) URLs in text, as a posted comment's `https://…` becomes a link. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;

type Style = { tag: 'em' | 'strong' } | { tag: 'a'; href: string };

interface Container {
  tag: 'root' | 'blockquote' | 'li';
  blocks: Block[];
}
interface ListFrame {
  tag: 'ul' | 'ol';
  start: number;
  items: ListItem[];
  /** Opened for an `<li>` outside any list: ends at the first content that is not an item. */
  implicit?: boolean;
}
type Frame = Container | ListFrame;

/** The document of an HTML fragment, normalized (what renderMarkdown would make of its Markdown). */
export function htmlToDoc(html: string, options: HtmlOptions = {}): Doc {
  const b = new DocBuilder(options.newlines ?? 'html');
  const parser = new Parser(
    {
      onopentag: (name, attrs) => b.open(name, attrs),
      onclosetag: (name) => b.close(name),
      ontext: (text) => b.text(text),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return normalizeBlocks(b.finish(), 0);
}

class DocBuilder {
  private readonly stack: Frame[] = [{ tag: 'root', blocks: [] }];
  /** The paragraph being built: a stack of inline frames, the paragraph's own content first. */
  private para: { tag: 'p' | Style['tag']; href?: string; kids: Inline[] }[] | null = null;
  /** Styles opened by tags still open, reapplied to each new paragraph. */
  private styles: (Style | null)[] = [];
  private pending = '';
  private dropDepth = 0;
  private preDepth = 0;
  private preText = '';
  private codeDepth = 0;
  private codeText = '';
  private headingDepth = 0;

  constructor(private readonly newlines: 'html' | 'text') {}

  open(name: string, attrs: Record<string, string>): void {
    if (this.dropDepth > 0 || DROP.has(name)) {
      if (DROP.has(name)) this.dropDepth++;
      return;
    }
    if (this.preDepth > 0) {
      if (name === 'pre') this.preDepth++;
      else if (name === 'br') this.preText += '\n';
      return;
    }
    if (this.codeDepth > 0) {
      if (CODE.has(name)) this.codeDepth++;
      return;
    }
    this.flushText();
    switch (name) {
      case 'br':
        this.inline(['br']);
        return;
      case 'img': {
        const alt = (attrs.alt ?? '').trim();
        const src = safeHref((attrs.src ?? '').trim());
        if (alt) this.addText(` ${alt} `);
        else if (src && /^https?:/.test(src)) this.inline(['a', src, src]);
        return;
      }
      case 'b':
      case 'strong':
        this.styles.push({ tag: 'strong' });
        this.pushStyleFrame();
        return;
      case 'i':
      case 'em':
      case 'cite':
      case 'dfn':
        this.styles.push({ tag: 'em' });
        this.pushStyleFrame();
        return;
      case 'a': {
        const href = safeHref((attrs.href ?? '').trim());
        // A link in a link is its text; a link that is not http(s) or mailto is its text.
        this.styles.push(href && !this.styles.some((s) => s?.tag === 'a') ? { tag: 'a', href } : null);
        this.pushStyleFrame();
        return;
      }
      case 'code':
      case 'kbd':
      case 'samp':
      case 'tt':
        this.codeDepth = 1;
        this.codeText = '';
        return;
      case 'pre':
        this.endParagraph();
        this.preDepth = 1;
        this.preText = '';
        return;
      case 'blockquote':
        this.endParagraph();
        this.stack.push({ tag: 'blockquote', blocks: [] });
        return;
      case 'ul':
      case 'ol': {
        this.endParagraph();
        const start = Number.parseInt(attrs.start ?? '1', 10);
        this.stack.push({ tag: name, start: Number.isFinite(start) && start > 0 && start < 1e9 ? start : 1, items: [] });
        return;
      }
      case 'li':
        this.endParagraph();
        if (this.top().tag === 'li') this.closeFrame();
        if (this.top().tag !== 'ul' && this.top().tag !== 'ol') this.stack.push({ tag: 'ul', start: 1, items: [], implicit: true });
        this.stack.push({ tag: 'li', blocks: [] });
        return;
      case 'td':
      case 'th':
        this.addText(' ');
        return;
      default:
        if (BLOCKS.has(name)) {
          this.endParagraph();
          if (HEADINGS.has(name)) {
            this.headingDepth++;
            this.styles.push({ tag: 'strong' });
          }
        }
    }
  }

  close(name: string): void {
    if (this.dropDepth > 0) {
      if (DROP.has(name)) this.dropDepth--;
      return;
    }
    if (this.preDepth > 0) {
      if (name === 'pre' && --this.preDepth === 0) {
        const text = this.preText
          .replace(/^\r?\n/, '')
          .replace(/\r\n?/g, '\n')
          .replace(/\n+$/, '');
        if (text.trim()) this.block(['pre', text]);
      }
      return;
    }
    if (this.codeDepth > 0) {
      if (CODE.has(name) && --this.codeDepth === 0) {
        const text = this.codeText.replace(/\s+/g, ' ');
        if (text.trim()) this.inline(['code', text]);
        else this.addText(' ');
      }
      return;
    }
    this.flushText();
    switch (name) {
      case 'b':
      case 'strong':
      case 'i':
      case 'em':
      case 'cite':
      case 'dfn':
      case 'a':
        this.popStyle();
        return;
      case 'blockquote':
        this.endParagraph();
        this.closeUpTo('blockquote');
        return;
      case 'ul':
      case 'ol':
        this.endParagraph();
        this.closeUpTo(name);
        return;
      case 'li':
        this.endParagraph();
        if (this.top().tag === 'li') this.closeFrame();
        return;
      case 'td':
      case 'th':
        this.addText(' ');
        return;
      default:
        if (BLOCKS.has(name)) {
          this.endParagraph();
          if (HEADINGS.has(name) && this.headingDepth > 0) {
            this.headingDepth--;
            this.popStyle();
          }
        }
    }
  }

  text(raw: string): void {
    if (this.dropDepth > 0) return;
    if (this.preDepth > 0) this.preText += raw;
    else if (this.codeDepth > 0) this.codeText += raw;
    // htmlparser2 may split one text node (at entities): links are found in the whole of it.
    else this.pending += raw;
  }

  finish(): Block[] {
    this.flushText();
    if (this.preDepth > 0) {
      this.preDepth = 1;
      this.close('pre');
    }
    if (this.codeDepth > 0) {
      this.codeDepth = 1;
      this.close('code');
    }
    this.endParagraph();
    while (this.stack.length > 1) this.closeFrame();
    return (this.stack[0] as Container).blocks;
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private flushText(): void {
    if (!this.pending) return;
    let text = cleanHtmlText(this.pending);
    this.pending = '';
    if (this.newlines === 'text') {
      // WordPress: a blank line is a new paragraph, a newline a line break.
      const paras = text.split(/[ \t]*\n[ \t]*\n\s*/);
      paras.forEach((para, i) => {
        if (i > 0) this.endParagraph();
        para.split(/[ \t]*\n[ \t]*/).forEach((line, j) => {
          if (j > 0) this.inline(['br']);
          this.addLinkified(line.replace(/[ \t\f\r]+/g, ' '));
        });
      });
      return;
    }
    text = text.replace(/[ \t\n\f\r]+/g, ' ');
    this.addLinkified(text);
  }

  private addLinkified(text: string): void {
    if (!text) return;
    if (this.styles.some((s) => s?.tag === 'a')) {
      this.addText(text);
      return;
    }
    let last = 0;
    for (const m of text.matchAll(URL_IN_TEXT)) {
      const url = trimUrl(m[0]);
      const href = safeHref(url);
      if (!href) continue;
      this.addText(text.slice(last, m.index));
      this.inline(['a', href, url]);
      last = m.index + url.length;
    }
    this.addText(text.slice(last));
  }

  private addText(text: string): void {
    if (!text) return;
    if (!this.para && !text.trim()) return;
    this.inline(text);
  }

  /** Adds inline content to the current paragraph, opening one (with the open styles) if needed. */
  private inline(node: Inline): void {
    if (!this.para) {
      if (Array.isArray(node) && node[0] === 'br') return;
      this.para = [{ tag: 'p', kids: [] }];
      for (const s of this.styles) if (s) this.para.push(s.tag === 'a' ? { tag: 'a', href: s.href, kids: [] } : { tag: s.tag, kids: [] });
    }
    this.para[this.para.length - 1]!.kids.push(node);
  }

  private pushStyleFrame(): void {
    const s = this.styles[this.styles.length - 1];
    if (this.para && s) this.para.push(s.tag === 'a' ? { tag: 'a', href: s.href, kids: [] } : { tag: s.tag, kids: [] });
  }

  private popStyle(): void {
    const s = this.styles.pop();
    if (!s || !this.para) return;
    const frame = this.para.pop()!;
    this.para[this.para.length - 1]!.kids.push(styleNode(frame));
  }

  private endParagraph(): void {
    if (!this.para) return;
    while (this.para.length > 1) {
      const frame = this.para.pop()!;
      this.para[this.para.length - 1]!.kids.push(styleNode(frame));
    }
    const p = this.para[0]!;
    this.para = null;
    this.block(['p', ...p.kids]);
  }

  private block(block: Block): void {
    let top = this.top();
    if ((top.tag === 'ul' || top.tag === 'ol') && top.implicit) {
      this.closeFrame();
      top = this.top();
    }
    if (top.tag === 'ul' || top.tag === 'ol') {
      // Text or a block right in a list (no <li>): an item of its own.
      this.stack.push({ tag: 'li', blocks: [] });
      top = this.top();
    }
    (top as Container).blocks.push(block);
  }

  private closeUpTo(tag: 'blockquote' | 'ul' | 'ol'): void {
    if (!this.stack.some((f) => f.tag === tag)) return;
    while (this.stack.length > 1) {
      const closing = this.top().tag;
      this.closeFrame();
      if (closing === tag) return;
    }
  }

  private closeFrame(): void {
    const frame = this.stack.pop()!;
    const parent = this.top();
    if (frame.tag === 'li') {
      if (parent.tag === 'ul' || parent.tag === 'ol') parent.items.push(['li', ...frame.blocks]);
      else (parent as Container).blocks.push(...frame.blocks);
      return;
    }
    const block: Block =
      frame.tag === 'blockquote'
        ? ['blockquote', ...frame.blocks]
        : frame.tag === 'ul'
          ? ['ul', ...frame.items]
          : frame.tag === 'ol'
            ? ['ol', frame.start, ...frame.items]
            : ['p'];
    // A list right in a list (no <li> around it): an item of its own.
    if (parent.tag === 'ul' || parent.tag === 'ol') parent.items.push(['li', block]);
    else (parent as Container).blocks.push(block);
  }
}

/** A closed style frame as an inline node (the paragraph's own frame is never one). */
function styleNode(frame: { tag: 'p' | Style['tag']; href?: string; kids: Inline[] }): Inline {
  if (frame.tag === 'a') return ['a', frame.href!, ...frame.kids];
  if (frame.tag === 'p') throw new Error('a paragraph is not a style');
  return [frame.tag, ...frame.kids];
}

/**
 * Text as cleanText would leave it, applied to each piece so that the document built from them is
 * the one its cleaned Markdown renders to: well-formed, no control characters but newline and tab,
 * no-break spaces as spaces (HTML uses them for layout; Markdown would keep them as text), NFC,
 * runs of marks capped.
 */
function cleanHtmlText(text: string): string {
  return capMarkRuns(
    text
      .toWellFormed()
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, '')
      .replace(/\u00A0/g, ' ')
      .normalize('NFC'),
  );
}

/** A URL without the punctuation that ends the sentence around it, and without an unmatched `)`. */
function trimUrl(url: string): string {
  let u = url.replace(/[.,;:!?'")\]*_~]+$/, (tail) => {
    // Keep closing parentheses that close one in the URL (Wikipedia links).
    let keep = '';
    const opens = (url.match(/\(/g) ?? []).length;
    let closes = (url.slice(0, url.length - tail.length).match(/\)/g) ?? []).length;
    for (const c of tail) {
      if (c === ')' && closes < opens) {
        keep += c;
        closes++;
      } else break;
    }
    return keep;
  });
  if (u.endsWith('://')) u = '';
  return u;
}

// ---------------------------------------------------------------------------------------------
// Normalization: the document as renderMarkdown would give it back for the Markdown we write.

function normalizeBlocks(blocks: Block[], depth: number): Block[] {
  const out: Block[] = [];
  for (const block of blocks) {
    switch (block[0]) {
      case 'p':
        for (const p of splitParagraph(normalizeInlines(block.slice(1) as Inline[]))) out.push(['p', ...p]);
        break;
      case 'pre':
        if (block[1].trim()) out.push(['pre', block[1]]);
        break;
      case 'blockquote': {
        const inner = normalizeBlocks(block.slice(1) as Block[], depth + 1);
        if (inner.length === 0) break;
        if (depth >= MAX_DEPTH) out.push(...inner);
        else out.push(['blockquote', ...inner]);
        break;
      }
      case 'ul':
      case 'ol': {
        const items = (block[0] === 'ul' ? block.slice(1) : block.slice(2)) as ListItem[];
        const kept: ListItem[] = [];
        for (const li of items) {
          const inner = normalizeBlocks(li.slice(1) as Block[], depth + 1);
          if (inner.length > 0) kept.push(['li', ...inner]);
        }
        if (kept.length === 0) break;
        if (depth >= MAX_DEPTH) out.push(...kept.flatMap((li) => li.slice(1) as Block[]));
        else out.push(block[0] === 'ul' ? ['ul', ...kept] : ['ol', block[1], ...kept]);
        break;
      }
    }
  }
  // Adjacent paragraphs stay apart; nothing else merges.
  return out;
}

/** Splits at two line breaks in a row (a blank line in Markdown) and trims each paragraph. */
function splitParagraph(nodes: Inline[]): Inline[][] {
  const paras: Inline[][] = [];
  let cur: Inline[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (isBr(n) && isBr(nodes[i + 1])) {
      paras.push(cur);
      cur = [];
      while (isBr(nodes[i + 1])) i++;
      continue;
    }
    cur.push(n);
  }
  paras.push(cur);
  return paras.map(trimEdges).filter((p) => p.length > 0);
}

const isBr = (n: Inline | undefined): boolean => Array.isArray(n) && n[0] === 'br';

/** Drops breaks and white space at the start and end of a paragraph. */
function trimEdges(nodes: Inline[]): Inline[] {
  const out = [...nodes];
  while (out.length && (isBr(out[0]) || (typeof out[0] === 'string' && !out[0].trim()))) out.shift();
  while (out.length && (isBr(out[out.length - 1]) || (typeof out[out.length - 1] === 'string' && !(out[out.length - 1] as string).trim())))
    out.pop();
  if (typeof out[0] === 'string') out[0] = out[0].replace(/^[ \t]+/, '');
  const last = out.length - 1;
  if (typeof out[last] === 'string') out[last] = (out[last] as string).replace(/[ \t]+$/, '');
  return mergeText(out.filter((n) => n !== ''));
}

/**
 * Inline content as Markdown can say it: no empty or whitespace-edged emphasis (`** a**` is not
 * strong), nothing nested in itself, adjacent text merged, single spaces, none around a break.
 */
function normalizeInlines(nodes: Inline[], inside: Set<string> = new Set()): Inline[] {
  const flat: Inline[] = [];
  for (const n of nodes) {
    if (typeof n === 'string') {
      flat.push(n);
      continue;
    }
    switch (n[0]) {
      case 'br':
        flat.push(n);
        break;
      case 'code':
        flat.push(n);
        break;
      case 'em':
      case 'strong':
      case 'a': {
        const kind = n[0];
        const kids = normalizeInlines((kind === 'a' ? n.slice(2) : n.slice(1)) as Inline[], new Set([...inside, kind]));
        // The same style inside itself adds nothing (and `**` would read as strong).
        if (inside.has(kind)) {
          flat.push(...kids);
          break;
        }
        // White space at the edges moves outside, where emphasis can open and close around it.
        const lead: Inline[] = [];
        const trail: Inline[] = [];
        while (kids.length && (isBr(kids[0]) || (typeof kids[0] === 'string' && /^\s/.test(kids[0])))) {
          const k = kids[0]!;
          if (typeof k === 'string') {
            const t = k.replace(/^\s+/, '');
            lead.push(' ');
            if (t) kids[0] = t;
            else kids.shift();
          } else lead.push(kids.shift()!);
        }
        while (
          kids.length &&
          (isBr(kids[kids.length - 1]) || (typeof kids[kids.length - 1] === 'string' && /\s$/.test(kids[kids.length - 1] as string)))
        ) {
          const k = kids[kids.length - 1]!;
          if (typeof k === 'string') {
            const t = k.replace(/\s+$/, '');
            trail.unshift(' ');
            if (t) kids[kids.length - 1] = t;
            else kids.pop();
          } else trail.unshift(kids.pop()!);
        }
        flat.push(...lead);
        if (kids.length) flat.push(kind === 'a' ? ['a', n[1] as string, ...kids] : [kind, ...kids]);
        flat.push(...trail);
        break;
      }
    }
  }
  // Adjacent text merges, runs of spaces collapse, spaces around breaks go.
  const merged = mergeText(flat);
  const out: Inline[] = [];
  for (let i = 0; i < merged.length; i++) {
    let n = merged[i]!;
    if (typeof n === 'string') {
      n = n.replace(/ {2,}/g, ' ');
      if (isBr(merged[i + 1])) n = n.replace(/[ \t]+$/, '');
      if (isBr(merged[i - 1])) n = n.replace(/^[ \t]+/, '');
      // A space before styled text that itself ends in one (`a ` + ` b` across a tag).
      const prev = out[out.length - 1];
      if (n.startsWith(' ') && endsWithSpace(prev)) n = n.slice(1);
      if (!n) continue;
    } else if (n[0] === 'em' || n[0] === 'strong') {
      // `*a**b*` would not read back: adjacent emphasis of one kind is one.
      const prev = out[out.length - 1];
      if (Array.isArray(prev) && prev[0] === n[0]) {
        out[out.length - 1] = [n[0], ...mergeText([...(prev.slice(1) as Inline[]), ...(n.slice(1) as Inline[])])] as Inline;
        continue;
      }
    }
    out.push(n);
  }
  return out;
}

function endsWithSpace(n: Inline | undefined): boolean {
  if (n === undefined) return false;
  if (typeof n === 'string') return /\s$/.test(n);
  return false;
}

function mergeText(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const n of nodes) {
    const last = out[out.length - 1];
    if (typeof n === 'string' && typeof last === 'string') out[out.length - 1] = last + n;
    else if (n !== '') out.push(n);
  }
  return out;
}
