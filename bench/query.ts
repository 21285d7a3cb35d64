/**
 * Query benchmark on CTU-13 scenario 6. It measures HTTP most-similar throughput and latency at 1, 8 and 32
 * connections (autocannon) and raw in-process hnswlib-node `searchKnn` calls per second on the same index
 * file and queries. It also measures recall@10 of the index against exact cosine search over the vectors.
 *
 * Usage: npm run bench:query [-- --seconds N]
 * It starts its own server (own database, queue prefix and artifact directory, dropped at the end), uploads
 * the capture from ../shared/data/ctu13, and trains one epoch with the notebook's other settings to save
 * time. The number of epochs changes the vectors, not the size of the index that queries search.
 * Writes the results to bench/out/query.md.
 */
import autocannon from 'autocannon';
import { openAsBlob } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HierarchicalNSW } from 'hnswlib-node';
import { exactSearch } from '../src/similarity/exact-search';
import { normalizeInPlace } from '../src/similarity/query-vector';
import { DEFAULT_EF } from '../src/similarity/similarity.service';
import { json, REPO_ROOT, SHARED_DATA, startTestServer, TestServer, waitFor } from '../test/support/test-server';
import { seededRandom } from '../test/support/query-fixture';

const CAPTURE = path.join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const OUT_DIR = path.join(REPO_ROOT, 'bench', 'out');
const QUERY_COUNT = 1000;
const K = 10;
const CONNECTIONS = [1, 8, 32];
/** Search candidate list sizes at which recall is measured; the server's default is among them. */
const RECALL_EFS = [64, 128, 256, 512, 1024];

interface HttpResult {
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  const server = await startTestServer({ role: 'all' });

  try {
    const model = await trainModel(server);
    const vectors = await readUnitVectors(server, model.id, model.vocabularySize, model.dimensions);
    const tokens = await readTokens(server, model.id);
    const random = seededRandom(6);
    const queryIds = Array.from({ length: QUERY_COUNT }, () => Math.floor(random() * model.vocabularySize));

    const paths = queryIds.map(
      (id) => `/api/v1/models/${model.id}/similar?token=${encodeURIComponent(tokens[id])}&k=${K}`,
    );
    // One request right after training loads the model, so that loading is not part of a measurement.
    const warmUp = await server.fetch(paths[0]);
    if (warmUp.status !== 200) {
      throw new Error(`warm-up query failed with ${warmUp.status}: ${await warmUp.text()}`);
    }

    const indexPath = path.join(server.dataDir, 'models', model.id, 'index.hnsw');
    const index = new HierarchicalNSW('cosine', model.dimensions);
    await index.readIndex(indexPath);
    const recalls = recallAt10(index, vectors, model.dimensions, queryIds);
    console.error(`recall@10 by ef: ${JSON.stringify(recalls)}`);

    index.setEf(DEFAULT_EF);
    const raw = rawCallsPerSecond(index, vectors, model.dimensions, queryIds, seconds);
    console.error(`raw searchKnn ${raw.toFixed(0)} calls/s`);

    const http: HttpResult[] = [];
    for (const connections of CONNECTIONS) {
      http.push(await runAutocannon(server.baseUrl, paths, connections, seconds));
      console.error(`http ${connections} connections: ${http[http.length - 1].requestsPerSecond.toFixed(0)} req/s`);
    }

    const report = renderReport(model, recalls, raw, http, seconds);
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(path.join(OUT_DIR, 'query.md'), report);
    console.log(report);
  } catch (error) {
    console.error(`server output:\n${server.output().slice(-5000)}`);
    throw error;
  } finally {
    await server.stop();
  }
}

interface TrainedModel {
  id: string;
  vocabularySize: number;
  dimensions: number;
  trainingSeconds: number;
}

async function trainModel(server: TestServer): Promise<TrainedModel> {
  const form = new FormData();
  form.append('file', await openAsBlob(CAPTURE), path.basename(CAPTURE));
  const capture = await json(await server.fetch('/api/v1/captures', { method: 'POST', body: form }));

  const created = await json(
    await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        captureIds: [capture.id],
        sentences: { mode: 'count', length: 30 },
        trainer: { vectorSize: 100, window: 30, negative: 10, epochs: 1, workers: 2, seed: 1 },
      }),
    }),
  );
  const job = await waitFor(
    async () => {
      const body = await json(await server.fetch(`/api/v1/jobs/${created.job.id}`));
      return ['completed', 'failed'].includes(body.state) ? body : undefined;
    },
    60 * 60_000,
    () => `training job ${created.job.id} did not finish`,
  );
  if (job.state !== 'completed') {
    throw new Error(`training failed: ${job.error}`);
  }

  const model = await json(await server.fetch(`/api/v1/models/${created.model.id}`));
  return {
    id: model.id,
    vocabularySize: model.vocabularySize,
    dimensions: 100,
    trainingSeconds: model.trainingSeconds,
  };
}

