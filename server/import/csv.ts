/**
 * A small RFC 4180 CSV reader for `--map` files: fields separated by commas, optionally quoted with
 * `"` (a quote inside doubled), quoted fields spanning lines, `\r\n` or `\n` line ends. Spreadsheets
 * write exactly this; nothing fancier (other separators, comments) is accepted.
 */
import { ImportError } from './import-error.js';

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let rowLine = 1;
  const src = text.replace(/^\uFEFF/, '');
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = src[i + 1];
          if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
            throw new ImportError('a quoted field must end at a comma or the end of the line', { line, column: i + 2 });
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new ImportError('a quote inside an unquoted field (quote the whole field and double the quote)', { line });
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new ImportError('a quoted field is not closed', { line: rowLine });
  if (field !== '' || fields.length > 0 || fieldStarted) endRow();
  return rows;
}
