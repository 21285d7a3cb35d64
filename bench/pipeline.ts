/**
 * Pipeline benchmark: CTU-13 scenario 6 from upload to a ready model, through the real API and worker, with the
 * seconds of each job phase as the worker recorded them, and the model's stored evaluation. Starts its own server
 * (database, queue prefix and artifact directory of its own, dropped at the end), like the tests.
 *
 * Usage: npm run bench:pipeline -- [--epochs N] [--workers N] [--mode count|host] [--temporal-split SHARE]
 * `--mode host` makes each source address's flows in StartTime order a sentence, split on gaps over 60 s and every
 * 30 flows. `--temporal-split 0.7` trains on the first 70 % of the flows by StartTime and evaluates on the rest.
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
    options: {
      epochs: { type: 'string', default: '5' },
      workers: { type: 'string', default: '2' },
      mode: { type: 'string', default: 'count' },
      'temporal-split': { type: 'string' },
    },
  });
  const sentences =
    values.mode === 'host' ? { mode: 'host', length: 30, seconds: 60 } : { mode: values.mode, length: 30 };
  const temporalSplit = values['temporal-split'] === undefined ? null : Number(values['temporal-split']);
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
        body: JSON.stringify({ captureIds: [capture.id], sentences, trainer, evaluation: { temporalSplit } }),
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
      `\nvocabulary ${model.vocabularySize} tokens, ${values.mode} sentences, ${trainer.epochs} epoch(s), ` +
        `${trainer.workers} trainer threads; ${os.cpus().length} cores (${os.cpus()[0].model}), ` +
        `load average ${load.toFixed(1)} at the end`,
    );
    console.log(`\n${renderEvaluation(model.evaluation)}`);
  } finally {
    await server.stop();
  }
}

interface Detection {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Renders the evaluation the worker stored on the model as a Markdown table of its headline figures. */
function renderEvaluation(evaluation: {
  clustering: { k: number; iterations: number; seconds: number };
  labelAgreementByTokens: { labelClass: string; agreement: number | null }[];
  labelAgreementByFlows: { labelClass: string; agreement: number | null }[];
  botnetDetectionByTokens: Detection;
  botnetDetectionByFlows: Detection;
  clusterPurityByTokens: number | null;
  clusterPurityByFlows: number | null;
  temporalSplit: { byFlows: Detection & { unseen: number; total: number }; byTokens: Detection } | null;
}): string {
  const figure = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
  const detection = (scores: Detection) =>
    `P ${figure(scores.precision)} R ${figure(scores.recall)} F1 ${figure(scores.f1)}`;
  const rows = [
    [
      'k-means',
      `k ${evaluation.clustering.k}, ${evaluation.clustering.iterations} passes, ${evaluation.clustering.seconds.toFixed(1)} s`,
    ],
    ...evaluation.labelAgreementByTokens.map((row) => [
      `agreement@10 ${row.labelClass}, tokens`,
      figure(row.agreement),
    ]),
    ...evaluation.labelAgreementByFlows.map((row) => [`agreement@10 ${row.labelClass}, flows`, figure(row.agreement)]),
    ['botnet vote, tokens', detection(evaluation.botnetDetectionByTokens)],
    ['botnet vote, flows', detection(evaluation.botnetDetectionByFlows)],
    ['cluster purity, tokens', figure(evaluation.clusterPurityByTokens)],
    ['cluster purity, flows', figure(evaluation.clusterPurityByFlows)],
  ];
  if (evaluation.temporalSplit) {
    const { byFlows, byTokens } = evaluation.temporalSplit;
    rows.push(
      ['temporal split, flows', `${detection(byFlows)} (${byFlows.unseen} of ${byFlows.total} unseen)`],
      ['temporal split, tokens', detection(byTokens)],
    );
  }

  return ['| metric | value |', '|---|---|', ...rows.map(([name, value]) => `| ${name} | ${value} |`)].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
