/**
 * The Markdown of a document (shared/markdown.ts): what `renderMarkdown` reads back as the same
 * document. Imports build a document from HTML and store this Markdown, so that an imported body
 * is what an author could have typed, and renders exactly to what the HTML showed.
 *
 * The writer escapes what Markdown would read as markup and nothing else, so bodies stay readable
 * in the edit box. Where its output would not read back as the same document (emphasis that
 * CommonMark's flanking rules refuse, say), `verifiedMarkdown` falls back to escaping everything:
 * the text survives, the styling does not.
 */
import type { Block, Doc, Inline, ListItem } from '../../shared/markdown.js';
import { renderMarkdown } from '../core/markdown.js';

/** The Markdown of `doc`, written to read back as `doc` (callers verify: see {@link verifiedMarkdown}). */
export function docToMarkdown(doc: Doc): string {
  return writeBlocks(doc);
}

/**
 * Markdown that renders to `doc`, checked by rendering it: each top-level block that does not read
 * back as itself is written as escaped plain text instead. Returns the Markdown and the document it
 * renders to (equal to `doc` unless a block fell back).
 */
export function verifiedMarkdown(doc: Doc): { markdown: string; doc: Doc; fellBack: boolean } {
  const markdown = docToMarkdown(doc);
  if (sameDoc(renderMarkdown(markdown), doc)) return { markdown, doc, fellBack: false };
  const blocks = doc.map((block) => (sameDoc(renderMarkdown(docToMarkdown([block])), [block]) ? block : null));
  const parts = blocks.map((block, i) => (block ? docToMarkdown([block]) : plainTextMarkdown(blockText(doc[i]!))));
  // Blocks are written with separators that keep them apart (alternating list markers), so each
  // part on its own may differ from the part in context: join with the writer's own separators.
  const joined = joinBlocks(doc.map((block, i) => ({ block: blocks[i] ? block : null, text: parts[i]! })));
  return { markdown: joined, doc: JSON.parse(JSON.stringify(renderMarkdown(joined), dropEmpty)) as Doc, fellBack: true };
}

/**
 * Text as Markdown that renders to exactly that text: every ASCII punctuation escaped, blank lines
 * as paragraph breaks, other line breaks as breaks. For the fallback, and for sources whose bodies
 * are plain text.
 */
