import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestServer, TestServer, waitFor } from './support/test-server';

/** Seen once: cut by minCount 2. */
const ONCE = '10.2.0.9|192.0.2.200|25|tcp';
/** Seen twice: kept by minCount 2, cut by minCount 3. */
const TWICE = '10.2.0.8|192.0.2.201|6667|tcp';
const NEVER = '10.2.0.7|192.0.2.202|443|tcp';

/**
 * Writes a capture of 2,000 flows from 10 hosts to 12 destinations each, plus one flow of ONCE and two of TWICE
 * spread through it, in time order.
 */
function captureWithRareTokens(): string {
  const lines = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label'];
  const start = Date.UTC(2011, 7, 16, 10, 0, 0);
  const row = (i: number, token: string) => {
    const [srcAddr, dstAddr, dport, proto] = token.split('|');
    const time = new Date(start + i * 100).toISOString().replace('T', ' ').replace('Z', '').replaceAll('-', '/');
    return `${time},0.1,${proto},${srcAddr},${40000 + (i % 100)},  ->,${dstAddr},${dport},CON,0,0,2,200,100,flow=Background`;
  };

  for (let i = 0; i < 2000; i++) {
    const host = i % 10;
    lines.push(row(i, `10.1.0.${host}|192.0.2.${host * 12 + (Math.floor(i / 10) % 12)}|53|udp`));
    if (i === 500) {
      lines.push(row(i, ONCE));
    }
    if (i === 700 || i === 1400) {
      lines.push(row(i, TWICE));
    }
  }
  return `${lines.join('\n')}\n`;
}

const TRAINER = { vectorSize: 8, epochs: 1, workers: 1, seed: 5 };

describe('cut tokens', () => {
  let server: TestServer;
  let modelId: string;

  const post = async (path: string, body: unknown) => {
    const response = await server.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await json(response) };
  };
  const similar = async (token: string) => {
    const response = await server.fetch(`/api/v1/models/${modelId}/similar?token=${encodeURIComponent(token)}`);
    return { status: response.status, body: await json(response) };
  };
  const waitForJob = (jobId: string) =>
    waitFor(
      async () => {
        const job = await json(await server.fetch(`/api/v1/jobs/${jobId}`));
        return ['completed', 'failed'].includes(job.state) ? job : undefined;
      },
      180_000,
      () => `job ${jobId} did not finish\n${server.output().slice(-3000)}`,
    );

  before(async () => {
    server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob([captureWithRareTokens()]), 'rare.binetflow');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.equal(upload.status, 201, JSON.stringify(capture));

    const created = await post('/api/v1/models', {
      name: 'rare tokens',
      captureIds: [capture.id],
      trainer: { ...TRAINER, minCount: 2 },
      clustering: { k: 2 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    modelId = created.body.model.id;
    const job = await waitForJob(created.body.job.id);
    assert.equal(job.state, 'completed', job.error);
  });

  after(async () => {
    await server?.stop();
  });

  it('token seen once reports count and minCount', async () => {
    const { status, body } = await similar(ONCE);
    assert.equal(status, 404, JSON.stringify(body));
    assert.equal(body.code, 'TOKEN_NOT_FOUND');
    assert.match(body.message, /seen 1 times, fewer than the model's minCount of 2/);
    assert.deepEqual(body.details, { token: ONCE, reason: 'below_min_count', count: 1, minCount: 2 });
  });

  it('token never in the capture is never seen', async () => {
    const { status, body } = await similar(NEVER);
    assert.equal(status, 404, JSON.stringify(body));
    assert.deepEqual(body.details, { token: NEVER, reason: 'never_seen' });
  });

  it('token at minCount is in the vocabulary', async () => {
    const { status, body } = await similar(TWICE);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.query.token, TWICE);
  });

  it('cut tokens are stored per version', { timeout: 240_000 }, async () => {
    const retrain = await post(`/api/v1/models/${modelId}/versions`, { trainer: { minCount: 3 } });
    assert.equal(retrain.status, 202, JSON.stringify(retrain.body));
    const job = await waitForJob(retrain.body.job.id);
    assert.equal(job.state, 'completed', job.error);

    // The API rereads which version serves a model about once a second.
    const { body } = await waitFor(
      async () => {
        const answer = await similar(TWICE);
        return answer.status === 404 ? answer : undefined;
      },
      10_000,
      () => `version 2 never served ${TWICE} as cut`,
    );
    assert.deepEqual(body.details, { token: TWICE, reason: 'below_min_count', count: 2, minCount: 3 });
    // Messages and logs name the model id that clients send, not the id of the served version.
    assert.match(body.message, new RegExp(`vocabulary of model ${modelId}:`));
    assert.match(server.output(), new RegExp(`Unloaded model ${modelId} .*a newer version is loaded`));

    const rows = await server.query<{ version: number; token: string; count: number }>(
      `SELECT v.version, c.token, c.count FROM cut_tokens c JOIN model_versions v ON v.id = c."modelId"
       WHERE v."modelId" = $1 ORDER BY v.version, c.token`,
      [modelId],
    );
    assert.deepEqual(rows, [
      { version: 1, token: ONCE, count: 1 },
      { version: 2, token: TWICE, count: 2 },
      { version: 2, token: ONCE, count: 1 },
    ]);
  });

  it('deleting a version deletes its cut tokens', async () => {
    const [first] = await server.query<{ id: string }>(
      'SELECT id FROM model_versions WHERE "modelId" = $1 AND version = 1',
      [modelId],
    );
    await server.query('DELETE FROM model_versions WHERE id = $1', [first.id]);

    const rows = await server.query('SELECT token FROM cut_tokens WHERE "modelId" = $1', [first.id]);
    assert.deepEqual(rows, []);
  });
});
