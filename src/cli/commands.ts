import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ApiClient, CliError } from './api-client';
import { registerClassifyCommand } from './classify-command';
import { registerClustersCommand } from './clusters-command';
import { saveDownload } from './download';
import { registerExportCommand } from './export-command';
import { Job, JOB_TABLE_HEADER, jobRow, waitForJob } from './jobs';
import { collect, CommandContext, positiveInteger, print, table } from './output';

export function registerCommands(program: Command, context: CommandContext): void {
  program
    .command('upload')
    .description('upload a capture (Argus .binetflow CSV or Zeek conn.log, plain or gzip) and print its summary')
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
        return `capture ${capture.id}: ${capture.flowCount} flows (${classes}), ${capture.rejectedCount} ${capture.rejectedCount === 1 ? 'row' : 'rows'} rejected`;
      });
    });

  program
    .command('train')
    .description('create a model from captures and queue its training')
    // No default list: commander would count it as given, and a missing --capture would reach the server.
    .requiredOption('--capture <id>', 'capture to train on; repeat for several, concatenated in order', collect)
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
    .option('-o, --output <file>', "save a completed classification job's CSV of results to this file")
    .action(async (id: string | undefined, flags: { output?: string }) => {
      const { options, client } = context();
      const header = JOB_TABLE_HEADER;
      if (flags.output !== undefined) {
        if (!id) {
          throw new CliError('--output needs a job id: flow2vec jobs JOB -o FILE');
        }
        const response = await client.download(`/jobs/${encodeURIComponent(id)}/result.csv`);
        const bytes = await saveDownload(response, flags.output, { label: 'result', quiet: options.json });
        print(options, { jobId: id, file: flags.output, bytes }, () => `wrote ${bytes} bytes to ${flags.output}`);
        return;
      }
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

  registerClustersCommand(program, context);
  registerClassifyCommand(program, context);
  registerExportCommand(program, context);
}
