/**
 * A comment's document (shared/markdown.ts) as DOM: the elements buildDoc allows, made with
 * createElement and text nodes. No HTML is ever parsed, so no text of a comment can become markup.
 */
import { buildDoc, type Block, type Doc, type DocBuilder, type Inline } from '../../shared/markdown.js';

const dom: DocBuilder<Node> = {
  element(tag, attrs, children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    el.append(...children);
    return el;
  },
  text: (text) => document.createTextNode(text),
};

/** The nodes of a document (anything that is not one is dropped). */
export function docNodes(doc: unknown): Node[] {
  return buildDoc(doc, dom);
}

/**
 * Text shown as it was typed, before the server has rendered it (a post on its way): paragraphs
 * at blank lines, line breaks kept, no formatting.
 */
export function plainDoc(text: string): Doc {
  return text
    .split(/\n\s*\n/)
    .filter((p) => p.trim() !== '')
    .map((p): Block => ['p', ...p.split('\n').flatMap((line, i): Inline[] => (i === 0 ? [line] : [['br'], line]))]);
}
