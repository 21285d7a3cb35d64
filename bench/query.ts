/**
 * Query benchmark on CTU-13 scenario 6. It measures HTTP most-similar throughput and latency at 1, 8 and 32
 * connections with autocannon and wrk, each in a process of its own, and raw in-process hnswlib-node `searchKnn`
 * calls per second on the same index file and queries. It also measures recall@10 of the index against exact
 * cosine search over the vectors.
 *
 * Usage: [API_PROCESSES=N] npm run bench:query [-- --seconds N] [--sweep M:EF_CONSTRUCTION,…]
 *        [--client autocannon|wrk|both]
 * It starts its own server (own database, queue prefix and artifact directory, dropped at the end), uploads
 * the capture from ../shared/data/ctu13 and trains it with the notebook's settings (five epochs).
 * `--sweep` also builds an index for each listed HNSW M and efConstruction from the same vectors in process and
 * measures its build time, recall@10 and searchKnn calls/s at each ef, to choose the server's index settings.
 * `--client` selects the HTTP load generators; without it both run if wrk is on PATH, else autocannon alone.
 * All in-process measurements run before the HTTP ones, and the index, vectors and tokens are released first.
 * Writes the results to bench/out/query.md.
 */
import { openAsBlob } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import {
  describeClient,
  HttpClient,
  HttpLoad,
  HttpResult,
  measureHttp,
  selectClients,
  writeWrkScript,
} from './http-clients';

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

interface InProcessResults {
  recalls: Record<number, number>;
  /** searchKnn calls per second at the server's default ef. */
  raw: number;
  swept: SweepResult[];
}

