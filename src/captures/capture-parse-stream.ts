import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { CaptureFormatError, CaptureLimitError } from './capture-parse.errors';

const GZIP_MAGIC = [0x1f, 0x8b];
const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * Decompressed bytes below which the ratio limit is not checked, so that a small, very repetitive capture is not
 * mistaken for a gzip bomb.
 */
const RATIO_CHECK_MIN_BYTES = 1024 * 1024;

/** Byte and line counts of one parse, updated by each stage and read by error messages and the summary. */
export interface ParseProgress {
  compressedBytes: number;
  decompressedBytes: number;
  /** Lines split so far. */
  lines: number;
}

/**
 * Yields the capture's bytes, gunzipped when they start with the gzip magic bytes. Throws `CaptureLimitError`
 * (`DECOMPRESSION_RATIO`) as soon as the output outgrows `maxRatio` times the input, and `CaptureFormatError`
 * (`INVALID_GZIP`) when the gzip data is corrupt or truncated. Multi-member gzip files are read whole.
 */
export async function* decompressedChunks(
  source: AsyncIterable<Uint8Array | string>,
  maxRatio: number,
  progress: ParseProgress,
): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await readHead(iterator);
  const gzip = head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  const input = countedChunks(head, iterator, progress);

  if (!gzip) {
    for await (const chunk of input) {
      progress.decompressedBytes += chunk.length;
      yield chunk;
    }
    return;
  }

  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // Errors of either stream reach the loop below through `gunzip`, so the callback has nothing to do.
  pipeline(Readable.from(input, { objectMode: false }), gunzip, () => undefined);

  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      progress.decompressedBytes += chunk.length;
      checkRatio(maxRatio, progress);
      yield chunk;
    }
  } catch (error) {
    throw isZlibError(error)
      ? new CaptureFormatError('INVALID_GZIP', `Capture is not valid gzip: ${error.message}.`)
      : error;
  } finally {
    gunzip.destroy();
  }
}

/** Reads chunks until there are at least two bytes to compare with the gzip magic, or the source ends. */
async function readHead(iterator: AsyncIterator<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < 2) {
    const next = await iterator.next();
    if (next.done === true) {
      break;
    }

    const chunk = asBuffer(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }

  return Buffer.concat(chunks);
}

/** Yields the head read for sniffing, then the rest of the source, counting the bytes as compressed input. */
async function* countedChunks(
  head: Buffer,
  iterator: AsyncIterator<Uint8Array | string>,
  progress: ParseProgress,
): AsyncGenerator<Buffer> {
  try {
    if (head.length > 0) {
      progress.compressedBytes += head.length;
      yield head;
    }

    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        return;
      }

      const chunk = asBuffer(next.value);
      progress.compressedBytes += chunk.length;
      yield chunk;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Views a chunk as a Buffer. A text chunk, from a stream with an encoding set, is encoded back to UTF-8. */
function asBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, 'utf8');
  }

  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function checkRatio(maxRatio: number, progress: ParseProgress): void {
  const { compressedBytes, decompressedBytes } = progress;
  if (decompressedBytes < RATIO_CHECK_MIN_BYTES || decompressedBytes <= maxRatio * compressedBytes) {
    return;
  }

  throw new CaptureLimitError(
    'DECOMPRESSION_RATIO',
    `Gzip capture expands more than ${maxRatio} times (${decompressedBytes} bytes from ${compressedBytes}); ` +
      'it looks like a gzip bomb. Raise maxDecompressionRatio if the capture is genuine.',
    progress.lines,
    decompressedBytes,
  );
}

function isZlibError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const code: unknown = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;

  return typeof code === 'string' && code.startsWith('Z_');
}
