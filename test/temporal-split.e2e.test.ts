import assert from 'node:assert/strict';
import { createReadStream, openAsBlob } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, SHARED_DATA, startTestServer, TestServer, waitFor } from './support/test-server';

const CAPTURE = join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const FLOWS = 558_919;

/**
 * Temporal-split evaluation on real data: models of CTU-13 scenario 6 train on the first 70% of its flows by
 * StartTime and classify the rest. One epoch of 32-dimensional vectors and k = 50 clusters keep each training
 * within minutes on two cores; the figures are printed as test diagnostics for the count and host sentence modes.
 */
describe('temporal split on scenario 6', () => {
  let server: TestServer;
  let captureId: string;
  let expected: Awaited<ReturnType<typeof readExpectedSplit>>;

  before(async () => {
    server = await startTestServer();
    const form = new FormData();
    form.append('file', await openAsBlob(CAPTURE), 'scenario06_capture20110816.binetflow.gz');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.equal(upload.status, 201, JSON.stringify(capture));
    captureId = capture.id;
    expected = await readExpectedSplit();
  });

  after(async () => {
    await server?.stop();
  });

  for (const sentences of [
    { mode: 'count', length: 30 },
    { mode: 'host', length: 30, seconds: 60 },
  ]) {
    it(`${sentences.mode} mode holds out the later 30%`, { timeout: 40 * 60_000 }, async (t) => {
      const create = await server.fetch('/api/v1/models', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          captureIds: [captureId],
          sentences,
          trainer: { vectorSize: 32, window: 5, negative: 5, epochs: 1, workers: 2, seed: 7 },
          clustering: { k: 50 },
          evaluation: { temporalSplit: 0.7 },
        }),
      });
      const created = await json(create);
      assert.equal(create.status, 202, JSON.stringify(created));
      const job = await waitFor(
        async () => {
          // A server that died shows up as a failed request, so its last output goes into the failure message.
          const response = await server.fetch(`/api/v1/jobs/${created.job.id}`).catch((error: Error) => {
            throw new Error(`${error.message}\n${server.output().slice(-5000)}`);
          });
          const current = await json(response);
          return ['completed', 'failed'].includes(current.state) ? current : undefined;
        },
        40 * 60_000,
        () => server.output().slice(-3000),
      );
      assert.equal(job.state, 'completed', job.error);

      const model = await json(await server.fetch(`/api/v1/models/${created.model.id}`));
      const split = model.evaluation.temporalSplit;
      assert.equal(model.temporalSplit, 0.7);
      assert.equal(split.trainingFlows + split.heldOutFlows, FLOWS);
      assert.equal(split.flowsWithoutStartTime, 0);
      // Flows that share the cutoff's StartTime are all held out, so the held-out share is at least 30%.
      assert.ok(split.heldOutFlows >= 0.3 * FLOWS, `held out ${split.heldOutFlows}`);
      assert.ok(split.heldOutFlows < 0.31 * FLOWS, `held out ${split.heldOutFlows}`);
      // Count mode keeps every flow; host mode leaves out sentences too short to give a word a context.
      if (sentences.mode === 'count') {
        assert.equal(model.corpusWords, split.trainingFlows);
      } else {
        assert.ok(model.corpusWords <= split.trainingFlows, `${model.corpusWords} words`);
      }

      for (const scores of [split.byFlows, split.byTokens]) {
        assert.ok(scores.unseen > 0, 'the later flows include tokens the model never saw');
        assert.ok(scores.unseen <= scores.total);
        assert.ok(scores.unseenBotnet <= scores.truePositives + scores.falseNegatives);
        assert.ok(scores.truePositives + scores.falseNegatives > 0, 'the held-out part has botnet flows');
      }
      assert.equal(split.byFlows.total, split.heldOutFlows);
      assert.ok(Math.abs(split.cutoff - expected.cutoff) < 1e-3, `cutoff ${split.cutoff}, expected ${expected.cutoff}`);
      assert.equal(split.heldOutFlows, expected.heldOutFlows);
      assert.equal(split.byFlows.truePositives + split.byFlows.falseNegatives, expected.heldOutBotnetFlows);

      t.diagnostic(
        `${sentences.mode} mode: ${JSON.stringify({ phaseSeconds: model.phaseSeconds, evaluation: model.evaluation })}`,
      );
    });
  }
});

/** Computes the split from the file itself: the 70% StartTime quantile and the flows and botnet flows from it on. */
async function readExpectedSplit(): Promise<{ cutoff: number; heldOutFlows: number; heldOutBotnetFlows: number }> {
  const times: number[] = [];
  const botnet: boolean[] = [];
  const lines = createInterface({ input: createReadStream(CAPTURE).pipe(createGunzip()), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }

    const columns = line.split(',');
    const [date, time] = columns[0].split(' ');
    const [year, month, day] = date.split('/').map(Number);
    const [hours, minutes, seconds] = time.split(':').map(Number);
    times.push(Date.UTC(year, month - 1, day, hours, minutes) / 1000 + seconds);
    botnet.push(columns[columns.length - 1].includes('Botnet'));
  }

  const cutoff = Float64Array.from(times).sort()[Math.floor(times.length * 0.7)];
  let heldOutFlows = 0;
  let heldOutBotnetFlows = 0;
  times.forEach((startTime, i) => {
    if (startTime >= cutoff) {
      heldOutFlows++;
      heldOutBotnetFlows += botnet[i] ? 1 : 0;
    }
  });

  return { cutoff, heldOutFlows, heldOutBotnetFlows };
}