export function plainTextMarkdown(text: string): string {
  return text
    .split(/\n[ \t]*\n+/)
    .map((para) =>
      para
        .split('\n')
        .map((line) => line.trim().replace(/[!-/:-@[-`{-~]/g, '\\$&'))
        .filter((line) => line !== '')
        .join('\n'),
    )
    .filter((para) => para !== '')
    .join('\n\n');
}

/**
 * Equal documents, ignoring empty text nodes (renderMarkdown keeps the empty text markdown-it leaves
 * next to emphasis delimiters; they render as nothing).
 */
export function sameDoc(a: Doc, b: Doc): boolean {
  return JSON.stringify(a, dropEmpty) === JSON.stringify(b, dropEmpty);
}

function dropEmpty(_key: string, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const out: unknown[] = [];
  for (const v of value) {
    if (v === '') continue;
    const last = out[out.length - 1];
    if (typeof v === 'string' && typeof last === 'string' && out.length > 1) out[out.length - 1] = last + v;
    else out.push(v);
  }
  return out;
}

function writeBlocks(blocks: Block[]): string {
  return joinBlocks(blocks.map((block) => ({ block, text: '' })));
}

/**
 * Blocks separated by blank lines. Two lists in a row would merge into one, so a list after a list
 * of the same kind switches its marker (`-`/`*`, `.`/`)`), which CommonMark reads as a new list.
 */
function joinBlocks(parts: { block: Block | null; text: string }[]): string {
  const out: string[] = [];
  let prev: Block | null = null;
  let alt = false;
  for (const { block, text } of parts) {
    if (block && prev && (block[0] === 'ul' || block[0] === 'ol') && prev[0] === block[0]) alt = !alt;
    else alt = false;
    out.push(block ? writeBlock(block, alt) : text);
    prev = block;
  }
  return out.filter((s) => s !== '').join('\n\n');
}

function writeBlock(block: Block, alt: boolean): string {
  switch (block[0]) {
    case 'p':
      return writeInlines(block.slice(1) as Inline[]);
    case 'pre': {
      const text = block[1];
      const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
      const fence = '`'.repeat(Math.max(3, longest + 1));
      return `${fence}\n${text}\n${fence}`;
    }
    case 'blockquote':
      return writeBlocks(block.slice(1) as Block[])
        .split('\n')
        .map((line) => (line === '' ? '>' : `> ${line}`))
        .join('\n');
    case 'ul':
      return (block.slice(1) as ListItem[]).map((li) => writeItem(li, alt ? '*' : '-')).join('\n');
    case 'ol': {
      const start = block[1];
      const delim = alt ? ')' : '.';
      return (block.slice(2) as ListItem[]).map((li, i) => writeItem(li, `${start + i}${delim}`)).join('\n');
    }
  }
}

/** An item: the marker, then its blocks indented to the item's content column. */
function writeItem(li: ListItem, marker: string): string {
  const body = writeBlocks(li.slice(1) as Block[]);
  const pad = ' '.repeat(marker.length + 1);
  return body
    .split('\n')
    .map((line, i) => (i === 0 ? `${marker} ${line}` : line === '' ? '' : pad + line))
    .join('\n');
}

function writeInlines(nodes: Inline[]): string {
  const state = { lineStart: true };
  return nodes.map((n, i) => writeInline(n, state, nodes[i - 1], nodes[i + 1])).join('');
}

function writeInline(node: Inline, state: { lineStart: boolean }, before: Inline | undefined, after: Inline | undefined): string {
  if (typeof node === 'string') {
    const out = escapeText(node, state.lineStart, before, after);
    if (out) state.lineStart = false;
    return out;
  }
  switch (node[0]) {
    case 'br':
      state.lineStart = true;
      return '\n';
    case 'code': {
      state.lineStart = false;
      return writeCode(node[1]);
    }
    case 'em':
    case 'strong': {
      const mark = node[0] === 'em' ? '*' : '**';
      const kids = node.slice(1) as Inline[];
      // A marker at the start of a line is not a list marker: `*` + text, never `* ` (no space inside).
      state.lineStart = false;
      return mark + kids.map((k, i) => writeInline(k, state, kids[i - 1], kids[i + 1])).join('') + mark;
    }
    case 'a': {
      const kids = node.slice(2) as Inline[];
      state.lineStart = false;
      const text = kids.map((k, i) => writeInline(k, state, kids[i - 1], kids[i + 1])).join('');
      return `[${text}](<${node[1].replace(/[<>\\\s]/g, (c) => encodeURIComponent(c))}>)`;
    }
  }
}

/** Inline code: a backtick run longer than any inside, padded when the text starts or ends with one or a space. */
function writeCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return ticks + pad + text + pad + ticks;
}

const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Escapes what Markdown reads as markup: always `\`, `` ` ``, `*`, `[`, `]`, `<` and an `&` that
 * starts an entity; `_` unless inside a word (where it cannot be emphasis); and at the start of a
 * line what would open a block: `>`, a list marker, a fence.
 */
function escapeText(text: string, lineStart: boolean, before: Inline | undefined, after: Inline | undefined): string {
  let out = text.replace(/[\\`*[\]<]/g, '\\$&').replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
  out = out.replace(/_/g, (_m, offset: number, whole: string) => {
    const prev = offset > 0 ? whole[offset - 1]! : typeof before === 'string' ? before.slice(-1) : '';
    const next = offset + 1 < whole.length ? whole[offset + 1]! : typeof after === 'string' ? after[0] : '';
    return prev && next && ALNUM.test(prev) && ALNUM.test(next) ? '_' : '\\_';
  });
  if (lineStart) out = escapeLineStart(out);
  return out;
}

function escapeLineStart(line: string): string {
  if (/^>/.test(line)) return '\\' + line;
  if (/^[-+](?:[ \t]|$)/.test(line)) return '\\' + line;
  if (/^~~~/.test(line)) return '\\' + line;
  const ordered = /^(\d{1,9})([.)])(?=[ \t]|$)/.exec(line);
  if (ordered) return ordered[1] + '\\' + line.slice(ordered[1]!.length);
  return line;
}

/** The plain text of one block, with line breaks: what the fallback escapes. */
function blockText(block: Block): string {
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
  switch (block[0]) {
    case 'p':
      return (block.slice(1) as Inline[]).map(inline).join('');
    case 'pre':
      return block[1];
    case 'blockquote':
      return (block.slice(1) as Block[]).map(blockText).join('\n\n');
    case 'ul':
      return (block.slice(1) as ListItem[]).map((li) => (li.slice(1) as Block[]).map(blockText).join('\n\n')).join('\n\n');
    case 'ol':
      return (block.slice(2) as ListItem[]).map((li) => (li.slice(1) as Block[]).map(blockText).join('\n\n')).join('\n\n');
  }
}
