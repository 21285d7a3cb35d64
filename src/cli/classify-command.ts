import { access } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { ClassifyResponseDto } from '../classification/classification.dto';
import { ApiClient, CliError } from './api-client';
import { saveDownload } from './download';
import { Job, waitForJob } from './jobs';
import { binetflowBatches, FlowFields, MAX_FLOWS_PER_REQUEST, parseFlowFlag, readLines } from './classify-input';
import { CommandContext, positiveInteger, print, table } from './output';

interface ClassifyFlags {
  flow: FlowFields[];
  k?: number;
  batchSize: number;
  capture?: string;
  wait: boolean;
  output?: string;
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
    .option('--capture <id>', 'classify every flow of a stored capture as a job on the server, instead of a file')
    .option('--wait', 'with --capture: wait for the job and show its progress', false)
    .option('-o, --output <file>', 'with --capture: wait for the job and save its CSV of results to this file')
    .action(async (model: string, file: string | undefined, flags: ClassifyFlags) => {
      const { options, client } = context();
      if (flags.capture !== undefined) {
        await classifyCapture(context, model, file, flags);
        return;
      }
      if (flags.wait || flags.output !== undefined) {
        throw new CliError('--wait and --output apply to --capture; flows from a file or --flow are printed');
      }

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
 * Starts a classification job for a stored capture. With --wait or --output it follows the job's progress, and with
 * --output it downloads the job's CSV once the job has completed.
 */
async function classifyCapture(
  context: CommandContext,
  model: string,
  file: string | undefined,
  flags: ClassifyFlags,
): Promise<void> {
  const { options, client } = context();
  if (file !== undefined || flags.flow.length > 0) {
    throw new CliError('Give either --capture or flows (a file, - or --flow), not both');
  }

  const job = await client.post<Job>(`/models/${encodeURIComponent(model)}/classify`, {
    captureId: flags.capture,
    ...(flags.k === undefined ? {} : { k: flags.k }),
  });
  if (!flags.wait && flags.output === undefined) {
    print(
      options,
      job,
      () =>
        `capture ${flags.capture} queued for classification as job ${job.id}; follow it with "flow2vec jobs ${job.id}"`,
    );
    return;
  }

  const finished = await waitForJob(client, job.id, options.json);
  if (finished.state !== 'completed' || !finished.result) {
    throw new CliError(`Job ${finished.id} ${finished.state}: ${finished.error ?? 'no reason given'}`);
  }
  if (flags.output !== undefined) {
    const response = await client.download(`/jobs/${encodeURIComponent(job.id)}/result.csv`);
    await saveDownload(response, flags.output, { label: 'result', quiet: options.json });
  }

  const { result } = finished;
  print(options, finished, () => {
    const predicted = result.labelClassCounts.map(({ labelClass, count }) => `${labelClass} ${count}`).join(', ');
    const saved =
      flags.output === undefined ? `to download with "flow2vec jobs ${job.id} -o FILE"` : `saved to ${flags.output}`;
    return (
      `job ${job.id}: ${result.flows} flows: ${result.known} known (${predicted}), ${result.unseen} unseen, ` +
      `${result.rejectedRows} rows rejected; CSV of ${result.sizeBytes.toLocaleString('en')} bytes ${saved}`
    );
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
