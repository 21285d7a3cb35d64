import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createQueryFixture, seededRandom, writeArtifacts } from './support/query-fixture';
import { json, startTestServer, TestServer, waitFor } from './support/test-server';

describe('model serving', () => {
  let server: TestServer;

  before(async () => {
    // A 1 MiB budget is smaller than two fixture models, so loading a second one unloads the first.
    // The swap test sends requests in a tight loop until the new version is served, which can pass the default
    // 600 requests a minute per key on a fast machine; the rate limit has its own tests.
    server = await startTestServer({ role: 'api', env: { INDEX_CACHE_MB: '1', RATE_LIMIT_PER_MINUTE: '1000000' } });
  });

  after(async () => {
    await server?.stop();
  });

  const similar = (modelId: string, token: string) =>
    server.fetch(`/api/v1/models/${modelId}/similar?token=${encodeURIComponent(token)}&k=5`);
  const loadCount = (modelId: string) => server.output().split(`Loaded model ${modelId}`).length - 1;

  it('concurrent first requests load once', async () => {
    const fixture = await createQueryFixture(server, { seed: 11 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => similar(fixture.modelId, fixture.tokens[0].token)),
    );
    assert.deepEqual(
      responses.map((response) => response.status),
      Array(20).fill(200),
    );
    assert.equal(loadCount(fixture.modelId), 1, server.output().slice(-2000));
  });

  it('truncated index is 503 naming the model', async () => {
    const fixture = await createQueryFixture(server, { seed: 12 });
    const indexPath = join(server.dataDir, 'models', fixture.modelId, 'index.hnsw');
    const bytes = await readFile(indexPath);
    await writeFile(indexPath, bytes.subarray(0, Math.floor(bytes.length / 2)));

    const response = await similar(fixture.modelId, fixture.tokens[0].token);
    const body = await json(response);
    assert.equal(response.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'INDEX_UNAVAILABLE');
    assert.match(body.message, new RegExp(fixture.modelId));
    assert.equal((await server.fetch('/api/v1/health')).status, 200);
  });

  it('corrupted index or vectors is 503', async () => {
    for (const file of ['index.hnsw', 'vectors.f32']) {
      const fixture = await createQueryFixture(server, { seed: 13 });
      const path = join(server.dataDir, 'models', fixture.modelId, file);
      const size = (await readFile(path)).length;
      await writeFile(path, randomBytes(file === 'vectors.f32' ? size - 4 : size));

      const response = await similar(fixture.modelId, fixture.tokens[0].token);
      const body = await json(response);
      assert.equal(response.status, 503, `${file}: ${JSON.stringify(body)}`);
      assert.match(body.message, new RegExp(fixture.modelId), file);
    }
    assert.equal((await server.fetch('/api/v1/health')).status, 200);
  });

  it('memory budget unloads the least recent model', async () => {
    // 3,000 tokens of 64 dimensions take 0.75 MiB of vectors plus the index, so two models exceed 1 MiB.
    const first = await createQueryFixture(server, { seed: 14, size: 3000, dimensions: 64 });
    const second = await createQueryFixture(server, { seed: 15, size: 3000, dimensions: 64 });
    assert.equal((await similar(first.modelId, first.tokens[0].token)).status, 200);
    assert.equal((await similar(second.modelId, second.tokens[0].token)).status, 200);
    assert.match(server.output(), new RegExp(`Unloaded model ${first.modelId} .*memory budget`));

    assert.equal((await similar(first.modelId, first.tokens[0].token)).status, 200);
    assert.equal(loadCount(first.modelId), 2);
  });

  it('new version swaps in without a failed request', async () => {
    const fixture = await createQueryFixture(server, { seed: 16 });
    const token = fixture.tokens[0].token;
    const before = await json(await similar(fixture.modelId, token));

    const statuses: number[] = [];
    let stop = false;
    const traffic = (async () => {
      while (!stop) {
        statuses.push((await similar(fixture.modelId, token)).status);
      }
    })();

    // Retrain in place: new vectors and index are written beside the old files, renamed over them, and
    // the model's readyAt moves on, as the training pipeline does when it finishes.
    const random = seededRandom(99);
    const vectors = new Float32Array(fixture.vectors.length).map(() => random() * 2 - 1);
    const staging = join(server.dataDir, 'models', 'staging');
    await writeArtifacts(server.dataDir, 'staging', vectors, fixture.dimensions);
    const target = join(server.dataDir, 'models', fixture.modelId);
    await rename(join(staging, 'vectors.f32'), join(target, 'vectors.f32'));
    await rename(join(staging, 'index.hnsw'), join(target, 'index.hnsw'));
    await server.query(`UPDATE model_versions SET "readyAt" = now() + interval '1 second' WHERE id = $1`, [
      fixture.modelId,
    ]);

    const after = await waitFor(
      async () => {
        const body = await json(await similar(fixture.modelId, token));
        return JSON.stringify(body.neighbours) !== JSON.stringify(before.neighbours) ? body : undefined;
      },
      10_000,
      () => 'the new version was never served',
    );
    stop = true;
    await traffic;

    assert.ok(statuses.length > 0);
    assert.deepEqual(
      statuses.filter((status) => status !== 200),
      [],
    );
    assert.equal(after.neighbours.length, 5);
    assert.match(server.output(), new RegExp(`Unloaded model ${fixture.modelId} .*newer version`));
  });
});
