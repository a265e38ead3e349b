/**
 * The files browsers load, as `npm run build` (scripts/build-client.ts) left them in dist/:
 *
 * | path                       | what                               | cached                   |
 * |----------------------------|------------------------------------|--------------------------|
 * | `/`, `/moderate`           | the demo page, the console         | revalidated (no-cache)   |
 * | `/embed.js`                | the loader publishers embed        | 5 minutes                |
 * | `/assets/<name>.<hash>.*`  | widget module, console, stylesheet | a year, immutable        |
 *
 * A hashed name changes whenever its content does, so it can be cached for good; only the
 * loader and the pages, whose names are fixed, must be fetched again to see a new release.
 * Assets are sent as the build compressed them (brotli, else gzip, else as they are), read
 * once at start-up: a release is a restart. Source maps are written by the build but only
 * served with SERVE_SOURCE_MAPS=true (and then announced with a `SourceMap` header; no bundle
 * names its map).
 *
 * @example
 * web.use(assetsRouter({ dist: path.join(ROOT, 'dist'), serveSourceMaps: false, logger }));
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';

/** One hashed asset in dist/public/manifest.json, by its logical name (`embed.js`). */
export interface ManifestAsset {
  /** Path under dist/public, e.g. `assets/embed.3f2a9c1d.js`; `.gz` and `.br` copies beside it. */
  file: string;
  type: string;
  bytes: number;
  gzipBytes: number;
  brBytes: number;
  /** Its source map, under dist/public. */
  map?: string;
}

/** dist/public/manifest.json: the build's account of what it wrote. */
export interface Manifest {
  /** The loader, under a fixed name in dist/public. */
  loader: { file: string; bytes: number; gzipBytes: number };
  assets: Record<string, ManifestAsset>;
}

export interface AssetsOptions {
  /** The build's output directory (`dist`). */
  dist: string;
  serveSourceMaps: boolean;
  logger: Logger;
}

export type Encoding = 'br' | 'gzip';

interface Variant {
  body: Buffer;
  type: string;
  etag: string;
}

interface HashedAsset {
  type: string;
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  /** URL of its map, when maps are served. */
  mapUrl: string | null;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The loader: short, so that a release reaches pages within minutes. */
const LOADER_CACHE = 'public, max-age=300';
const JS = 'text/javascript; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/**
 * Chooses the compressed copy to send for an `Accept-Encoding` header: brotli if the client takes
 * it at least as gladly as gzip, else gzip, else none. `q=0` refuses a coding, and `*` stands for
 * every coding not named (RFC 9110 §12.5.3).
 */
export function pickEncoding(header: string | undefined): Encoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const weight = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  const br = weight('br');
  const gzip = Math.max(weight('gzip'), weights.get('x-gzip') ?? 0);
  if (br > 0 && br >= gzip) return 'br';
  return gzip > 0 ? 'gzip' : null;
}

export function assetsRouter(opts: AssetsOptions): Router {
  const router = Router();
  const pub = path.join(opts.dist, 'public');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(pub, 'manifest.json'), 'utf8')) as Manifest;
  } catch (err) {
    opts.logger.error(
      { err: (err as Error).message },
      'dist/public/manifest.json is missing or unreadable: run `npm run build`; no page or script is served',
    );
    return router;
  }

  const hashed = new Map<string, HashedAsset>();
  const maps = new Map<string, Buffer>();
  for (const asset of Object.values(manifest.assets)) {
    const file = path.join(pub, asset.file);
    const mapUrl = opts.serveSourceMaps && asset.map ? `/${asset.map}` : null;
    hashed.set(`/${asset.file}`, {
      type: asset.type,
      identity: readFileSync(file),
      br: readFileSync(`${file}.br`),
      gzip: readFileSync(`${file}.gz`),
      mapUrl,
    });
    if (mapUrl && asset.map) maps.set(mapUrl, readFileSync(path.join(pub, asset.map)));
  }
  const loader = variant(readFileSync(path.join(pub, manifest.loader.file)), JS);
  const pages = {
    index: variant(readFileSync(path.join(opts.dist, 'pages/index.html')), HTML),
    moderate: variant(readFileSync(path.join(opts.dist, 'pages/moderate.html')), HTML),
  };

  router.get('/', (req, res) => sendFixed(req, res, pages.index, 'no-cache'));
  router.get('/moderate', (req, res) => sendFixed(req, res, pages.moderate, 'no-cache'));
  router.get('/embed.js', (req, res) => sendFixed(req, res, loader, LOADER_CACHE));
  router.get('/assets/:file', (req, res, next) => {
    const asset = hashed.get(req.path);
    if (asset) {
      sendHashed(req, res, asset);
      return;
    }
    const map = maps.get(req.path);
    if (map) {
      res.setHeader('Cache-Control', IMMUTABLE);
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.type('application/json').send(map);
      return;
    }
    next();
  });
  // Anything else under /assets (an old hash, a map, a guess) is simply not there.
  router.use('/assets', (_req, res) => {
    res.status(404).type('text/plain').send('Not found');
  });
  return router;
}

function variant(body: Buffer, type: string): Variant {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/** A file under a fixed name: short-lived, revalidated with its ETag. */
function sendFixed(req: Request, res: Response, file: Variant, cacheControl: string): void {
  res.setHeader('Content-Type', file.type);
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', file.etag);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Length', file.body.length);
  res.end(file.body);
}

function sendHashed(req: Request, res: Response, asset: HashedAsset): void {
  const encoding = pickEncoding(req.headers['accept-encoding']);
  const body = encoding ? asset[encoding] : asset.identity;
  res.setHeader('Content-Type', asset.type);
  res.setHeader('Cache-Control', IMMUTABLE);
  res.setHeader('Vary', 'Accept-Encoding');
  // The widget is an ES module, fetched with CORS from the publisher's page; it is public.
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (encoding) res.setHeader('Content-Encoding', encoding);
  if (asset.mapUrl) res.setHeader('SourceMap', asset.mapUrl);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
