/**
 * Pipeline benchmark: CTU-13 scenario 6 from upload to a ready model, through the real API and worker, with the
 * seconds of each job phase as the worker recorded them. Starts its own server (database, queue prefix and artifact
 * directory of its own, dropped at the end), like the tests.
 *
 * Usage: npm run build && node dist/bench/pipeline.js [--epochs N] [--workers N]
 * Needs PostgreSQL and Redis on localhost and the capture beside the repository in ../shared/data/ctu13.
 */
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { json, SHARED_DATA, startTestServer, waitFor } from '../test/support/test-server';

const CAPTURE = path.join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { epochs: { type: 'string', default: '1' }, workers: { type: 'string', default: '2' } },
  });
  const server = await startTestServer();

  try {
    const started = performance.now();
    const form = new FormData();
    form.append('file', await openAsBlob(CAPTURE), path.basename(CAPTURE));
    const capture = await json(await server.fetch('/api/v1/captures', { method: 'POST', body: form }));
    const uploadSeconds = (performance.now() - started) / 1000;

    // The original notebook's settings: 30 flows a sentence, 100 dimensions, window 30, 10 negative samples.
    const trainer = {
      vectorSize: 100,
      window: 30,
      negative: 10,
      epochs: Number(values.epochs),
      workers: Number(values.workers),
      seed: 1,
    };
    const created = await json(
      await server.fetch('/api/v1/models', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ captureIds: [capture.id], sentences: { mode: 'count', length: 30 }, trainer }),
      }),
    );
    const job = await waitFor(
      async () => {
        const body = await json(await server.fetch(`/api/v1/jobs/${created.job.id}`));
        return ['completed', 'failed'].includes(body.state) ? body : undefined;
      },
      60 * 60_000,
      () => `job ${created.job.id} did not finish`,
    );
    const totalSeconds = (performance.now() - started) / 1000;
    if (job.state !== 'completed') {
      throw new Error(`job failed: ${job.error}`);
    }

    const model = await json(await server.fetch(`/api/v1/models/${created.model.id}`));
    const [load] = os.loadavg();
    console.log(`| step | seconds |\n|---|---|\n| upload (${capture.flowCount} flows) | ${uploadSeconds.toFixed(1)} |`);
    for (const { phase, seconds } of model.phaseSeconds as { phase: string; seconds: number }[]) {
      console.log(`| ${phase} | ${seconds.toFixed(1)} |`);
    }
    console.log(`| upload to ready model | ${totalSeconds.toFixed(1)} |`);
    console.log(
      `\nvocabulary ${model.vocabularySize} tokens, ${trainer.epochs} epoch(s), ${trainer.workers} trainer threads; ` +
        `${os.cpus().length} cores (${os.cpus()[0].model}), load average ${load.toFixed(1)} at the end`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
