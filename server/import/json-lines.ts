/**
 * JSON lines, one value a line, with line numbers for errors. Used for Remark42 backups and
 * livethread's own export.
 */
import { ImportError } from './import-error.js';

/**
 * The longest line accepted, in characters. A Remark42 header line carries every user's and post's
 * metadata, so it is far longer than a comment; 64 MiB holds the header of a site with hundreds of
 * thousands of users, and stops a file that is not JSON lines at all before it fills the memory.
 */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

export interface JsonLine {
  /** 1-based. */
  line: number;
  value: unknown;
}

/** Non-blank lines parsed as JSON; a line that is not JSON stops with its number. */
export async function* readJsonLines(text: AsyncIterable<string>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<JsonLine> {
  for await (const { line, text: raw } of readLines(text, maxLineChars)) {
    try {
      yield { line, value: JSON.parse(raw) };
    } catch (e) {
      throw new ImportError(`not a JSON value (${jsonErrorReason(e)})`, { line, column: jsonErrorColumn(e) });
    }
  }
}

/** Non-blank lines (without their `\r\n` or `\n`), numbered from 1. */
export async function* readLines(
  text: AsyncIterable<string>,
  maxLineChars = MAX_LINE_CHARS,
): AsyncGenerator<{ line: number; text: string }> {
  let pending = '';
  let line = 0;
  for await (const chunk of text) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl !== -1) {
      const raw = pending + chunk.slice(start, nl);
      pending = '';
      line++;
      const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (t.trim() !== '') yield { line, text: t };
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    pending += chunk.slice(start);
    if (pending.length > maxLineChars)
      throw new ImportError(`line longer than ${maxLineChars} characters: not JSON lines`, { line: line + 1 });
  }
  line++;
  const t = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
  if (t.trim() !== '') yield { line, text: t };
}

// V8 says "Unexpected token } in JSON at position 12" (Node 20) or "…, \"{…\" is not valid JSON"
// (Node 22): keep the reason, drop the echo of the input (it may be someone's comment).
function jsonErrorReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
}

function jsonErrorColumn(e: unknown): number | undefined {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  return m ? Number(m[1]) + 1 : undefined;
}