/** HTTP results of one load generator, at each of CONNECTIONS. */
interface ClientResults {
  /** Name and version, for example "wrk debian/4.1.0-3+b2". */
  description: string;
  /** Heading of the column of error responses, which the two clients count differently. */
  statusColumn: string;
  results: HttpResult[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      sweep: { type: 'string', default: '' },
      client: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const sweep = parseSweep(values.sweep);
  const clients = selectClients(values.client);
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
    const random = seededRandom(6);
    const queryIds = Array.from({ length: QUERY_COUNT }, () => Math.floor(random() * model.vocabularySize));
    const paths = await queryPaths(server, model.id, queryIds);
    // One request right after training loads the model, so that loading is not part of a measurement.
    const warmUp = await server.fetch(paths[0]);
    if (warmUp.status !== 200) {
      throw new Error(`warm-up query failed with ${warmUp.status}: ${await warmUp.text()}`);
    }

    const inProcess = await measureInProcess(server, model, queryIds, seconds, sweep);
    // The index, vectors and tokens are unreachable now. A full collection frees them, the index's native memory
    // included, before the HTTP load starts. `gc` exists because npm run bench:query starts node with --expose-gc.
    globalThis.gc?.();

    const loadBefore = os.loadavg();
    const http = await measureAllHttp(server, clients, paths, seconds);
    const loadAfter = os.loadavg();

    const report =
      renderReport(model, inProcess, http, { seconds, loadBefore, loadAfter, apiProcesses }) +
      renderSweep(inProcess.swept);
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

/**
 * Measures recall@10, raw searchKnn calls/s and the `--sweep` indexes in this process, on the server's index
 * file and vectors. The vectors and the index are local here, so they are unreachable once it returns.
 */
async function measureInProcess(
  server: TestServer,
  model: TrainedModel,
  queryIds: number[],
  seconds: number,
  sweep: [number, number][],
): Promise<InProcessResults> {
  const vectors = await readUnitVectors(server, model.id, model.vocabularySize, model.dimensions);
  const indexPath = path.join(server.dataDir, 'models', model.id, 'index.hnsw');
  const index = new HierarchicalNSW('cosine', model.dimensions);
  await index.readIndex(indexPath);
  const exact = exactNeighbours(vectors, model.dimensions, queryIds);
  const recalls = recallAt10(index, vectors, model.dimensions, queryIds, exact);
  console.error(`recall@10 by ef: ${JSON.stringify(recalls)}`);

  index.setEf(DEFAULT_EF);
  const raw = rawCallsPerSecond(index, vectors, model.dimensions, queryIds, seconds);
  console.error(`raw searchKnn ${raw.toFixed(0)} calls/s`);

  const swept = sweep.map(([m, efConstruction]) =>
    sweepIndex(vectors, model.dimensions, queryIds, exact, m, efConstruction),
  );
  return { recalls, raw, swept };
}

/**
 * Runs each client at each of CONNECTIONS, one measurement after the other, each in a new process. The paths
 * file and the wrk script live in a temporary folder that is removed at the end.
 */
async function measureAllHttp(
  server: TestServer,
  clients: HttpClient[],
  paths: string[],
  seconds: number,
): Promise<ClientResults[]> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'flow2vec-bench-query-'));
  try {
    const pathsFile = path.join(workDir, 'paths.txt');
    await writeFile(pathsFile, paths.join('\n') + '\n');
    const wrkScript = await writeWrkScript(workDir);
    const load = { baseUrl: server.baseUrl, authorization: `Bearer ${server.adminKey}`, pathsFile, seconds };

    const measured: ClientResults[] = [];
    for (const client of clients) {
      const results: HttpResult[] = [];
      for (const connections of CONNECTIONS) {
        results.push(await measureOnce(client, { ...load, connections }, wrkScript));
      }
      measured.push({
        description: describeClient(client),
        statusColumn: client === 'wrk' ? 'errors / status ≥ 400' : 'errors / non-2xx',
        results,
      });
    }
    return measured;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function measureOnce(client: HttpClient, load: HttpLoad, wrkScript: string): Promise<HttpResult> {
  const result = await measureHttp(client, load, wrkScript);
  // A non-2xx response (401, 429, 404) means the run measured something other than most-similar queries.
  if (result.non2xx > 0) {
    throw new Error(
      `${result.non2xx} of ${result.requests} requests from ${client} at ${load.connections} connections were not 2xx`,
    );
  }
  console.error(`${client} ${load.connections} connections: ${result.requestsPerSecond.toFixed(0)} req/s`);
  return result;
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

/** Returns the most-similar request path of each query token; the token list is local, so it is dropped after. */
async function queryPaths(server: TestServer, modelId: string, queryIds: number[]): Promise<string[]> {
  const rows = await server.query<{ tokenId: number; token: string }>(
    `SELECT "tokenId", token FROM tokens WHERE "modelId" = $1`,
    [modelId],
  );
  const tokens: string[] = [];
  rows.forEach((row) => (tokens[row.tokenId] = row.token));
  return queryIds.map((id) => `/api/v1/models/${modelId}/similar?token=${encodeURIComponent(tokens[id])}&k=${K}`);
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

function renderReport(
  model: TrainedModel,
  inProcess: InProcessResults,
  http: ClientResults[],
  run: { seconds: number; loadBefore: number[]; loadAfter: number[]; apiProcesses: number },
): string {
  const { recalls, raw } = inProcess;
  const formatLoad = (load: number[]) => load.map((value) => value.toFixed(1)).join(' ');
  const lines = [
    `Model: CTU-13 scenario 6, ${model.vocabularySize} tokens × ${model.dimensions} dimensions, five epochs ` +
      `(${model.trainingSeconds.toFixed(0)} s of training, ${model.indexingSeconds.toFixed(0)} s of indexing and ` +
      `2-D projection). HNSW M ${HNSW_M}, efConstruction ${HNSW_EF_CONSTRUCTION}, ef ${DEFAULT_EF}, k ${K}, ` +
      `${QUERY_COUNT} random tokens.`,
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}; ${run.seconds} s per ` +
      `measurement; API_PROCESSES ${run.apiProcesses}; load average ${formatLoad(run.loadBefore)} before and ` +
      `${formatLoad(run.loadAfter)} after the HTTP measurements.`,
    '',
    `Raw hnswlib-node searchKnn in the benchmark process, one thread: ${raw.toFixed(0)} calls/s. ` +
      `Recall@10 against exact cosine at ef ${DEFAULT_EF}: ${recalls[DEFAULT_EF].toFixed(4)} (bar ≥ 0.95).`,
    ...http.flatMap((client) => renderHttpTable(client, raw)),
    '',
    '| ef | recall@10 |',
    '|---|---|',
    ...RECALL_EFS.map((ef) => `| ${ef} | ${recalls[ef].toFixed(4)} |`),
  ];
  return lines.join('\n') + '\n';
}

function renderHttpTable(client: ClientResults, raw: number): string[] {
  const at32 = client.results.find((result) => result.connections === 32)!;
  return [
    '',
    `HTTP GET /api/v1/models/{id}/similar with ${client.description}, in a process of its own:`,
    '',
    `| connections | requests/s | p50 ms | p99 ms | ${client.statusColumn} |`,
    '|---|---|---|---|---|',
    ...client.results.map(
      (r) =>
        `| ${r.connections} | ${r.requestsPerSecond.toFixed(0)} | ${formatMilliseconds(r.p50)} | ` +
        `${formatMilliseconds(r.p99)} | ${r.errors} / ${r.non2xx} |`,
    ),
    '',
    `HTTP at 32 connections / raw: ${(at32.requestsPerSecond / raw).toFixed(2)} (bar ≥ 0.5). ` +
      `p99 at 32 connections: ${formatMilliseconds(at32.p99)} ms (bar < 20).`,
  ];
}

/** Formats a latency with at most two decimals: autocannon reports whole milliseconds, wrk microseconds. */
function formatMilliseconds(milliseconds: number): string {
  return String(Number(milliseconds.toFixed(2)));
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
