/**
 * Bodies of imported comments, finished like posted ones: converted to Markdown when HTML, cleaned
 * by `cleanText`, and cut to the configured maximum with a marker.
 *
 * Why cut rather than keep whole (imports are trusted): every reader path is sized for
 * `COMMENT_MAX_LENGTH` (the 64 KiB Socket.IO packet, a page's byte bound, the widget's layout, the
 * edit box), and keeping one invariant for every stored body means no path needs an exception for
 * imported ones. A body over the limit is rare (a pasted log, a spam wall); its start survives,
 * `[…]` marks the cut, and the plan counts each.
 */
import { cleanText, isInvisibleOnly } from '../../shared/text.js';
import { htmlToMarkdown, type HtmlOptions } from './html-to-markdown.js';
import { Flag } from './source-records.js';

/** Ends a cut body: a paragraph of its own, literal text in Markdown. */
export const TRUNCATION_MARKER = '\n\n[…]';

export interface Body {
  /** Markdown; empty when nothing visible is left. */
  body: string;
  /** `Flag` bits: converted, kept as plain text, truncated. */
  flags: number;
}

export class BodyMaker {
  constructor(private readonly maxLength: number) {}

  fromHtml(html: string, options: HtmlOptions = {}): Body {
    const converted = htmlToMarkdown(html, options);
    const out = this.finish(converted.markdown);
    out.flags |= Flag.Converted | (converted.fellBack ? Flag.PlainText : 0);
    return out;
  }

  fromMarkdown(markdown: string): Body {
    return this.finish(markdown);
  }

  private finish(markdown: string): Body {
    const text = cleanText(markdown);
    if (!text || isInvisibleOnly(text)) return { body: '', flags: 0 };
    const points = [...text];
    if (points.length <= this.maxLength) return { body: text, flags: 0 };
    const room = this.maxLength - [...TRUNCATION_MARKER].length;
    let cut = points.slice(0, room).join('');
    // End at a word when one ends near the limit, not in the middle of one.
    const space = cut.search(/\s\S*$/);
    if (space > cut.length - 100 && space > 0) cut = cut.slice(0, space);
    return { body: cleanText(cut.trimEnd() + TRUNCATION_MARKER), flags: Flag.Truncated };
  }
}
