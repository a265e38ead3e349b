/**
 * Bundles the browser entries into dist/public/ (served at the site root) and reports their size.
 * `npm run build`; exits non-zero when a bundle fails to build.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/public');

/** One bundle per entry: `out` is its name under dist/public, without `.js`. */
const entries: { in: string; out: string }[] = [
  { in: 'client/widget/embed.ts', out: 'embed' },
  { in: 'client/moderate/console.ts', out: 'moderate' },
];

/** Static files copied as they are: [source, name under dist/public]. */
const assets: [string, string][] = [['client/pages/demo.css', 'demo.css']];

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  await mkdir(OUT, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir: OUT,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  for (const [src, name] of assets) await copyFile(path.join(ROOT, src), path.join(OUT, name));

  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const name = path.basename(file, '.js');
    const gzipBytes = gzipSync(await readFile(path.join(ROOT, file)), { level: 9 }).length;
    await writeFile(path.join(OUT, `${name}.size.json`), `${JSON.stringify({ bytes: meta.bytes, gzipBytes })}\n`);
    process.stdout.write(`${name}.js ${kb(meta.bytes)}, ${kb(gzipBytes)} gzipped\n`);
    // Browser code takes constants from shared/constants.ts; a value import from schemas.ts
    // would bring all of zod along (about 50 KB gzipped).
    if (Object.keys(meta.inputs).some((input) => input.includes('node_modules/zod/'))) {
      process.stderr.write(`warning: ${name}.js bundles zod (import constants from shared/constants.ts)\n`);
    }
  }
}

main().catch((err: unknown) => {
  // esbuild has printed its own diagnostics already.
  if (!(err instanceof Error && 'errors' in err)) console.error(err);
  process.exitCode = 1;
});
