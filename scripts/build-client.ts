/**
 * Builds what the server serves to browsers, into dist/ (`npm run build`; exits non-zero when a
 * bundle fails to build):
 *
 * - dist/public/assets/<name>.<hash>.<ext>: the widget (an ES module), the moderator console and
 *   the demo stylesheet under content-hashed names, each beside its gzip (.gz) and brotli (.br)
 *   copy, so that they can be cached for a year and served compressed without compressing per
 *   request. Source maps are written beside them (.map) but no bundle links to one.
 * - dist/public/embed.js: the small loader publishers embed. It is the only file under a fixed
 *   name, so it is cached briefly; it loads the hashed widget module from its own origin.
 * - dist/pages/*.html: the demo and console pages, with `/assets/<name>.<ext>` references
 *   replaced by the hashed names.
 * - dist/public/manifest.json: which hashed file each name is, with sizes; the server reads it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import type { Manifest, ManifestAsset } from '../server/http/assets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const PUBLIC = path.join(DIST, 'public');
const PAGES = path.join(DIST, 'pages');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The widget's stylesheet is CSS in template literals (client/widget/styles.ts): shipped without
 * its comments and the white space the CSS does not need. Only inside the literals, and only
 * around `{ } ; , >`, where CSS gives white space no meaning (no CSS string here holds them).
 */
const minifyCss: Plugin = {
  name: 'minify-css',
  setup(b) {
    b.onLoad({ filter: /client[\\/]widget[\\/]styles\.ts$/ }, async (args) => {
      const parts = (await readFile(args.path, 'utf8')).split('`');
      if (parts.length % 2 === 0) throw new Error(`${args.path}: unbalanced template literals`);
      for (let i = 1; i < parts.length; i += 2) {
        parts[i] = parts[i]!.replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/\s+/g, ' ')
          .replace(/\s*([{};,>])\s*/g, '$1')
          .trim();
      }
      return { contents: parts.join('`'), loader: 'ts' };
    });
  },
};

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  minify: true,
  platform: 'browser',
  // Class fields and the like as written (every browser since 2021 has them): smaller than es2020's helpers.
  target: 'es2022',
  legalComments: 'none',
  plugins: [minifyCss],
  metafile: true,
  write: false,
  logLevel: 'warning',
} as const satisfies BuildOptions;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const gzip = (data: Uint8Array) => gzipSync(data, { level: 9 });
const brotli = (data: Uint8Array) =>
  brotliCompressSync(data, {
    params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: data.length },
  });

/** Writes one asset under its content hash, with its compressed copies and (unlinked) map. */
async function emit(name: string, code: Uint8Array, map?: Uint8Array): Promise<ManifestAsset> {
  const ext = path.extname(name);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 8);
  const file = `assets/${path.basename(name, ext)}.${hash}${ext}`;
  const gz = gzip(code);
  const br = brotli(code);
  await writeFile(path.join(PUBLIC, file), code);
  await writeFile(path.join(PUBLIC, `${file}.gz`), gz);
  await writeFile(path.join(PUBLIC, `${file}.br`), br);
  const asset: ManifestAsset = {
    file,
    type: TYPES[ext] ?? 'application/octet-stream',
    bytes: code.length,
    gzipBytes: gz.length,
    brBytes: br.length,
  };
  if (map) {
    // esbuild named the map after the unhashed file.
    const json = JSON.parse(Buffer.from(map).toString('utf8')) as { file?: string };
    json.file = path.basename(file);
    asset.map = `${file}.map`;
    await writeFile(path.join(PUBLIC, asset.map), JSON.stringify(json));
  }
  process.stdout.write(`/${file} ${kb(asset.bytes)}, ${kb(asset.gzipBytes)} gzipped, ${kb(asset.brBytes)} brotli\n`);
  return asset;
}

/** Bundles one entry in memory and returns its code and its map. */
async function bundle(entry: string, format: 'esm' | 'iife'): Promise<{ code: Uint8Array; map: Uint8Array; metafile: Metafile }> {
  const result = await build({ ...common, entryPoints: { out: entry }, outdir: PUBLIC, format, sourcemap: 'external' });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'));
  if (!code || !map) throw new Error(`esbuild wrote no bundle for ${entry}`);
  // Browser code takes constants from shared/constants.ts; a value import from schemas.ts
  // would bring all of zod along (about 50 KB gzipped).
  if (Object.keys(result.metafile.inputs).some((input) => input.includes('node_modules/zod/'))) {
    process.stderr.write(`warning: ${entry} bundles zod (import constants from shared/constants.ts)\n`);
  }
  return { code: code.contents, map: map.contents, metafile: result.metafile };
}

/** Replaces every `/assets/<name>` in a page with the hashed file; an unknown name fails the build. */
function linkAssets(html: string, page: string, assets: Record<string, ManifestAsset>): string {
  return html.replace(/(["'])\/assets\/([\w.-]+)\1/g, (_m, quote: string, name: string) => {
    const asset = assets[name];
    if (!asset) throw new Error(`${page} refers to /assets/${name}, which the build does not produce`);
    return `${quote}/${asset.file}${quote}`;
  });
}

async function main(): Promise<void> {
  // A clean slate: the server serves only what this build's manifest lists.
  await rm(PUBLIC, { recursive: true, force: true });
  await rm(PAGES, { recursive: true, force: true });
  await mkdir(path.join(PUBLIC, 'assets'), { recursive: true });
  await mkdir(PAGES, { recursive: true });

  const assets: Record<string, ManifestAsset> = {};
  // An ES module, so that it can take the service's origin from import.meta.url.
  const widget = await bundle('client/widget/embed.ts', 'esm');
  assets['embed.js'] = await emit('embed.js', widget.code, widget.map);
  const console_ = await bundle('client/moderate/console.ts', 'iife');
  assets['moderate.js'] = await emit('moderate.js', console_.code, console_.map);
  assets['demo.css'] = await emit('demo.css', await readFile(path.join(ROOT, 'client/pages/demo.css')));

  const loader = await build({
    ...common,
    entryPoints: { embed: 'client/widget/embed-loader.ts' },
    outdir: PUBLIC,
    format: 'iife',
    // Relative to the loader's own URL, so the module comes from wherever the loader came from.
    define: { __LIVETHREAD_MODULE__: JSON.stringify(`./${assets['embed.js'].file}`) },
  });
  const loaderCode = loader.outputFiles[0]?.contents;
  if (!loaderCode) throw new Error('esbuild wrote no loader');
  await writeFile(path.join(PUBLIC, 'embed.js'), loaderCode);
  const loaderInfo = { file: 'embed.js', bytes: loaderCode.length, gzipBytes: gzip(loaderCode).length };
  process.stdout.write(`/embed.js (loader) ${loaderInfo.bytes} bytes, ${loaderInfo.gzipBytes} gzipped\n`);

  for (const page of (await readdir(path.join(ROOT, 'client/pages'))).filter((f) => f.endsWith('.html'))) {
    const html = await readFile(path.join(ROOT, 'client/pages', page), 'utf8');
    await writeFile(path.join(PAGES, page), linkAssets(html, page, assets));
  }

  const manifest: Manifest = { loader: loaderInfo, assets };
  await writeFile(path.join(PUBLIC, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

main().catch((err: unknown) => {
  // esbuild has printed its own diagnostics already.
  if (!(err instanceof Error && 'errors' in err)) console.error(err);
  process.exitCode = 1;
});
