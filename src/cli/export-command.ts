import { Command, InvalidArgumentError } from 'commander';
import { ApiClient, ApiResponseError, CliError } from './api-client';
import { saveDownload } from './download';
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
      const bytes = await saveDownload(response, flags.output, { label: 'vectors', quiet: options.json });

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
