import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { FileHandle, open, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { json, startTestServer, TestServer, waitFor, WorkerProcess } from './support/test-server';

/** Lock duration of the test workers: short, so a killed worker's job is taken over quickly, and a lock that is not
 * renewed while a long training runs would show up as a stalled job. */
const JOB_LOCK_MS = '2000';

/**
 * Writes a planted capture: 40 hosts, each talking to its own group of 8 destinations, in time order. Every host's flows
 * are labelled Botnet for hosts 0-3, Normal for 4-9 and Background otherwise.
 */
function plantedCapture(flows: number): string {
  const lines = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label'];
  const start = Date.UTC(2011, 7, 16, 10, 0, 0);
  for (let i = 0; i < flows; i++) {
    const host = (i * 7919) % 40;
    const destination = (host % 10) * 8 + (Math.floor(i / 40) % 8);
    let label = 'flow=Background';
    if (host < 4) {
      label = 'flow=From-Botnet-V1';
    } else if (host < 10) {
      label = 'flow=From-Normal-V1';
    }
    const time = new Date(start + i * 50).toISOString().replace('T', ' ').replace('Z', '').replaceAll('-', '/');
    lines.push(
      `${time},0.1,udp,10.1.0.${host},${40000 + (i % 100)},  <->,192.0.2.${destination},53,CON,0,0,2,200,100,${label}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Deletes every Redis key under `prefix`, as a Redis that lost its data would; returns how many there were. */
async function deleteQueueKeys(prefix: string): Promise<number> {
  const redis = new IORedis({ host: '127.0.0.1', port: 6379 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

/** Settings that keep one worker thread busy for several seconds on the planted capture. */
const LONG_TRAINER = { vectorSize: 48, window: 10, negative: 10, sample: 0, epochs: 300, workers: 1, seed: 3 };

describe('training pipeline', () => {
  let server: TestServer;
  let captureId: string;

  const post = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const getJson = async (path: string) => json(await server.fetch(path));
  const waitForJob = (jobId: string, done: (job: { state: string; phase: string }) => boolean, what: string) =>
    waitFor(
      async () => {
        const job = await getJson(`/api/v1/jobs/${jobId}`);
        return done(job) ? job : undefined;
      },
      180_000,
      () => `job ${jobId}: ${what}\n${server.output().slice(-3000)}`,
    );

  before(async () => {
    server = await startTestServer({ role: 'api', env: { JOB_LOCK_MS, RETRY_DELAY_MS: '500' } });
    const form = new FormData();
    form.append('file', new Blob([plantedCapture(30_000)]), 'planted.binetflow');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.equal(upload.status, 201, JSON.stringify(capture));
    captureId = capture.id;
  });

  after(async () => {
    await server?.stop();
  });

  it('invalid definition names fields and accepted values', async () => {
    const response = await post('/api/v1/models', {
      captureIds: [captureId],
      tokenFields: ['srcAddr', 'label'],
      includeLabel: 'yes',
      sentences: { mode: 'words', seconds: -1 },
      clustering: { k: 1 },
    });
    const { message } = await json(response);
    assert.equal(response.status, 400);
    assert.match(message, /each value in tokenFields must be one of the following values: srcAddr, sport, dstAddr/);
    assert.match(message, /includeLabel must be a boolean/);
    assert.match(message, /sentences\.mode must be one of the following values: count, time, host/);
    assert.match(message, /sentences\.seconds must not be less than 0\.001/);
    assert.match(message, /clustering\.k must not be less than 2/);

    const unused = await post('/api/v1/models', { captureIds: [captureId], sentences: { mode: 'count', seconds: 5 } });
    assert.equal(unused.status, 400);
    assert.match((await json(unused)).message, /sentences\.seconds is not used in count mode/);
  });

  it('missing capture is 404 and queues nothing', async () => {
    const missing = '7f1c1d2e-0000-4000-8000-000000000000';
    const response = await post('/api/v1/models', { captureIds: [captureId, missing] });
    assert.equal(response.status, 404);
    assert.match((await json(response)).message, new RegExp(missing));
    assert.deepEqual(await server.query('SELECT id FROM jobs'), []);

    const redis = new IORedis({ host: '127.0.0.1', port: 6379 });
    try {
      const keys = await redis.keys(`${server.queuePrefix}:training:*`);
      assert.deepEqual(
        keys.filter((key) => !key.endsWith(':meta')),
        [],
      );
    } finally {
      redis.disconnect();
    }
  });

  let modelId: string;

  it('SIGKILL mid-training: retried once, one version', { timeout: 300_000 }, async () => {
    const created = await json(
      await post('/api/v1/models', { name: 'planted', captureIds: [captureId], trainer: LONG_TRAINER }),
    );
    modelId = created.model.id;
    const jobId = created.job.id;

    const first = await server.startWorker();
    await waitForJob(jobId, (job) => job.phase === 'training', 'never reached training');
    assert.equal(await first.kill('SIGKILL'), 'SIGKILL');

    // Nothing is left to update the row: it stays active until another worker takes the job over.
    assert.equal((await getJson(`/api/v1/jobs/${jobId}`)).state, 'active');
    const second = await server.startWorker();
    const job = await waitForJob(jobId, (job) => ['completed', 'failed'].includes(job.state), 'did not finish');
    await second.kill('SIGTERM');
    assert.equal(job.state, 'completed', job.error);
    assert.equal(job.attempts, 2);

    // The second worker found the killed attempt stalled, once. Its own attempt trained for several lock durations
    // and was never taken for stalled, or the job would have a third attempt.
    const training = job.phaseSeconds.find((entry: { phase: string }) => entry.phase === 'training');
    assert.ok(training.seconds > 2 * (Number(JOB_LOCK_MS) / 1000), `training took ${training.seconds} s`);
    assert.equal(second.output().match(/stalled/g)?.length, 1, second.output());

    const versions = await getJson(`/api/v1/models/${modelId}/versions`);
    assert.equal(versions.length, 1);
    assert.equal(versions[0].status, 'ready');
    const [{ count }] = await server.query<{ count: string }>('SELECT count(*) FROM tokens WHERE "modelId" = $1', [
      versions[0].id,
    ]);
    assert.equal(Number(count), versions[0].vocabularySize);
    assert.deepEqual((await readdir(join(server.dataDir, 'models', versions[0].id))).sort(), [
      'index.hnsw',
      'projection.json',
      'vectors.f32',
    ]);
  });

  it('retraining adds a version; the old one serves meanwhile', { timeout: 300_000 }, async () => {
    const token = '10.1.0.1|192.0.2.8|53|udp';
    const retrain = await post(`/api/v1/models/${modelId}/versions`, { trainer: { seed: 4, epochs: 2 } });
    const created = await json(retrain);
    assert.equal(retrain.status, 202, JSON.stringify(created));
    assert.equal(created.version.version, 2);
    assert.equal(created.version.trainer.vectorSize, LONG_TRAINER.vectorSize);

    // No worker runs yet, so version 1 serves queries.
    const shown = await getJson(`/api/v1/models/${modelId}`);
    assert.equal(shown.version, 1);
    assert.equal(shown.latestVersion, 2);
    const before = await server.fetch(`/api/v1/models/${modelId}/similar?token=${encodeURIComponent(token)}&k=3`);
    assert.equal(before.status, 200);

    const worker = await server.startWorker({ JOB_LOCK_MS });
    await waitForJob(created.job.id, (job) => job.state === 'completed', 'did not complete');
    await worker.kill('SIGTERM');
    const after = await getJson(`/api/v1/models/${modelId}`);
    assert.equal(after.version, 2);
    assert.equal(after.versionId, created.version.id);
    assert.equal((await getJson(`/api/v1/models/${modelId}/versions/1`)).status, 'ready');

    const v1 = await (await server.fetch(`/api/v1/models/${modelId}/vectors?version=1`)).text();
    const v2 = await (await server.fetch(`/api/v1/models/${modelId}/vectors`)).text();
    assert.notEqual(v1, v2, 'the newest version is exported by default');
  });

  it('export then import gives the same vectors', async () => {
    for (const format of ['text', 'binary']) {
      const exported = await server.fetch(`/api/v1/models/${modelId}/vectors?format=${format}`);
      assert.equal(exported.status, 200);
      const bytes = Buffer.from(await exported.arrayBuffer());

      const form = new FormData();
      form.append('file', new Blob([bytes]), `planted.${format}`);
      form.append('name', `imported ${format}`);
      const response = await server.fetch('/api/v1/models/import', { method: 'POST', body: form });
      const imported = await json(response);
      assert.equal(response.status, 201, JSON.stringify(imported));
      assert.equal(imported.status, 'ready');
      assert.equal(imported.imported, true);

      const again = await server.fetch(`/api/v1/models/${imported.id}/vectors?format=${format}`);
      assert.deepEqual(Buffer.from(await again.arrayBuffer()), bytes, `${format} export of the import differs`);
    }

    const text = await (await server.fetch(`/api/v1/models/${modelId}/vectors`)).text();
    const [header, first] = text.split('\n');
    const [vocabularySize, vectorSize] = header.split(' ').map(Number);
    assert.equal(vectorSize, LONG_TRAINER.vectorSize);
    assert.equal(text.trimEnd().split('\n').length, vocabularySize + 1);
    assert.equal(first.split(' ').length, vectorSize + 1);
  });

  it('import rejects a damaged file with 422', async () => {
    const form = new FormData();
    form.append('file', new Blob(['3 2\na 1 2\nb 1\n']), 'damaged.txt');
    const response = await server.fetch('/api/v1/models/import', { method: 'POST', body: form });
    const body = await json(response);
    assert.equal(response.status, 422);
    assert.equal(body.code, 'VECTORS_UNREADABLE');
    assert.match(body.message, /Entry 2 \("b"\) has 1 values/);
    assert.deepEqual(await server.query(`SELECT id FROM models WHERE name = 'damaged.txt'`), []);
  });

  it('cancel stops a running job and removes its files', { timeout: 300_000 }, async (t) => {
    const worker = await server.startWorker();
    const created = await json(await post(`/api/v1/models/${modelId}/versions`, { trainer: LONG_TRAINER }));
    await waitForJob(created.job.id, (job) => job.phase === 'training', 'never reached training');

    const requestedAt = performance.now();
    const cancel = await server.fetch(`/api/v1/jobs/${created.job.id}/cancel`, { method: 'POST' });
    const respondedAt = performance.now();
    const cancelled = await json(cancel);
    assert.equal(cancel.status, 200, JSON.stringify(cancelled));
    assert.equal(cancelled.state, 'cancelled');

    // The API marks the job cancelled before it responds, and the worker logs this line once it has stopped the
    // trainer threads and removed the version's files. The notification is sent when the API commits, so the worker
    // often stops the job before the response arrives: the time is measured from the request.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`worker did not stop the job:\n${worker.output().slice(-2000)}`)),
        30_000,
      );
    });
    await Promise.race([
      worker.waitForOutput(new RegExp(`Job ${created.job.id} stopped after its cancellation`)),
      timeout,
    ]);
    clearTimeout(timer);
    const stoppedAt = performance.now();
    const stoppedAfterMs = stoppedAt - requestedAt;
    t.diagnostic(
      `the worker stopped the job ${Math.round(stoppedAfterMs)} ms after the cancel request was sent ` +
        `(the response took ${Math.round(respondedAt - requestedAt)} ms)`,
    );
    // The notification, not the slower poll, reached the worker. The bound leaves room for a loaded 2-core machine.
    assert.match(
      worker.output(),
      new RegExp(`Job ${created.job.id} was cancelled; stopping it(?! \\(found by polling)`),
    );
    assert.ok(stoppedAfterMs < 3000, `the worker stopped the job ${stoppedAfterMs} ms after the cancel request`);
    await worker.kill('SIGTERM');
    const version = await getJson(`/api/v1/models/${modelId}/versions/3`);
    assert.equal(version.status, 'cancelled');
    assert.equal((await getJson(`/api/v1/jobs/${created.job.id}`)).state, 'cancelled');
    assert.deepEqual(await readdir(join(server.dataDir, 'models')).then((dirs) => dirs.includes(version.id)), false);
    assert.equal((await getJson(`/api/v1/models/${modelId}`)).version, 2, 'version 2 keeps serving');

    const again = await server.fetch(`/api/v1/jobs/${created.job.id}/cancel`, { method: 'POST' });
    assert.equal(again.status, 409);
  });

  it('SIGTERM returns the running job to the queue', { timeout: 300_000 }, async () => {
    const worker: WorkerProcess = await server.startWorker();
    const created = await json(await post(`/api/v1/models/${modelId}/versions`, { trainer: LONG_TRAINER }));
    await waitForJob(created.job.id, (job) => job.phase === 'training', 'never reached training');

    // Nest re-raises the signal after its shutdown hooks ran, so the process ends by SIGTERM.
    assert.equal(await worker.kill('SIGTERM'), 'SIGTERM');
    const job = await getJson(`/api/v1/jobs/${created.job.id}`);
    assert.equal(job.state, 'queued');
    assert.match(job.error, /worker process stopped/);
    assert.equal((await getJson(`/api/v1/models/${modelId}/versions/4`)).status, 'queued');

    const next = await server.startWorker();
    await waitForJob(created.job.id, (job) => job.state === 'completed', 'was not resumed');
    await next.kill('SIGTERM');
  });

  it('lost Redis keys: one ready version with files', { timeout: 300_000 }, async (t) => {
    const first = await server.startWorker();
    const created = await json(
      await post('/api/v1/models', { name: 'redis loss', captureIds: [captureId], trainer: LONG_TRAINER }),
    );
    const jobId = created.job.id;
    // A model's first version has the model's id.
    const versionId = created.model.id;
    await waitForJob(jobId, (job) => job.phase === 'training', 'never reached training');

    // The reconciler leaves alone a job younger than a minute, because its API call may still be queueing it.
    await server.query(`UPDATE jobs SET "createdAt" = now() - interval '10 minutes' WHERE id = $1`, [jobId]);
    assert.ok((await deleteQueueKeys(server.queuePrefix)) > 0, 'the queue had no keys to delete');

    // The first worker goes on training. Its reconciler queues the job again, and a second worker starts the new
    // attempt, so two attempts of one version run at once.
    await waitForJob(jobId, (job) => job.state === 'queued', 'was not queued again after its Redis keys were lost');
    const second = await server.startWorker();
    // An attempt ends completed, stopped or failed; one that starts after the other made the version ready is skipped.
    const ended = (worker: WorkerProcess) =>
      new RegExp(`Job ${jobId} (completed|stopped|failed for|is no longer queued)`).test(worker.output())
        ? true
        : undefined;
    await waitFor(
      async () => {
        const response = await server.fetch(`/api/v1/jobs/${jobId}`).catch((error: Error) => {
          throw new Error(`GET job failed: ${String(error.cause ?? error)}\n${server.output().slice(-3000)}`);
        });
        assert.equal(response.status, 200, 'job status is not readable while Redis has lost the job');
        assert.match((await json(response)).state, /^(queued|active|completed)$/);
        return ended(first) && ended(second);
      },
      240_000,
      () =>
        `both attempts did not end\nfirst:\n${first.output().slice(-2000)}\nsecond:\n${second.output().slice(-2000)}`,
    );
    await Promise.all([first.kill('SIGTERM'), second.kill('SIGTERM')]);
    for (const [name, worker] of [
      ['first', first],
      ['second', second],
    ] as const) {
      const lines = worker
        .output()
        .split('\n')
        .filter((line) => line.includes(jobId) && !line.includes('could not renew lock'));
      t.diagnostic(`${name} worker: ${lines.map((line) => line.replace(/^.*?(LOG|WARN|ERROR) /, '')).join(' | ')}`);
    }

    const job = await getJson(`/api/v1/jobs/${jobId}`);
    assert.equal(job.state, 'completed', JSON.stringify(job));
    const versions = await getJson(`/api/v1/models/${created.model.id}/versions`);
    assert.deepEqual(
      versions.map((version: { status: string }) => version.status),
      ['ready'],
    );
    assert.deepEqual((await readdir(join(server.dataDir, 'models', versionId))).sort(), [
      'index.hnsw',
      'projection.json',
      'vectors.f32',
    ]);
    const models = await readdir(join(server.dataDir, 'models'));
    assert.deepEqual(
      models.filter((name) => name.startsWith(`${versionId}.`)),
      [],
      'an attempt folder was left behind',
    );
    const token = '10.1.0.1|192.0.2.8|53|udp';
    const similar = await server.fetch(
      `/api/v1/models/${created.model.id}/similar?token=${encodeURIComponent(token)}&k=3`,
    );
    assert.equal(similar.status, 200, await similar.text());
  });

  it('transient failure is retried after a delay', { timeout: 120_000 }, async () => {
    // The capture reads as empty once, as a file on a shared volume can while it is being restored. A FIFO replaces
    // the file: the first attempt opens it, the real file is put back, and closing the FIFO gives that attempt an
    // empty read. The retry opens the real file.
    const [{ sha256 }] = await server.query<{ sha256: string }>('SELECT sha256 FROM captures WHERE id = $1', [
      captureId,
    ]);
    const path = join(server.dataDir, 'captures', sha256.trim());
    await rename(path, `${path}.saved`);
    let restored = false;
    let fifo: FileHandle | undefined;
    const worker = await server.startWorker();
    try {
      await promisify(execFile)('mkfifo', [path]);
      const created = await json(
        await post('/api/v1/models', {
          name: 'transient failure',
          captureIds: [captureId],
          trainer: { vectorSize: 8, epochs: 1, workers: 1, seed: 5 },
        }),
      );
      // Opening a FIFO for writing without blocking succeeds once a reader has opened it.
      fifo = await waitFor(
        () => open(path, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined),
        60_000,
        () => `the worker never opened the capture:\n${worker.output().slice(-2000)}`,
      );
      await rename(`${path}.saved`, path);
      restored = true;
      const failedAt = Date.now();
      await fifo.close();
      fifo = undefined;

      const job = await waitForJob(created.job.id, (job) => ['completed', 'failed'].includes(job.state), 'did not end');
      assert.equal(job.state, 'completed', job.error);
      assert.equal(job.attempts, 2);
      assert.match(worker.output(), new RegExp(`Job ${created.job.id} attempt 1 failed, retrying: Capture is empty`));
      // RETRY_DELAY_MS is 500 on this server, and the first retry waits that long after the failure.
      const delay = Date.parse(job.startedAt) - failedAt;
      assert.ok(delay >= 500, `the retry started ${delay} ms after the failure`);
      assert.equal((await getJson(`/api/v1/models/${created.model.id}`)).status, 'ready');
    } finally {
      await fifo?.close();
      if (!restored) {
        await rename(`${path}.saved`, path);
      }
      await worker.kill('SIGTERM');
    }
  });

  it('permanent failure is not retried', async () => {
    const worker = await server.startWorker();
    const created = await json(
      await post('/api/v1/models', { captureIds: [captureId], trainer: { minCount: 1_000_000, epochs: 1 } }),
    );
    const job = await waitForJob(created.job.id, (job) => job.state === 'failed', 'did not fail');
    assert.equal(job.attempts, 1);
    assert.match(job.error, /lower trainer\.minCount/);
    assert.equal((await getJson(`/api/v1/models/${created.model.id}`)).status, 'failed');
    await worker.kill('SIGTERM');
  });
});
