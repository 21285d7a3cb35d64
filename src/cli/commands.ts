import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { estimateSecondsLeft, formatDuration } from '../dashboard/job-time-left';
import { ApiClient, ApiResponseError, CliError } from './api-client';
import type { GlobalOptions } from './main';

type Context = () => { options: GlobalOptions; client: ApiClient };

interface Job {
  id: string;
  modelId: string;
  state: string;
  phase: string;
  error: string | null;
  startedAt: string | null;
  progress: { fraction: number; epoch?: number; epochs?: number; wordsPerSecond?: number };
}

/** How often `train --wait` polls the job, in milliseconds. */
const WAIT_POLL_MS = 1000;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return parsed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function print(options: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Columns padded to their widest cell. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((cells) => cells[column].length)));
  return [header, ...rows].map((cells) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n');
}

function jobRow(job: Job): string[] {
  const { progress } = job;
  const left = estimateSecondsLeft(job);
  return [
    job.id,
    job.modelId,
    job.state,
    job.phase,
    `${Math.round(progress.fraction * 100)}%`,
    progress.epoch !== undefined ? `${progress.epoch}/${progress.epochs}` : '',
    left === null ? '' : formatDuration(left),
    job.error ?? '',
  ];
}

/**
 * Calls a route of a feature the server may not have yet. An unknown route is a 404 with the generic code
 * `NOT_FOUND`; a missing model has its own code (`MODEL_NOT_FOUND`), so the two can be distinguished.
 */
async function optionalRoute<T>(call: () => Promise<T>, feature: string, baseUrl: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (
      error instanceof ApiResponseError &&
      error.status === 404 &&
      (error.code === 'NOT_FOUND' || error.code === undefined)
    ) {
      throw new CliError(
        `The server at ${baseUrl} does not support ${feature}; update the server to a version that does`,
      );
    }
    throw error;
  }
}

