/**
 * Writes docs/export.schema.json from the export format's zod schemas
 * (server/import/livethread-format.ts): `npx tsx scripts/export-schema.ts`. A unit test fails when
 * the file is stale.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { exportJsonSchema } from '../server/import/livethread-format.js';

const FILE = join(import.meta.dirname, '..', 'docs', 'export.schema.json');
const options = await resolveConfig(FILE);
await writeFile(FILE, await format(JSON.stringify(exportJsonSchema()), { ...options, parser: 'json' }));
console.log(`wrote ${FILE}`);
