import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { ApiClient, ApiResponseError, CliError } from './api-client';
import { CommandContext, positiveInteger, print } from './output';

const FORMATS = ['text', 'binary'];

interface ExportFlags {
  output?: string;
  format: string;
  version?: number;
}

function format(value: string): string {
  if (!FORMATS.includes(value)) {
    throw new InvalidArgumentError(`expected text or binary, got "${value}"`);
  }
  return value;
}

/** Registers `export`: a model's vectors in the word2vec format, streamed to a file or standard output. */
export function registerExportCommand(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description(
      "download a model's vectors in the word2vec format that gensim's KeyedVectors.load_word2vec_format reads",
    )
    .argument('<model>', 'model id')
    .option('-o, --output <file>', 'file to write; standard output when left out')
    .option(
      '--format <format>',
      'text or binary (binary needs --output unless standard output is redirected)',
      format,
      'text',
    )
    .option('--version <n>', 'model version number (default: the newest ready version)', positiveInteger)
    .action(async (model: string, flags: ExportFlags) => {
      const { options, client } = context();
      if (flags.format === 'binary' && flags.output === undefined && process.stdout.isTTY) {
        throw new CliError('Binary vectors would garble the terminal: write them to a file with -o FILE');
      }

      const response = await openExport(client, model, flags);
      const bytes = await saveBody(response, flags.output, options.json);

      if (flags.output !== undefined) {
        const summary = { modelId: model, format: flags.format, file: flags.output, bytes };
        print(
          options,
          summary,
          () => `wrote ${bytes.toLocaleString('en')} bytes of ${flags.format} vectors to ${flags.output}`,
        );
      }
    });
}

async function openExport(client: ApiClient, model: string, flags: ExportFlags): Promise<Response> {
  const query = new URLSearchParams({ format: flags.format });
  if (flags.version !== undefined) {
    query.set('version', String(flags.version));
  }

  try {
    return await client.download(`/models/${encodeURIComponent(model)}/vectors?${query}`);
  } catch (error) {
    if (error instanceof ApiResponseError && error.code === 'MODEL_NOT_READY') {
      throw new CliError(`${error.message}. Follow its job with "flow2vec jobs", or train with --wait`);
    }
    throw error;
  }
}

/**
 * Streams the body to `output`, or to standard output without it, and returns the bytes written. A file is
 * written under a temporary name in the same folder and renamed when complete, so a failed download leaves no
 * truncated file behind. Progress goes to standard error unless `quiet`.
 */
async function saveBody(response: Response, output: string | undefined, quiet: boolean): Promise<number> {
  if (!response.body) {
    throw new CliError('The server sent an empty response instead of the vectors; try again');
  }

  const length = Number(response.headers.get('content-length') ?? NaN);
  const bar = quiet ? null : progressBar(Number.isFinite(length) ? length : null);
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
    throw new CliError(`Download of the vectors failed after ${written} bytes: ${(error as Error).message}`);
  } finally {
    bar?.stop();
  }

  return written;
}

function progressBar(total: number | null): SingleBar {
  const bar = new SingleBar({
    format: total === null ? 'export {size}' : 'export [{bar}] {percentage}% {size}',
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  bar.start(total ?? 0, 0, { size: formatBytes(0) });
  return bar;
}

function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
