import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  PLANTED_GROUP_LABELS,
  plantedDestination,
  plantedGroupCapture,
  plantedService,
  plantedSource,
} from './support/planted-groups';
import { json, startTestServer, TestServer, WorkerProcess, waitFor } from './support/test-server';

const HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';
const FINAL_STATES = ['completed', 'failed', 'cancelled'];
const MISSING_ID = '7f1c1d2e-0000-4000-8000-000000000000';
/** Flows of the capture whose classification takes seconds, long enough to act on a running job. */
const LONG_CAPTURE_FLOWS = 1_000_000;
/** Lock duration of the test's workers, in milliseconds: a killed worker's job is found stalled after it. */
const JOB_LOCK_MS = '2000';

interface FixtureRow {
  /** One-based line number in the capture file. */
  line: number;
  token: string;
  label: string;
}

/** Formats one binetflow row; `label` is written as given, so it may be a quoted CSV field. */
function binetflowRow(second: number, src: string, dst: string, dport: string, proto: string, label: string): string {
  const time = `2011/08/17 09:00:${String(second % 60).padStart(2, '0')}.000000`;
  return `${time},0.1,${proto},${src},${50000 + second},  <->,${dst},${dport},CON,0,0,2,200,100,${label}`;
}

/**
 * Builds a capture to classify, written for this test: flows of every planted group (known tokens, some repeated), flows
 * from new sources (unseen tokens), a label containing a comma, and one row that cannot be parsed.
 */
function classificationFixture(): { text: string; rows: FixtureRow[] } {
  const lines = [HEADER];
  const rows: FixtureRow[] = [];
  const add = (src: string, dst: string, dport: string, proto: string, label: string, csvLabel = label) => {
    lines.push(binetflowRow(lines.length, src, dst, dport, proto, csvLabel));
    rows.push({ line: lines.length, token: `${src}|${dst}|${dport}|${proto}`, label });
  };

  for (let group = 0; group < PLANTED_GROUP_LABELS.length; group++) {
    const { dport, proto } = plantedService(group);
    for (let i = 0; i < 6; i++) {
      add(
        plantedSource(group, i % 4),
        plantedDestination(group, (i * 5) % 6),
        dport,
        proto,
        PLANTED_GROUP_LABELS[group],
      );
    }
    add(plantedSource(group, 0), plantedDestination(group, 0), dport, proto, PLANTED_GROUP_LABELS[group]);
    add(`10.250.${group}.1`, plantedDestination(group, 1), dport, proto, 'flow=Background-new-source');
  }
  add('10.251.0.1', '198.51.100.9', '7', 'udp', 'flow=odd,label', '"flow=odd,label"');
  lines.push('2011/08/17 09:01:00.000000,not-a-number');
  add(plantedSource(3, 2), plantedDestination(3, 4), plantedService(3).dport, plantedService(3).proto, 'flow=last');

  return { text: `${lines.join('\n')}\n`, rows };
}

/** Splits one CSV line into fields (RFC 4180 quoting), without any of the server's code. */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  fields.push(field);
  return fields;
}

