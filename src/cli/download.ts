import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SingleBar } from 'cli-progress';
import { CliError } from './api-client';

/**
 * Streams a download's body to `output`, or to standard output without it, and returns the bytes written. A file
 * is written under a temporary name in the same folder and renamed when complete, so a failed download leaves no
 * truncated file behind. Progress, labelled `label`, goes to standard error unless `quiet`.
 */
export async function saveDownload(
  response: Response,
  output: string | undefined,
  options: { label: string; quiet: boolean },
): Promise<number> {
  if (!response.body) {
    throw new CliError(`The server sent an empty response instead of the ${options.label}; try again`);
  }

  const length = Number(response.headers.get('content-length') ?? NaN);
  const bar = options.quiet ? null : progressBar(options.label, Number.isFinite(length) ? length : null);
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      bar?.update(written, { size: formatBytes(written) });
      callback(null, chunk);
    },
  });

  const temporary =
    output === undefined ? null : join(dirname(output), `.${basename(output)}.${randomBytes(6).toString('hex')}`);
  const target: Writable = temporary === null ? process.stdout : createWriteStream(temporary, { flags: 'wx' });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, target, {
      end: temporary !== null,
    });
    if (temporary !== null) {
      await rename(temporary, output!);
    }
  } catch (error) {
    if (temporary !== null) {
      await rm(temporary, { force: true });
    }
    throw new CliError(`Download of the ${options.label} failed after ${written} bytes: ${(error as Error).message}`);
  } finally {
    bar?.stop();
  }

  return written;
}

function progressBar(label: string, total: number | null): SingleBar {
  const bar = new SingleBar({
    format: total === null ? `${label} {size}` : `${label} [{bar}] {percentage}% {size}`,
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  bar.start(total ?? 0, 0, { size: formatBytes(0) });
  return bar;
}

function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
