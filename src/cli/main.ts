#!/usr/bin/env node
import { Command, Option } from 'commander';
import { ApiClient, CliError } from './api-client';
import { registerCommands } from './commands';

/** Options every command takes; commander fills `url` and `apiKey` from the environment when not given. */
export interface GlobalOptions {
  url: string;
  apiKey?: string;
  json: boolean;
}

export function buildProgram(): Command {
  const program = new Command('flow2vec')
    .description('Upload captures, train flow2vec models and query them over the REST API.')
    .addOption(new Option('--url <url>', 'server address').env('FLOW2VEC_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--api-key <key>', 'API key, sent as X-API-Key').env('FLOW2VEC_API_KEY'))
    .option('--json', 'print the server response as JSON for scripts, without progress bars', false)
    .showHelpAfterError('(run "flow2vec --help" for the list of commands)');

  registerCommands(program, () => {
    const options = program.opts<GlobalOptions>();
    return { options, client: new ApiClient(options.url, options.apiKey) };
  });
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`flow2vec: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

if (require.main === module) {
  void main();
}
