/**
 * Where the project's files are, whether the server runs from its TypeScript sources (tests,
 * development) or from the compiled JavaScript in dist/node (npm start, the Docker image).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'livethread') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the livethread project root (package.json) above the server');
    dir = up;
  }
}

/** The directory of livethread's package.json. */
export const PROJECT_ROOT = projectRoot();
/** What `npm run build` writes: the browser bundles and pages (dist/public, dist/pages). */
export const DIST = path.join(PROJECT_ROOT, 'dist');
