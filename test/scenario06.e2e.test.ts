import assert from 'node:assert/strict';
import { openAsBlob } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, SHARED_DATA, startTestServer, TestServer, waitFor } from './support/test-server';

const CAPTURE = join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const INFECTED_HOST = '147.32.84.165';

/**
 * The whole path on real data: CTU-13 scenario 6 is uploaded over HTTP, trained through the real queue and
 * worker with the reference notebook's settings, and the neighbours the API returns are checked against an
 * exact cosine search over the vectors the worker stored.
 */
describe('scenario 6 end to end', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server?.stop();
  });

  it('uploads, trains and answers most-similar like exact cosine', { timeout: 30 * 60_000 }, async (t) => {
    const started = Date.now();
    const form = new FormData();
    form.append('file', await openAsBlob(CAPTURE), 'scenario06_capture20110816.binetflow.gz');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.equal(upload.status, 201, JSON.stringify(capture));
    assert.equal(capture.flowCount, 558_919);
    assert.deepEqual(capture.labelClassCounts, { Botnet: 4_630, Normal: 7_494, Background: 546_795 });
    assert.equal(capture.rejectedCount, 0);

    // The reference notebook's settings: 30 flows a sentence, 100 dimensions, window 30, 10 negative samples, 5 epochs.
    const create = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'scenario 6',
        captureIds: [capture.id],
        sentences: { mode: 'count', length: 30 },
        trainer: {
          vectorSize: 100,
          window: 30,
          negative: 10,
          sample: 0.001,
          minCount: 1,
          epochs: 5,
          workers: 2,
          seed: 7,
        },
      }),
    });
    const created = await json(create);
    assert.equal(create.status, 202, JSON.stringify(created));
    assert.equal(created.job.state, 'queued');

    const phases = new Set<string>();
    const pollErrors: string[] = [];
    const job = await waitFor(
      async () => {
        // A dashboard polling a busy server can hit a keep-alive connection the server is just closing;
        // such a poll is recorded and retried, as a client would, and the test fails if it keeps happening.
        const response = await server.fetch(`/api/v1/jobs/${created.job.id}`).catch((error: Error) => {
          pollErrors.push(String(error.cause ?? error.message));
          assert.ok(pollErrors.length < 10, `polling failed repeatedly: ${pollErrors.join('; ')}`);
          return undefined;
        });
        if (!response) {
          return undefined;
        }

        const body = await json(response);
        phases.add(body.phase);
        return ['completed', 'failed'].includes(body.state) ? body : undefined;
      },
      25 * 60_000,
      () => `job ${created.job.id} did not finish; server output:\n${server.output().slice(-3000)}`,
    );
    assert.equal(job.state, 'completed', `job failed: ${job.error}`);
    assert.ok(phases.has('training'), `phases seen while polling: ${[...phases].join(', ')}`);

    const model = await json(await server.fetch(`/api/v1/models/${created.model.id}`));
    assert.equal(model.status, 'ready');
    assert.equal(model.corpusWords, 558_919);
    assert.ok(model.vocabularySize > 100_000, `vocabulary of ${model.vocabularySize} tokens`);
    assert.equal(model.epochLosses.length, 5);
    assert.ok(Number.isFinite(model.epochLosses[0]));

    // The job clusters the whole vocabulary at the default k of one cluster per five tokens.
    const { clustering } = model.evaluation;
    assert.equal(clustering.k, Math.round(model.vocabularySize / 5));
    assert.equal(Number((await server.query('SELECT count(*) FROM clusters'))[0].count), clustering.k);
    t.diagnostic(
      `k-means of ${model.vocabularySize} tokens into ${clustering.k} clusters: ${clustering.seconds.toFixed(1)} s, ` +
        `${clustering.iterations} passes; evaluation ${model.evaluation.seconds.toFixed(1)} s`,
    );

    const [{ token }] = await server.query<{ token: string }>(
      `SELECT token FROM tokens WHERE "modelId" = $1 AND token LIKE $2 ORDER BY count DESC, token LIMIT 1`,
      [model.id, `${INFECTED_HOST}|%`],
    );
    const exact = await exactNeighbours(server, model.id, model.vocabularySize, token);
    const expected = exact.ranked.slice(0, 10);

    // With `exact: true` the server compares the query with every vector, so its result is the brute-force ranking.
    const exactResponse = await server.fetch(
      `/api/v1/models/${model.id}/similar?token=${encodeURIComponent(token)}&k=10&exact=true`,
    );
    const exactAnswer = await json(exactResponse);
    assert.equal(exactResponse.status, 200, JSON.stringify(exactAnswer));
    assert.deepEqual(
      exactAnswer.neighbours.map((n: { token: string }) => n.token),
      expected.map((n) => n.token),
    );
    exactAnswer.neighbours.forEach((neighbour: { similarity: number }, i: number) => {
      assert.ok(
        Math.abs(neighbour.similarity - expected[i].similarity) < 1e-4,
        `exact neighbour ${i}: ${neighbour.similarity} vs ${expected[i].similarity}`,
      );
    });

    // The default result comes from the HNSW index, which is approximate: every score it returns must be the
    // token's true cosine, best first, and most of the true top 10 must be found.
    const similarResponse = await server.fetch(
      `/api/v1/models/${model.id}/similar?token=${encodeURIComponent(token)}&k=10`,
    );
    const similar = await json(similarResponse);
    assert.equal(similarResponse.status, 200, JSON.stringify(similar));
    assert.equal(similar.query.token, token);
    assert.equal(similar.neighbours.length, 10);
    const found: { token: string; similarity: number }[] = similar.neighbours;
    found.forEach((neighbour, i) => {
      const truth = exact.similarityOf.get(neighbour.token);
      assert.ok(truth !== undefined, `neighbour ${neighbour.token} is not in the vocabulary`);
      assert.ok(
        Math.abs(neighbour.similarity - truth) < 1e-4,
        `${neighbour.token}: ${neighbour.similarity} vs ${truth}`,
      );
      assert.ok(i === 0 || found[i - 1].similarity >= neighbour.similarity, 'neighbours are not ordered best first');
    });
    const expectedTokens = new Set(expected.map((n) => n.token));
    const recall = found.filter((n) => expectedTokens.has(n.token)).length / expected.length;
    t.diagnostic(`recall@10 of the index for ${token}: ${recall}`);
    assert.ok(recall >= 0.8, `the index found ${recall * 10} of the exact top 10`);

    const graphql = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'query($id: ID!, $token: String!) { similar(modelId: $id, token: $token, k: 10) { neighbours { token similarity } } }',
        variables: { id: model.id, token },
      }),
    });
    const graphqlBody = await json(graphql);
    assert.deepEqual(
      graphqlBody.data.similar.neighbours.map((n: { token: string }) => n.token),
      found.map((n) => n.token),
    );

    const unknown = await server.fetch(
      `/api/v1/models/${model.id}/similar?token=${encodeURIComponent('10.0.0.1|10.0.0.2|1|tcp')}`,
    );
    assert.equal(unknown.status, 404);
    assert.match((await json(unknown)).message, /not in the vocabulary/);

    console.log(
      `scenario 6: vocabulary ${model.vocabularySize} tokens, training ${model.trainingSeconds.toFixed(1)} s, upload to answer ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});

/**
 * Exact cosine similarity of `token` to every other token, over the stored vector file, written independently of
 * the server's search code: the ranking best first, and each token's similarity.
 */
async function exactNeighbours(server: TestServer, modelId: string, vocabularySize: number, token: string) {
  const bytes = await readFile(join(server.dataDir, 'models', modelId, 'vectors.f32'));
  const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const dimensions = vectors.length / vocabularySize;
  assert.equal(dimensions, 100);

  const rows = await server.query<{ tokenId: number; token: string }>(
    `SELECT "tokenId", token FROM tokens WHERE "modelId" = $1`,
    [modelId],
  );
  const tokens: string[] = [];
  rows.forEach((row) => (tokens[row.tokenId] = row.token));
  const queryId = tokens.indexOf(token);

  const norm = (id: number) => Math.sqrt(dot(vectors, id, id, dimensions));
  const queryNorm = norm(queryId);
  const scored: { token: string; similarity: number }[] = [];
  for (let id = 0; id < vocabularySize; id++) {
    if (id !== queryId) {
      scored.push({ token: tokens[id], similarity: dot(vectors, queryId, id, dimensions) / (queryNorm * norm(id)) });
    }
  }

  const similarityOf = new Map(scored.map((n) => [n.token, n.similarity]));
  return { ranked: scored.sort((a, b) => b.similarity - a.similarity), similarityOf };
}

function dot(vectors: Float32Array, a: number, b: number, dimensions: number): number {
  let sum = 0;
  for (let i = 0; i < dimensions; i++) {
    sum += vectors[a * dimensions + i] * vectors[b * dimensions + i];
  }
  return sum;
}