describe('capture classification job', () => {
  let server: TestServer;
  let worker: WorkerProcess | undefined;
  let modelId: string;
  let versionId: string;
  let longCaptureId: string;
  const fixture = classificationFixture();

  const getJson = async (path: string) => json(await server.fetch(path));
  const post = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const upload = async (bytes: string | Uint8Array, fileName: string) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), fileName);
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    assert.equal(response.status, 201, await response.clone().text());
    return json(response);
  };
  const waitForJob = (jobId: string) =>
    waitFor(
      async () => {
        const job = await getJson(`/api/v1/jobs/${jobId}`);
        return FINAL_STATES.includes(job.state) ? job : undefined;
      },
      180_000,
      () => `${server.output().slice(-2000)}\n${worker?.output().slice(-3000) ?? ''}`,
    );
  const classificationFiles = async (): Promise<string[]> =>
    readdir(join(server.dataDir, 'classifications')).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        return [];
      }
      throw error;
    });
  const waitForRunning = (jobId: string) =>
    waitFor(
      async () => {
        const current = await getJson(`/api/v1/jobs/${jobId}`);
        return current.state !== 'queued' && current.progress.flowsDone > 0 ? current : undefined;
      },
      60_000,
      () => worker?.output().slice(-3000) ?? '',
    );
  const stopWorker = async () => {
    await worker?.kill('SIGTERM');
    worker = undefined;
  };

  before(async () => {
    // The API runs alone, so a test decides when a worker takes jobs by starting or stopping one.
    server = await startTestServer({ role: 'api', env: { JOB_LOCK_MS, RETRY_DELAY_MS: '100' } });
    worker = await server.startWorker();
    const capture = await upload(plantedGroupCapture(120), 'planted-groups.binetflow');
    const created = await json(
      await post('/api/v1/models', {
        captureIds: [capture.id],
        trainer: { vectorSize: 16, epochs: 10, workers: 1, seed: 5, sample: 0 },
        clustering: { k: 12 },
      }),
    );
    const job = await waitForJob(created.job.id);
    assert.equal(job.state, 'completed', job.error);
    modelId = created.model.id;
    versionId = (await getJson(`/api/v1/models/${modelId}`)).versionId;
  });

  after(async () => {
    await server?.stop();
  });

  it('unknown capture is 404 and queues nothing', async () => {
    const jobsBefore = (await getJson('/api/v1/jobs')).total;

    const missing = await post(`/api/v1/models/${modelId}/classify`, { captureId: MISSING_ID });
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).code, 'CAPTURE_NOT_FOUND');
    const malformed = await post(`/api/v1/models/${modelId}/classify`, { captureId: 'not-a-capture' });
    assert.equal(malformed.status, 404);

    assert.equal((await getJson('/api/v1/jobs')).total, jobsBefore);
    const rows = await server.query<{ count: string }>(`SELECT count(*) FROM jobs WHERE kind = 'classify'`);
    assert.equal(rows[0].count, '0');
  });

  it('classify rejects two flow sources', async () => {
    const response = await post(`/api/v1/models/${modelId}/classify`, { rows: fixture.text, captureId: MISSING_ID });
    assert.equal(response.status, 400);
    assert.match((await json(response)).message, /exactly one of flows.*the request has rows and captureId/);

    const none = await post(`/api/v1/models/${modelId}/classify`, { k: 5 });
    assert.equal(none.status, 400);
    assert.match((await json(none)).message, /none of them/);
  });

  it('result is 409 for training job', async () => {
    const [trainingJob] = await getJson(`/api/v1/models/${modelId}/jobs`);
    const response = await server.fetch(`/api/v1/jobs/${trainingJob.id}/result.csv`);
    assert.equal(response.status, 409);
    const body = await json(response);
    assert.equal(body.code, 'RESULT_NOT_AVAILABLE');
    assert.match(body.message, /train job, which has no CSV result/);

    const unknown = await server.fetch(`/api/v1/jobs/${MISSING_ID}/result.csv`);
    assert.equal(unknown.status, 404);
  });

  it('queued job is 409, then cancelled without a file', async () => {
    await stopWorker();
    const capture = await upload(`${fixture.text}\n\n\n`, 'to-cancel.binetflow');
    const started = await post(`/api/v1/models/${modelId}/classify`, { captureId: capture.id });
    assert.equal(started.status, 202);
    const job = await json(started);

    const early = await server.fetch(`/api/v1/jobs/${job.id}/result.csv`);
    assert.equal(early.status, 409);
    assert.match((await json(early)).message, /is queued; its CSV can be downloaded once the job is completed/);

    const cancelled = await json(await post(`/api/v1/jobs/${job.id}/cancel`, {}));
    assert.equal(cancelled.state, 'cancelled');
    const model = await getJson(`/api/v1/models/${modelId}`);
    assert.equal(model.status, 'ready', 'cancelling a classification leaves its model version alone');
    assert.equal(model.versionId, versionId);

    worker = await server.startWorker();
    const download = await server.fetch(`/api/v1/jobs/${job.id}/result.csv`);
    assert.equal(download.status, 409);
    assert.deepEqual(await classificationFiles(), []);
  });

  it('job with deleted capture fails without a file', async () => {
    await stopWorker();
    const capture = await upload(`${fixture.text}\n`, 'deleted-later.binetflow');
    const job = await json(await post(`/api/v1/models/${modelId}/classify`, { captureId: capture.id }));
    const deleted = await server.fetch(`/api/v1/captures/${capture.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);

    worker = await server.startWorker();
    const finished = await waitForJob(job.id);
    assert.equal(finished.state, 'failed');
    assert.match(finished.error, /capture .* was deleted before it was classified/);
    assert.equal(finished.captureId, null);
    assert.equal(finished.attempts, 1, 'a deleted capture is not retried');
    assert.deepEqual(await classificationFiles(), []);
  });

  it('failing read removes the partial file', async () => {
    const lines = [HEADER];
    for (let i = 0; i < 20_000; i++) {
      lines.push(binetflowRow(i, plantedSource(i % 6, i % 4), plantedDestination(i % 6, i % 6), '53', 'udp', 'x'));
    }
    const gzip = gzipSync(`${lines.join('\n')}\n`);
    const capture = await upload(gzip, 'truncated-later.binetflow.gz');
    await stopWorker();
    const job = await json(await post(`/api/v1/models/${modelId}/classify`, { captureId: capture.id }));
    // The stored file loses its end, so every attempt classifies most rows, then fails reading the gzip stream.
    const sha256 = createHash('sha256').update(gzip).digest('hex');
    await writeFile(join(server.dataDir, 'captures', sha256), gzip.subarray(0, Math.floor(gzip.length * 0.8)));

    worker = await server.startWorker();
    const finished = await waitForJob(job.id);
    assert.equal(finished.state, 'failed');
    assert.equal(finished.attempts, 3);
    assert.equal(finished.result, null);
    assert.deepEqual(await classificationFiles(), []);
    const download = await server.fetch(`/api/v1/jobs/${job.id}/result.csv`);
    assert.equal(download.status, 409);
  });

  it('running job cancelled without a file', async (t) => {
    // Enough flows that classifying takes seconds, so the job is still running when it is cancelled.
    const lines = [HEADER];
    for (let i = 0; i < LONG_CAPTURE_FLOWS; i++) {
      lines.push(binetflowRow(i, plantedSource(i % 6, i % 4), `198.18.${(i >> 8) % 256}.${i % 256}`, '53', 'udp', 'x'));
    }
    longCaptureId = (await upload(gzipSync(`${lines.join('\n')}\n`), 'long.binetflow.gz')).id;
    const job = await json(await post(`/api/v1/models/${modelId}/classify`, { captureId: longCaptureId }));

    const running = await waitForRunning(job.id);
    const startedAt = Date.now();
    assert.equal(running.state, 'active');
    const cancelled = await post(`/api/v1/jobs/${job.id}/cancel`, {});
    assert.equal(cancelled.status, 200, await cancelled.clone().text());

    await waitFor(
      async () => (worker!.output().includes(`Job ${job.id} stopped after its cancellation`) ? true : undefined),
      60_000,
      () => worker?.output().slice(-3000) ?? '',
    );
    t.diagnostic(
      `stopped ${Date.now() - startedAt} ms after ${running.progress.flowsDone} of ${LONG_CAPTURE_FLOWS} flows`,
    );
    const stoppedJob = await getJson(`/api/v1/jobs/${job.id}`);
    assert.equal(stoppedJob.state, 'cancelled');
    assert.equal(stoppedJob.result, null);
    assert.deepEqual(await classificationFiles(), []);
  });

  it('CSV matches synchronous classification row by row', async () => {
    const capture = await upload(fixture.text, 'classify-me.binetflow');
    const started = await post(`/api/v1/models/${modelId}/classify`, { captureId: capture.id, k: 7 });
    assert.equal(started.status, 202);
    const queued = await json(started);
    assert.equal(queued.kind, 'classify');
    assert.equal(queued.captureId, capture.id);
    assert.equal(queued.versionId, versionId);
    assert.equal(queued.modelId, modelId);
    assert.equal(queued.k, 7);
    assert.equal(queued.progress.flowsTotal, fixture.rows.length);

    const job = await waitForJob(queued.id);
    assert.equal(job.state, 'completed', job.error);
    assert.equal(job.phase, 'done');
    assert.equal(job.progress.fraction, 1);
    assert.equal(job.progress.flowsDone, fixture.rows.length);
    assert.deepEqual(
      job.phaseSeconds.map((entry: { phase: string }) => entry.phase),
      ['classifying', 'saving'],
    );

    const response = await server.fetch(`/api/v1/jobs/${job.id}/result.csv`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(
      response.headers.get('content-disposition'),
      'attachment; filename="classify-me.binetflow.classified.csv"',
    );
    const lines = (await response.text()).trimEnd().split('\n');
    assert.equal(lines[0], 'line,token,status,labelClass,confidence,label');
    assert.equal(lines.length - 1, fixture.rows.length);

    const synchronous = await json(await post(`/api/v1/models/${modelId}/classify`, { rows: fixture.text, k: 7 }));
    assert.equal(synchronous.versionId, versionId);
    assert.equal(synchronous.flows.length, fixture.rows.length);
    for (const [i, expected] of fixture.rows.entries()) {
      const [line, token, status, labelClass, confidence, label] = parseCsvLine(lines[i + 1]);
      const flow = synchronous.flows[i];
      const where = `CSV row ${i + 1}: ${lines[i + 1]}`;
      assert.equal(Number(line), expected.line, where);
      assert.equal(token, expected.token, where);
      assert.equal(token, flow.token, where);
      assert.equal(status, flow.status, where);
      assert.equal(labelClass, flow.labelClass ?? '', where);
      if (flow.confidence === null) {
        assert.equal(confidence, '', where);
      } else {
        assert.ok(Math.abs(Number(confidence) - flow.confidence) < 1e-9, where);
      }
      assert.equal(label, expected.label, where);
    }

    const known = synchronous.flows.filter((flow: { status: string }) => flow.status === 'known');
    assert.ok(known.length > 0, 'the fixture has known flows');
    assert.ok(known.length < fixture.rows.length, 'the fixture has unseen flows');
    const result = job.result;
    assert.equal(result.flows, fixture.rows.length);
    assert.equal(result.known, known.length);
    assert.equal(result.unseen, fixture.rows.length - known.length);
    assert.equal(result.rejectedRows, 1);
    assert.equal(result.fileName, 'classify-me.binetflow.classified.csv');
    for (const { labelClass, count } of result.labelClassCounts) {
      const expected = known.filter((flow: { labelClass: string }) => flow.labelClass === labelClass).length;
      assert.equal(count, expected, `flows classified ${labelClass}`);
    }
    assert.deepEqual(await classificationFiles(), [`${job.id}.csv`]);
  });

  it('GraphQL starts and shows classification job', async () => {
    const capture = await upload(`${fixture.text}\n\n`, 'graphql.binetflow');
    const graphql = async (query: string) => json(await post('/graphql', { query }));

    const started = await graphql(
      `mutation { classifyCapture(modelId: "${modelId}", captureId: "${capture.id}") { id kind state captureId k } }`,
    );
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    assert.equal(started.data.classifyCapture.kind, 'classify');
    assert.equal(started.data.classifyCapture.k, 10);
    await waitForJob(started.data.classifyCapture.id);

    const queried = await graphql(
      `{ job(id: "${started.data.classifyCapture.id}") { state versionId progress { flowsDone flowsTotal } ` +
        'result { flows known unseen labelClassCounts { labelClass count } } } }',
    );
    assert.equal(queried.errors, undefined, JSON.stringify(queried.errors));
    const job = queried.data.job;
    assert.equal(job.state, 'completed');
    assert.equal(job.versionId, versionId);
    assert.equal(job.progress.flowsDone, fixture.rows.length);
    assert.equal(job.result.flows, fixture.rows.length);
    assert.equal(job.result.known + job.result.unseen, fixture.rows.length);
    assert.deepEqual(
      job.result.labelClassCounts.map((entry: { labelClass: string }) => entry.labelClass),
      ['Botnet', 'Normal', 'Background'],
    );

    const missing = await graphql(
      `mutation { classifyCapture(modelId: "${modelId}", captureId: "${MISSING_ID}") { id } }`,
    );
    assert.equal(missing.errors[0].extensions.code, 'CAPTURE_NOT_FOUND');
  });

  it('SIGKILL mid-classification: retried, one file', async () => {
    const job = await json(await post(`/api/v1/models/${modelId}/classify`, { captureId: longCaptureId }));
    await waitForRunning(job.id);
    assert.equal(await worker!.kill('SIGKILL'), 'SIGKILL');
    worker = undefined;
    assert.ok(
      (await classificationFiles()).includes(`${job.id}.csv.partial`),
      'the killed attempt left its partial file',
    );

    // The next worker finds the job stalled once its lock expires and starts it again over the same partial file.
    worker = await server.startWorker();
    const finished = await waitForJob(job.id);
    assert.equal(finished.state, 'completed', finished.error);
    assert.equal(finished.attempts, 2);
    assert.equal(finished.result.flows, LONG_CAPTURE_FLOWS);
    const files = await classificationFiles();
    assert.deepEqual(
      files.filter((name) => name.startsWith(job.id)),
      [`${job.id}.csv`],
    );
    assert.deepEqual(
      files.filter((name) => name.endsWith('.partial')),
      [],
    );

    const response = await server.fetch(`/api/v1/jobs/${job.id}/result.csv`);
    assert.equal(response.status, 200);
    const rows = (await response.text()).trimEnd().split('\n');
    assert.equal(rows.length, LONG_CAPTURE_FLOWS + 1);
    assert.equal(rows.at(-1)!.split(',')[0], String(LONG_CAPTURE_FLOWS + 1));
  });
});
