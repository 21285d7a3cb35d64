import { access } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { ClassifyResponseDto } from '../classification/classification.dto';
import { ApiClient, CliError } from './api-client';
import { binetflowBatches, FlowFields, MAX_FLOWS_PER_REQUEST, parseFlowFlag, readLines } from './classify-input';
import { CommandContext, positiveInteger, print, table } from './output';

interface ClassifyFlags {
  flow: FlowFields[];
  k?: number;
  batchSize: number;
}

function batchSize(value: string): number {
  const parsed = positiveInteger(value);
  if (parsed > MAX_FLOWS_PER_REQUEST) {
    throw new InvalidArgumentError(`expected at most ${MAX_FLOWS_PER_REQUEST}, got "${value}"`);
  }
  return parsed;
}

/** Registers `classify`: flows from a binetflow file, standard input or --flow, sent in batches the route accepts. */
export function registerClassifyCommand(program: Command, context: CommandContext): void {
  program
    .command('classify')
    .description(
      'classify flows with a model: a known flow gets the label class its nearest neighbours vote for, an unseen ' +
        'flow a novelty score',
    )
    .argument('<model>', 'model id')
    .argument('[file]', 'binetflow file with its header line (.gz is gunzipped); - reads standard input')
    .option(
      '--flow <fields>',
      'a flow as NAME=VALUE pairs joined by commas: srcAddr, dstAddr and proto, optionally sport, dport and state; ' +
        'repeat for several',
      parseFlowFlag,
      [],
    )
    .option('-k, --k <n>', 'neighbours that vote on a known flow (server default 10, at most 100)', positiveInteger)
    .option(
      '--batch-size <flows>',
      `flows per request, at most ${MAX_FLOWS_PER_REQUEST}`,
      batchSize,
      MAX_FLOWS_PER_REQUEST,
    )
    .action(async (model: string, file: string | undefined, flags: ClassifyFlags) => {
      const { options, client } = context();
      const input = file ?? (flags.flow.length === 0 && !process.stdin.isTTY ? '-' : undefined);
      if (input === undefined && flags.flow.length === 0) {
        throw new CliError('Nothing to classify: give a binetflow file, - for standard input, or --flow');
      }
      if (input !== undefined && input !== '-') {
        await access(input).catch(() => {
          throw new CliError(`Cannot read ${input}: no such file`);
        });
      }

      const result = await classifyAll(client, model, input, flags);

      print(options, result, () => {
        const rows = result.flows.map((flow) => [
          String(flow.index),
          flow.token,
          flow.status,
          flow.labelClass ?? '',
          flow.confidence === null ? '' : flow.confidence.toFixed(3),
          flow.novelty === null ? '' : flow.novelty.toFixed(3),
        ]);
        const header = ['#', 'token', 'status', 'label class', 'confidence', 'novelty'];
        return `${table(header, rows)}\n${summaryLine(result)}`;
      });
    });
}

/**
 * Classifies the --flow flows, then the rows of `input`, in requests of at most `batchSize` flows. `index` counts
 * across all requests, in the same order: --flow flows first, then the file's parsed rows.
 */
async function classifyAll(
  client: ApiClient,
  model: string,
  input: string | undefined,
  flags: ClassifyFlags,
): Promise<ClassifyResponseDto> {
  const result: ClassifyResponseDto = { versionId: '', flows: [], rejectedRows: 0 };
  const send = async (body: { flows: FlowFields[] } | { rows: string }) => {
    const response = await client.post<ClassifyResponseDto>(`/models/${encodeURIComponent(model)}/classify`, {
      ...body,
      ...(flags.k === undefined ? {} : { k: flags.k }),
    });
    if (result.versionId !== '' && response.versionId !== result.versionId) {
      throw new CliError(
        `Model ${model} got a new ready version while its flows were being classified; run the command again`,
      );
    }

    const offset = result.flows.length;
    result.versionId = response.versionId;
    result.flows.push(...response.flows.map((flow) => ({ ...flow, index: offset + flow.index })));
    result.rejectedRows += response.rejectedRows;
  };

  for (let start = 0; start < flags.flow.length; start += flags.batchSize) {
    await send({ flows: flags.flow.slice(start, start + flags.batchSize) });
  }
  if (input !== undefined) {
    for await (const rows of binetflowBatches(readLines(input), flags.batchSize)) {
      await send({ rows });
    }
  }

  return result;
}

function summaryLine(result: ClassifyResponseDto): string {
  const known = result.flows.filter((flow) => flow.status === 'known').length;
  const rejected = result.rejectedRows > 0 ? `, ${result.rejectedRows} rows rejected as unparseable` : '';
  return `${result.flows.length} flows: ${known} known, ${result.flows.length - known} unseen${rejected}`;
}
