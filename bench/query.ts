/**
 * Query benchmark on CTU-13 scenario 6. It measures HTTP most-similar throughput and latency at 1, 8 and 32
 * connections (autocannon) and raw in-process hnswlib-node `searchKnn` calls per second on the same index
 * file and queries. It also measures recall@10 of the index against exact cosine search over the vectors.
 *
 * Usage: [API_PROCESSES=N] npm run bench:query [-- --seconds N] [--sweep M:EF_CONSTRUCTION,…]
 * It starts its own server (own database, queue prefix and artifact directory, dropped at the end), uploads
 * the capture from ../shared/data/ctu13 and trains it with the notebook's settings (five epochs).
 * `--sweep` also builds an index for each listed HNSW M and efConstruction from the same vectors in process and
 * measures its build time, recall@10 and searchKnn calls/s at each ef, to choose the server's index settings.
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
import { HNSW_EF_CONSTRUCTION, HNSW_M } from '../src/similarity/vector-index.repository';
import { json, REPO_ROOT, SHARED_DATA, startTestServer, TestServer, waitFor } from '../test/support/test-server';
import { seededRandom } from '../test/support/query-fixture';

const CAPTURE = path.join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const OUT_DIR = path.join(REPO_ROOT, 'bench', 'out');
const QUERY_COUNT = 1000;
const K = 10;
const CONNECTIONS = [1, 8, 32];
/** Search candidate list sizes at which recall is measured; the server's default is among them. */
const RECALL_EFS = [...new Set([64, 128, 256, 512, DEFAULT_EF])].sort((a, b) => a - b);
/** Seconds of searchKnn calls per ef in a sweep. */
const SWEEP_SECONDS = 3;

interface SweepResult {
  m: number;
  efConstruction: number;
  buildSeconds: number;
  recalls: Record<number, number>;
  callsPerSecond: Record<number, number>;
}

