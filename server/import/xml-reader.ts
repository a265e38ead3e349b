/**
 * Streaming XML for the Disqus and WordPress parsers: saxes (strict, so a truncated or broken file
 * stops with its line and column) with element paths by local name (`wp:comment` is `comment`:
 * exports disagree on prefixes, never on names) and the text of the elements a parser asks for.
 * Only the open elements are in memory, never the document.
 *
 * Tolerated, because real exports have them and they lose nothing: HTML entities such as `&nbsp;`
 * outside CDATA (left as written: the HTML converter decodes them in bodies, `htmlText` elsewhere),
 * and control characters XML forbids (removed, as `cleanText` would).
 */
import { SaxesParser } from 'saxes';
import { ImportError } from './import-error.js';
import { decodeUtf8 } from './source-stream.js';

export interface XmlElement {
  /** Local name: `comment` for `<wp:comment>`. */
  name: string;
  attributes: Record<string, string>;
}

export interface XmlHandler {
  /** `path`: local names from the root to this element, itself included. */
  open?(element: XmlElement, path: readonly string[]): void;
  /** `text`: its text and CDATA when `wantText` asked for it, else null. */
  close?(element: XmlElement, text: string | null, path: readonly string[]): void;
  /** Whether to collect the text of this element (leaf fields; never a container, whose text would grow with the file). */
  wantText(path: readonly string[]): boolean;
}

// Characters XML 1.0 forbids; cleanText removes them from bodies anyway.
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Reads the XML of `chunks` through `handler`; resolves at the end of the document. */
export async function readXml(chunks: AsyncIterable<Buffer>, handler: XmlHandler): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const path: string[] = [];
  const elements: XmlElement[] = [];
  const texts: (string | null)[] = [];
  let error: ImportError | null = null;

  const fail = (reason: string) => new ImportError(reason, { line: parser.line, column: parser.column + 1 });
  parser.on('error', (err) => {
    const reason = err.message.replace(/^\d+:\d+: /, '');
    if (reason.startsWith('undefined entity')) return;
    throw (error = fail(`not well-formed XML: ${reason}`));
  });
  parser.on('xmldecl', (decl) => {
    if (decl.encoding && !/^utf-?8$/i.test(decl.encoding))
      throw (error = fail(`the file declares the encoding ${decl.encoding}; only UTF-8 is read (convert it first, e.g. with iconv)`));
  });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const element: XmlElement = { name, attributes: tag.attributes as Record<string, string> };
    path.push(name);
    elements.push(element);
    texts.push(handler.wantText(path) ? '' : null);
    handler.open?.(element, path);
  });
  parser.on('closetag', () => {
    const element = elements.pop()!;
    const text = texts.pop()!;
    handler.close?.(element, text, path);
    path.pop();
  });
  const addText = (t: string) => {
    const i = texts.length - 1;
    if (i >= 0 && texts[i] !== null) texts[i] += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);

  let sawRoot = false;
  for await (const text of decodeUtf8(chunks)) {
    sawRoot ||= /</.test(text);
    try {
      parser.write(text.replace(FORBIDDEN, ''));
    } catch (e) {
      throw error ?? e;
    }
  }
  if (!sawRoot) throw new ImportError('the file is empty or not XML');
  try {
    parser.close();
  } catch (e) {
    throw error ?? e;
  }
}

/** `dsq:id` → `id`, `wp:comment` → `comment`. */
export function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
}

/** An attribute by local name, whatever its prefix (`dsq:id`). */
export function attribute(element: XmlElement, name: string): string | undefined {
  for (const [key, value] of Object.entries(element.attributes)) if (localName(key) === name) return value;
  return undefined;
}
