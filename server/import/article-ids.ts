/**
 * Which livethread article a source thread becomes.
 *
 * - `identifier` (the default): the source's own identifier of the page (Disqus `<id>`, the
 *   WordPress slug, livethread's article id); a thread without one falls back to the path, then
 *   the URL.
 * - `path`: the path of the thread's URL (with its query when the path is `/`: `/?p=123` is a page
 *   of its own on WordPress); falls back to the identifier, then the URL.
 * - `url`: the URL without its fragment; falls back to the identifier, then the path.
 * - `--map FILE.csv` (`source,articleId`) overrides all of them: a row's `source` is matched
 *   against the thread's source id, its identifier, its URL and its path, in that order.
 *
 * A thread with none of them becomes `<format>-thread-<source id>`. Each fallback is counted.
 *
 * The result always passes `ArticleId` (letters, digits and `-_.~:/@%+`, 1–256): any other
 * character is percent-encoded as UTF-8 (`?` → `%3F`, `é` → `%C3%A9`; `%` itself is allowed, so
 * an id already encoded stays as it is): deterministic, and for paths, which URLs encode already,
 * it touches only the few characters paths allow and ids do not (`(`, `)`, `!`, `,`, `;`, `=`…). One longer than 256 keeps its first 233 characters
 * and appends `~` and 22 characters of its SHA-256. Threads whose ids collide merge into one
 * article (the plan lists them).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ARTICLE_ID_RE } from '../../shared/constants.js';
import { parseCsv } from './csv.js';
import { ImportError } from './import-error.js';
import type { ArticleIdStrategy, ImportFormat, SourceThread } from './records.js';

export type ArticleIdOrigin = 'map' | 'identifier' | 'path' | 'url' | 'thread';

export interface ResolvedArticleId {
  articleId: string;
  origin: ArticleIdOrigin;
  /** The strategy's own choice was missing and another one gave the id. */
  fellBack: boolean;
  /** Characters outside the allowed set were percent-encoded. */
  encoded: boolean;
  /** Too long: cut and hashed. */
  hashed: boolean;
}

const MAX = 256;
const ALLOWED = /[A-Za-z0-9\-_.~:/@%+]/;

/** `raw` as a valid article id (see the module comment); null when it is blank. */
export function toArticleId(raw: string): { id: string; encoded: boolean; hashed: boolean } | null {
  const text = raw.trim();
  if (!text) return null;
  let id = '';
  let encoded = false;
  for (const ch of text) {
    if (ALLOWED.test(ch)) id += ch;
    else {
      encoded = true;
      for (const byte of Buffer.from(ch, 'utf8')) id += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  let hashed = false;
  if (id.length > MAX) {
    hashed = true;
    const digest = createHash('sha256').update(id).digest('base64url').slice(0, 22);
    let head = id.slice(0, MAX - 23);
    // Never end in the middle of a %XX escape, nor of a character's UTF-8 bytes.
    head = head.replace(/%[0-9A-F]?$/, '');
    head = head.replace(/%([C-F])[0-9A-F]((?:%[89AB][0-9A-F])*)$/, (whole, lead: string, rest: string) => {
      const need = lead === 'F' ? 3 : lead === 'E' ? 2 : 1;
      return rest.length / 3 >= need ? whole : '';
    });
    id = `${head}~${digest}`;
  }
  return { id, encoded, hashed };
}

/** The path of a URL (absolute or already a path), with the query when the path is `/`. */
export function urlPath(url: string | null): string | null {
  if (!url?.trim()) return null;
  let u: URL;
  try {
    u = new URL(url.trim(), 'http://relative.invalid');
  } catch {
    return null;
  }
  if (u.pathname === '/' && u.search) return u.pathname + u.search;
  return u.pathname;
}

/** The URL without its fragment (a path when the source keeps only a path). */
export function urlWithoutFragment(url: string | null): string | null {
  const text = url?.trim();
  if (!text) return null;
  try {
    const u = new URL(text);
    u.hash = '';
    return u.href;
  } catch {
    return text.replace(/#.*$/, '') || null;
  }
}

/** `--map`: source (thread id, identifier, URL or path) → article id. */
export class ArticleIdMap {
  private constructor(private readonly entries: Map<string, string>) {}

  get size(): number {
    return this.entries.size;
  }

  static async load(file: string): Promise<ArticleIdMap> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new ImportError(`cannot read the map (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
    }
    try {
      return ArticleIdMap.parse(text);
    } catch (e) {
      throw e instanceof ImportError ? e.inFile(file) : e;
    }
  }

  /** Rows `source,articleId`; a first row naming those two columns is a header. */
  static parse(text: string): ArticleIdMap {
    const entries = new Map<string, string>();
    const rows = parseCsv(text);
    rows.forEach((row, i) => {
      const [source = '', articleId = '', ...rest] = row.fields.map((f) => f.trim());
      if (i === 0 && source.toLowerCase() === 'source' && articleId.toLowerCase() === 'articleid') return;
      if (rest.some((f) => f !== '')) throw new ImportError('expected two columns: source,articleId', { line: row.line });
      if (!source) throw new ImportError('the source column is empty', { line: row.line });
      if (!ARTICLE_ID_RE.test(articleId))
        throw new ImportError('not a valid article id (1–256 letters, digits and -_.~:/@%+)', { line: row.line });
      const known = entries.get(source);
      if (known !== undefined && known !== articleId)
        throw new ImportError('this source is mapped twice, to different article ids', { line: row.line });
      entries.set(source, articleId);
    });
    return new ArticleIdMap(entries);
  }

  lookup(keys: (string | null)[]): string | undefined {
    for (const key of keys) {
      if (key == null) continue;
      const id = this.entries.get(key.trim());
      if (id !== undefined) return id;
    }
    return undefined;
  }
}

export interface ArticleIdOptions {
  format: ImportFormat;
  strategy: ArticleIdStrategy;
  map?: ArticleIdMap | null;
}

/** Formats whose threads carry an identifier of their own; the others have only URLs or paths. */
const IDENTIFIED: ReadonlySet<ImportFormat> = new Set(['disqus', 'wordpress', 'livethread']);

const FALLBACKS: Record<ArticleIdStrategy, ArticleIdStrategy[]> = {
  identifier: ['identifier', 'path', 'url'],
  path: ['path', 'identifier', 'url'],
  url: ['url', 'identifier', 'path'],
};

/** The article id of a source thread (see the module comment). */
export function articleIdFor(thread: SourceThread, options: ArticleIdOptions): ResolvedArticleId {
  const path = urlPath(thread.url);
  const mapped = options.map?.lookup([thread.sourceId, thread.identifier, thread.url, path]);
  if (mapped !== undefined) return { articleId: mapped, origin: 'map', fellBack: false, encoded: false, hashed: false };
  const candidates: Record<ArticleIdStrategy, string | null> = {
    identifier: thread.identifier,
    path,
    url: urlWithoutFragment(thread.url),
  };
  const order = FALLBACKS[options.strategy];
  for (const [i, strategy] of order.entries()) {
    const id = toArticleId(candidates[strategy] ?? '');
    // Going past the identifier of a format that has none is the rule, not a fallback.
    const fellBack = i > 0 && !(options.strategy === 'identifier' && !IDENTIFIED.has(options.format) && i === 1);
    if (id) return { articleId: id.id, origin: strategy, fellBack, encoded: id.encoded, hashed: id.hashed };
  }
  const id = toArticleId(`${options.format}-thread-${thread.sourceId}`)!;
  return { articleId: id.id, origin: 'thread', fellBack: true, encoded: id.encoded, hashed: id.hashed };
}