interface HttpResult {
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, sweep: { type: 'string', default: '' } },
  });
  const seconds = Number(values.seconds);
  const sweep = parseSweep(values.sweep);
  // Every request is still counted against the admin key's rate limit in Redis, as in production. The limit is
  // raised so that no request of the benchmark is rejected.
  const server = await startTestServer({ role: 'all', env: { RATE_LIMIT_PER_MINUTE: '1000000000' } });
  const apiProcesses = Number(process.env.API_PROCESSES ?? 1);
  if (apiProcesses > 1) {
    // startTestServer returns once the first API process listens; the others start after it.
    await waitFor(
      async () => (server.output().includes(`${apiProcesses} API processes are listening`) ? true : undefined),
      120_000,
      () => `not all ${apiProcesses} API processes started`,
    );
  }

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
    const exact = exactNeighbours(vectors, model.dimensions, queryIds);
    const recalls = recallAt10(index, vectors, model.dimensions, queryIds, exact);
    console.error(`recall@10 by ef: ${JSON.stringify(recalls)}`);

    index.setEf(DEFAULT_EF);
    const raw = rawCallsPerSecond(index, vectors, model.dimensions, queryIds, seconds);
    console.error(`raw searchKnn ${raw.toFixed(0)} calls/s`);

    const http: HttpResult[] = [];
    for (const connections of CONNECTIONS) {
      http.push(await runAutocannon(server, paths, connections, seconds));
      console.error(`http ${connections} connections: ${http[http.length - 1].requestsPerSecond.toFixed(0)} req/s`);
    }
    const loadAverage = os.loadavg();

    const swept = sweep.map(([m, efConstruction]) =>
      sweepIndex(vectors, model.dimensions, queryIds, exact, m, efConstruction),
    );
    const report = renderReport(model, recalls, raw, http, { seconds, loadAverage, apiProcesses }) + renderSweep(swept);
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
  /** Seconds of the job's indexing phase: the HNSW build, writing the index and the 2-D projection. */
  indexingSeconds: number;
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
        trainer: { vectorSize: 100, window: 30, negative: 10, epochs: 5, workers: 2, seed: 1 },
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
  const phaseSeconds = (phase: string) =>
    job.phaseSeconds.find((entry: { phase: string }) => entry.phase === phase)?.seconds ?? NaN;
  return {
    id: model.id,
    vocabularySize: model.vocabularySize,
    dimensions: 100,
    trainingSeconds: model.trainingSeconds,
    indexingSeconds: phaseSeconds('indexing'),
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

/** Returns the exact 10 nearest tokens of each query token by cosine, the query token left out. */
function exactNeighbours(vectors: Float32Array, dimensions: number, queryIds: number[]): number[][] {
  return queryIds.map((queryId) => {
    const query = vectors.subarray(queryId * dimensions, (queryId + 1) * dimensions);
    return exactSearch(query, vectors, dimensions, K, (id) => id !== queryId).map((n) => n.tokenId);
  });
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
  exact: number[][],
): Record<number, number> {
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

/** Builds an index with other HNSW settings from the same vectors, in token id order as the server builds it. */
function sweepIndex(
  vectors: Float32Array,
  dimensions: number,
  queryIds: number[],
  exact: number[][],
  m: number,
  efConstruction: number,
): SweepResult {
  const size = vectors.length / dimensions;
  const started = performance.now();
  const index = new HierarchicalNSW('cosine', dimensions);
  index.initIndex(size, m, efConstruction, 1);
  for (let tokenId = 0; tokenId < size; tokenId++) {
    index.addPoint(Array.from(vectors.subarray(tokenId * dimensions, (tokenId + 1) * dimensions)), tokenId);
  }
  const buildSeconds = (performance.now() - started) / 1000;

  const recalls = recallAt10(index, vectors, dimensions, queryIds, exact);
  const callsPerSecond: Record<number, number> = {};
  for (const ef of RECALL_EFS) {
    index.setEf(ef);
    callsPerSecond[ef] = rawCallsPerSecond(index, vectors, dimensions, queryIds, SWEEP_SECONDS);
  }
  console.error(
    `sweep M ${m} efConstruction ${efConstruction}: built in ${buildSeconds.toFixed(1)} s, ` +
      `recall@10 ${JSON.stringify(recalls)}, calls/s ${JSON.stringify(callsPerSecond)}`,
  );
  return { m, efConstruction, buildSeconds, recalls, callsPerSecond };
}

/** Parses `--sweep 16:200,32:200` into [M, efConstruction] pairs. */
function parseSweep(value: string): [number, number][] {
  if (value === '') {
    return [];
  }

  return value.split(',').map((pair) => {
    const [m, efConstruction] = pair.split(':').map(Number);
    if (!Number.isInteger(m) || !Number.isInteger(efConstruction) || m < 2 || efConstruction < 1) {
      throw new Error(`Invalid --sweep entry "${pair}": expected M:EF_CONSTRUCTION, for example 32:200`);
    }
    return [m, efConstruction];
  });
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

async function runAutocannon(server: TestServer, paths: string[], connections: number, seconds: number) {
  let next = 0;
  const result = await autocannon({
    url: server.baseUrl,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${server.adminKey}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });
  // A non-2xx response (401, 429, 404) means the run measured something other than most-similar queries.
  if (result.non2xx > 0) {
    throw new Error(`${result.non2xx} of ${result.requests.total} requests at ${connections} connections were not 2xx`);
  }

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
  run: { seconds: number; loadAverage: number[]; apiProcesses: number },
): string {
  const { seconds, loadAverage, apiProcesses } = run;
  const at32 = http.find((result) => result.connections === 32)!;
  const lines = [
    `Model: CTU-13 scenario 6, ${model.vocabularySize} tokens × ${model.dimensions} dimensions, five epochs ` +
      `(${model.trainingSeconds.toFixed(0)} s of training, ${model.indexingSeconds.toFixed(0)} s of indexing and ` +
      `2-D projection). HNSW M ${HNSW_M}, efConstruction ${HNSW_EF_CONSTRUCTION}, ef ${DEFAULT_EF}, k ${K}, ` +
      `${QUERY_COUNT} random tokens.`,
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; ${seconds} s per measurement; ` +
      `API_PROCESSES ${apiProcesses}; load average ` +
      `${loadAverage.map((load) => load.toFixed(1)).join(' ')} after the HTTP measurements.`,
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

function renderSweep(results: SweepResult[]): string {
  if (results.length === 0) {
    return '';
  }

  const lines = [
    '',
    `Index settings, built in this process from the same vectors (recall@10 / searchKnn calls/s, ${SWEEP_SECONDS} s each):`,
    '',
    `| M | efConstruction | build s | ${RECALL_EFS.map((ef) => `ef ${ef}`).join(' | ')} |`,
    `|---|---|---|${RECALL_EFS.map(() => '---').join('|')}|`,
    ...results.map(
      (r) =>
        `| ${r.m} | ${r.efConstruction} | ${r.buildSeconds.toFixed(0)} | ` +
        RECALL_EFS.map((ef) => `${r.recalls[ef].toFixed(4)} / ${r.callsPerSecond[ef].toFixed(0)}`).join(' | ') +
        ' |',
    ),
  ];
  return lines.join('\n') + '\n';
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
