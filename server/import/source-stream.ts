/**
 * The bytes of an export file, gunzipped when it starts with gzip's magic bytes (`1f 8b`), whatever
 * its name: exports get renamed, and Commento and Comentario hand out gzip without saying so.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ImportError } from './import-error.js';

/**
 * Read size. 64 KiB keeps each chunk's text (and the copies parsers make of it) under V8's
 * large-object threshold, so it dies young instead of waiting in the large-object space for a full
 * collection: with 256 KiB chunks the importer's peak memory was some 60 MB higher.
 */
const CHUNK_BYTES = 64 * 1024;

export async function isGzip(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    throw new ImportError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file });
  }
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The file's (decompressed) bytes in chunks. `onBytes` hears how many bytes of the file itself were
 * read so far (compressed ones for gzip), for progress.
 */
export async function* readSource(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<Buffer> {
  const gzip = await isGzip(file);
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  let read = 0;
  if (onBytes) {
    raw.on('data', (chunk: string | Buffer) => {
      read += chunk.length;
      onBytes(read);
    });
  }
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw;
  if (gzip) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (gzip && err.code?.startsWith('Z_')) throw new ImportError(`the gzip data is damaged or cut short (${err.message})`, { file });
    throw new ImportError(`cannot read the file (${err.code ?? err.message})`, { file });
  } finally {
    raw.destroy();
    if (stream !== raw) stream.destroy();
  }
}

/**
 * UTF-8 text of byte chunks, decoded across chunk boundaries, without a byte order mark. Invalid
 * bytes become U+FFFD (old exports mix encodings; one bad byte should not lose a file).
 */
export async function* decodeUtf8(chunks: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}
