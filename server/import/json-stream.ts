/**
 * One big JSON document, read as a stream of the values under chosen paths (`$.comments.*`): each
 * array element is handed over when it is complete and then dropped, so memory holds one element,
 * never the document. For Commento and Comentario exports, a single `json.Marshal` of everything.
 *
 * `@streamparser/json`: typed (written in TypeScript), no dependencies, path selectors built in,
 * and its tokenizer reports byte offsets, from which errors get a line and column. (`stream-json`
 * does the same through Node stream pipelines; the callback API here fits a parser that is fed
 * chunk by chunk, like saxes.)
 */
import { Tokenizer, TokenizerError, TokenParser, TokenParserError, type ParsedElementInfo, type ParsedTokenInfo } from '@streamparser/json';
import { ImportError } from './import-error.js';

export interface JsonValue {
  /** The first key under the root (`comments` for `$.comments.*`). */
  section: string | undefined;
  value: unknown;
}

/**
 * Calls `onValue` for each value under `paths` (JSONPath-like: `$.version`, `$.comments.*`) of the
 * document in `chunks`. A syntax error stops with its line and column.
 */
export async function readJsonValues(chunks: AsyncIterable<Buffer>, paths: string[], onValue: (v: JsonValue) => void): Promise<void> {
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths, keepStack: false });
  let lastOffset = 0;
  let sawToken = false;
  // Where the current chunk starts (bytes) and how many lines came before it.
  let chunkStart = 0;
  let linesBefore = 0;
  /** Bytes of the line the current chunk starts in, before it. */
  let carry = 0;
  let chunk: Buffer = Buffer.alloc(0);
  let failure: ImportError | null = null;

  const position = (offset: number): { line: number; column: number } => {
    if (offset < chunkStart) return { line: linesBefore + 1, column: 1 };
    const within = chunk.subarray(0, offset - chunkStart);
    const lastNl = within.lastIndexOf(0x0a);
    let lines = 0;
    for (let i = within.indexOf(0x0a); i !== -1; i = within.indexOf(0x0a, i + 1)) lines++;
    const column = lastNl === -1 ? carry + offset - chunkStart + 1 : offset - chunkStart - lastNl;
    return { line: linesBefore + lines + 1, column };
  };
  const fail = (err: Error, offset: number) => {
    // Errors thrown by our own callbacks come back through the parsers' error paths: pass them on.
    if (failure) throw failure;
    if (err instanceof ImportError) throw (failure = err.where.line === undefined ? new ImportError(err.reason, position(offset)) : err);
    if (!(err instanceof TokenizerError) && !(err instanceof TokenParserError)) throw err;
    const reason = err.message.replace(/ at chunk position .*$/s, '').replace(/ in state \w+$/, '');
    failure = new ImportError(`not valid JSON: ${reason}`, position(offset));
    throw failure;
  };
  tokenizer.onToken = (token: ParsedTokenInfo) => {
    sawToken = true;
    lastOffset = token.offset;
    parser.write(token);
  };
  tokenizer.onError = (err) => {
    const m = /absolute position "(\d+)"/.exec(err.message);
    fail(err, m ? Number(m[1]) : lastOffset);
  };
  parser.onError = (err) => fail(err, lastOffset);
  parser.onValue = (info: ParsedElementInfo) => {
    const section = info.stack[1]?.key;
    try {
      onValue({ section: typeof section === 'string' ? section : typeof info.key === 'string' ? info.key : undefined, value: info.value });
    } catch (e) {
      // A value the caller refuses: where it ends (the last token read).
      if (e instanceof ImportError) fail(e, lastOffset);
      throw e;
    }
  };
  parser.onEnd = () => {
    if (!tokenizer.isEnded) tokenizer.end();
  };
  tokenizer.onEnd = () => {
    if (!parser.isEnded) parser.end();
  };

  for await (const next of chunks) {
    if (tokenizer.isEnded) {
      if (next.toString('utf8').trim())
        throw new ImportError('more data after the end of the JSON document', position(chunkStart + chunk.length));
      continue;
    }
    chunkStart += chunk.length;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) linesBefore++;
    const nl = chunk.lastIndexOf(0x0a);
    carry = nl === -1 ? carry + chunk.length : chunk.length - nl - 1;
    chunk = next;
    try {
      tokenizer.write(next);
    } catch (e) {
      throw failure ?? e;
    }
  }
  if (!sawToken) throw new ImportError('the file is empty: expected a JSON document');
  if (!tokenizer.isEnded) {
    try {
      tokenizer.end();
    } catch (e) {
      throw failure ?? new ImportError('the JSON document is cut short', position(chunkStart + chunk.length));
    }
  }
  if (!parser.isEnded) throw new ImportError('the JSON document is cut short', position(chunkStart + chunk.length));
}