export function registerCommands(program: Command, context: Context): void {
  program
    .command('upload')
    .description('upload a capture (Argus .binetflow CSV, plain or gzip) and print its summary')
    .argument('<file>', 'capture file')
    .action(async (file: string) => {
      const { options, client } = context();
      const bar = options.json
        ? null
        : new SingleBar({ format: 'upload [{bar}] {percentage}% {sentMb}/{totalMb} MB', noTTYOutput: true });
      let started = false;

      const capture = await client
        .upload<{ id: string; flowCount: number; rejectedCount: number; labelClassCounts: Record<string, number> }>(
          file,
          (sent, total) => {
            const totalMb = (total / 1e6).toFixed(1);
            if (!started) {
              bar?.start(total, 0, { sentMb: '0.0', totalMb });
              started = true;
            }
            bar?.update(sent, { sentMb: (sent / 1e6).toFixed(1), totalMb });
          },
        )
        .finally(() => bar?.stop());

      print(options, capture, () => {
        const classes = Object.entries(capture.labelClassCounts)
          .map(([labelClass, count]) => `${labelClass} ${count}`)
          .join(', ');
        return `capture ${capture.id}: ${capture.flowCount} flows (${classes}), ${capture.rejectedCount} rows rejected`;
      });
    });

  program
    .command('train')
    .description('create a model from captures and queue its training')
    .requiredOption('--capture <id>', 'capture to train on; repeat for several, concatenated in order', collect, [])
    .option('--name <name>', 'model name')
    .option('--sentence-length <flows>', 'flows per sentence (default 30)', positiveInteger)
    .option('--vector-size <n>', 'dimensions of each vector (default 100)', positiveInteger)
    .option('--window <n>', 'maximum distance between centre and context token (default 5)', positiveInteger)
    .option('--negative <n>', 'noise tokens per positive pair (default 5)', positiveInteger)
    .option('--epochs <n>', 'passes over the corpus (default 5)', positiveInteger)
    .option('--workers <n>', 'trainer threads (default 1)', positiveInteger)
    .option('--seed <n>', 'random seed (default 1)', positiveInteger)
    .option('--wait', 'wait for the job and show its progress', false)
    .action(async (flags) => {
      const { options, client } = context();
      const request = {
        ...(flags.name ? { name: flags.name } : {}),
        captureIds: flags.capture,
        ...(flags.sentenceLength ? { sentences: { mode: 'count', length: flags.sentenceLength } } : {}),
        trainer: {
          vectorSize: flags.vectorSize,
          window: flags.window,
          negative: flags.negative,
          epochs: flags.epochs,
          workers: flags.workers,
          seed: flags.seed,
        },
      };
      const created = await client.post<{ model: { id: string }; job: Job }>('/models', request);
      if (!flags.wait) {
        print(options, created, () => `model ${created.model.id} queued as job ${created.job.id}`);
        return;
      }

      const job = await waitForJob(client, created.job.id, options.json);
      if (job.state !== 'completed') {
        throw new CliError(`Job ${job.id} ${job.state}: ${job.error ?? 'no reason given'}`);
      }
      const model = await client.get(`/models/${created.model.id}`);
      print(options, { model, job }, () => `model ${created.model.id} is ready`);
    });

  program
    .command('jobs')
    .description('list recent jobs, or show one job')
    .argument('[id]', 'job id')
    .action(async (id?: string) => {
      const { options, client } = context();
      const header = ['job', 'model', 'state', 'phase', 'progress', 'epoch', 'time left', 'error'];
      if (id) {
        const job = await client.get<Job>(`/jobs/${encodeURIComponent(id)}`);
        print(options, job, () => table(header, [jobRow(job)]));
        return;
      }

      const page = await client.get<{ items: Job[]; total: number }>('/jobs?limit=20');
      print(options, page, () => table(header, page.items.map(jobRow)));
    });

  program
    .command('similar')
    .description('list the tokens most similar to a token')
    .argument('<model>', 'model id')
    .argument('<token>', 'token: the flow fields joined with "|", for example 147.32.84.165|147.32.80.9|53|udp')
    .option('-k, --k <n>', 'neighbours to list', positiveInteger, 10)
    .action(async (model: string, token: string, flags: { k: number }) => {
      const { options, client } = context();
      const query = new URLSearchParams({ token, k: String(flags.k) });
      const result = await client.get<{
        neighbours: { token: string; similarity: number; count: number; labelClass: string }[];
      }>(`/models/${encodeURIComponent(model)}/similar?${query}`);
      print(options, result, () =>
        table(
          ['token', 'similarity', 'count', 'label class'],
          result.neighbours.map((n) => [n.token, n.similarity.toFixed(4), String(n.count), n.labelClass]),
        ),
      );
    });

  // NOTE: the server may not have the routes of the three commands below yet, so their paths and the classify
  // request body are assumptions. Against a server without them they exit with a message that the feature is
  // unsupported.
  program
    .command('clusters')
    .description("list a model's clusters with their sizes and label classes")
    .argument('<model>', 'model id')
    .action(async (model: string) => {
      const { options, client } = context();
      const result = await optionalRoute(
        () => client.get(`/models/${encodeURIComponent(model)}/clusters`),
        'clusters',
        client.baseUrl,
      );
      print(options, result, () => JSON.stringify(result, null, 2));
    });

  program
    .command('classify')
    .description('classify flows given as tokens by the label classes of their nearest neighbours')
    .argument('<model>', 'model id')
    .argument('<tokens...>', 'tokens to classify')
    .action(async (model: string, tokens: string[]) => {
      const { options, client } = context();
      const result = await optionalRoute(
        () => client.post(`/models/${encodeURIComponent(model)}/classify`, { tokens }),
        'classification',
        client.baseUrl,
      );
      print(options, result, () => JSON.stringify(result, null, 2));
    });

  program
    .command('export')
    .description("print a model's vectors in the word2vec text format")
    .argument('<model>', 'model id')
    .action(async (model: string) => {
      const { options, client } = context();
      const result = await optionalRoute(
        () => client.get(`/models/${encodeURIComponent(model)}/export`),
        'export',
        client.baseUrl,
      );
      print(options, result, () => JSON.stringify(result, null, 2));
    });
}

/** Polls the job until it ends, drawing phase, epoch and time left on stderr unless `quiet`. */
async function waitForJob(client: ApiClient, jobId: string, quiet: boolean): Promise<Job> {
  const bar = quiet
    ? null
    : new SingleBar({
        format: '{phase} [{bar}] {percentage}% | epoch {epoch} | {speed} words/s | {left} left',
        noTTYOutput: true,
        notTTYSchedule: 1000,
      });
  bar?.start(100, 0, { phase: 'queued', epoch: '-', speed: '-', left: '-' });

  try {
    for (;;) {
      const job = await client.get<Job>(`/jobs/${jobId}`);
      const left = estimateSecondsLeft(job);
      bar?.update(Math.round(job.progress.fraction * 100), {
        phase: job.phase.padEnd(10),
        epoch: job.progress.epoch !== undefined ? `${job.progress.epoch}/${job.progress.epochs}` : '-',
        speed: job.progress.wordsPerSecond?.toLocaleString('en') ?? '-',
        left: left === null ? '-' : formatDuration(left),
      });
      if (['completed', 'failed', 'cancelled'].includes(job.state)) {
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  } finally {
    bar?.stop();
  }
}