async function readUnitVectors(server: TestServer, modelId: string, size: number, dimensions: number) {
  const bytes = await readFile(path.join(server.dataDir, 'models', modelId, 'vectors.f32'));
  const vectors = new Float32Array(size * dimensions);
  new Uint8Array(vectors.buffer).set(bytes);
  for (let id = 0; id < size; id++) {
    normalizeInPlace(vectors.subarray(id * dimensions, (id + 1) * dimensions));
  }
  return vectors;
}

async function readTokens(server: TestServer, modelId: string): Promise<string[]> {
  const rows = await server.query<{ tokenId: number; token: string }>(
    `SELECT "tokenId", token FROM tokens WHERE "modelId" = $1`,
    [modelId],
  );
  const tokens: string[] = [];
  rows.forEach((row) => (tokens[row.tokenId] = row.token));
  return tokens;
}

/**
 * Returns, for each ef in RECALL_EFS, the mean share of the exact 10 nearest tokens (query left out) that
 * the index also returns.
 */
function recallAt10(
  index: HierarchicalNSW,
  vectors: Float32Array,
  dimensions: number,
  queryIds: number[],
): Record<number, number> {
  const exact = queryIds.map((queryId) => {
    const query = vectors.subarray(queryId * dimensions, (queryId + 1) * dimensions);
    return exactSearch(query, vectors, dimensions, K, (id) => id !== queryId).map((n) => n.tokenId);
  });

  const recalls: Record<number, number> = {};
  for (const ef of RECALL_EFS) {
    index.setEf(ef);
    let found = 0;
    queryIds.forEach((queryId, i) => {
      const query = Array.from(vectors.subarray(queryId * dimensions, (queryId + 1) * dimensions));
      const approximate = new Set(index.searchKnn(query, K + 1).neighbors.filter((id) => id !== queryId));
      found += exact[i].filter((id) => approximate.has(id)).length;
    });
    recalls[ef] = found / (queryIds.length * K);
  }
  return recalls;
}

/** Measures searchKnn calls per second for k + 1 neighbours, as the server requests them, cycling through the queries. */
function rawCallsPerSecond(
  index: HierarchicalNSW,
  vectors: Float32Array,
  dimensions: number,
  queryIds: number[],
  seconds: number,
): number {
  const queries = queryIds.map((id) => Array.from(vectors.subarray(id * dimensions, (id + 1) * dimensions)));
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(seconds * 1e9);
  let calls = 0;
  while (process.hrtime.bigint() < deadline) {
    index.searchKnn(queries[calls % queries.length], K + 1);
    calls++;
  }
  return calls / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function runAutocannon(baseUrl: string, paths: string[], connections: number, seconds: number) {
  let next = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  return {
    connections,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function renderReport(
  model: TrainedModel,
  recalls: Record<number, number>,
  raw: number,
  http: HttpResult[],
  seconds: number,
): string {
  const at32 = http.find((result) => result.connections === 32)!;
  const lines = [
    `Model: CTU-13 scenario 6, ${model.vocabularySize} tokens × ${model.dimensions} dimensions, one epoch ` +
      `(${model.trainingSeconds.toFixed(0)} s of training). ef ${DEFAULT_EF}, k ${K}, ${QUERY_COUNT} random tokens.`,
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; ${seconds} s per measurement; ` +
      `load average ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} at the end.`,
    '',
    '| measurement | requests or calls/s | p50 ms | p99 ms | errors / non-2xx |',
    '|---|---|---|---|---|',
    `| raw hnswlib-node searchKnn, in process | ${raw.toFixed(0)} | | | |`,
    ...http.map(
      (r) =>
        `| HTTP GET /similar, ${r.connections} connection${r.connections === 1 ? '' : 's'} | ` +
        `${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} / ${r.non2xx} |`,
    ),
    '',
    `HTTP at 32 connections / raw: ${(at32.requestsPerSecond / raw).toFixed(2)} (bar ≥ 0.5). ` +
      `p99 at 32 connections: ${at32.p99} ms (bar < 20). Recall@10 against exact cosine at ef ${DEFAULT_EF}: ${recalls[DEFAULT_EF].toFixed(4)} (bar ≥ 0.95).`,
    '',
    '| ef | recall@10 |',
    '|---|---|',
    ...RECALL_EFS.map((ef) => `| ${ef} | ${recalls[ef].toFixed(4)} |`),
  ];
  return lines.join('\n') + '\n';
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
