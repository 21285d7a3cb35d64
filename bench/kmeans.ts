/**
 * Times clusterVectors on synthetic word2vec-like vectors and measures how often the HNSW candidate search returns
 * the exact nearest centroid.
 *
 *   npm run build && node dist/bench/kmeans.js [n=142000] [k=n/5] [dim=100] [seed=1] [update=auto] [maxIterations]
 *   npm run build && node dist/bench/kmeans.js --vectors FILE [dim=100] [k=n/5] [seed=1]
 *
 * The synthetic vectors are unit directions around 5,000 random topic directions with Gaussian noise of the same norm
 * as the topic, so they have cluster structure without being separable, as trained embeddings do. `--vectors` reads
 * a model's `vectors.f32` (raw little-endian float32, n × dim) instead. Each progress line gives the seconds since
 * the previous one: seeding, then each pass (the first includes building the candidate search), then the final
 * assignment (which rebuilds it). Wall time depends on the machine and on other load on it, so the script also
 * prints CPU time and the load average.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

import { ClusterOptions, clusterVectors, ClusterProgress } from '../src/clusters/kmeans';
import { CandidateCentroidSearch, ExactCentroidSearch } from '../src/clusters/kmeans-centroid-search';
import { createRandom, normaliseRows } from '../src/clusters/kmeans-vectors';

const TOPICS = 5000;
const RECALL_SAMPLE = 1000;

function makeVectors(n: number, dim: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const topics = Float32Array.from({ length: TOPICS * dim }, gaussian);
  const vectors = new Float32Array(n * dim);
  for (let row = 0; row < n; row++) {
    const topic = Math.floor(random() * TOPICS);
    for (let j = 0; j < dim; j++) {
      vectors[row * dim + j] = topics[topic * dim + j] + gaussian();
    }
  }

  return vectors;
}

/** Share of sampled vectors for which the candidate search finds the exact nearest of the given centroids. */
function measureSearchRecall(vectors: Float32Array, centroids: Float32Array, k: number, dim: number): number {
  const unitVectors = normaliseRows(vectors, dim);
  const exact = new ExactCentroidSearch(unitVectors, centroids, k, dim);
  const approximate = new CandidateCentroidSearch(unitVectors, centroids, k, dim, { seed: 1 });
  approximate.refresh();

  const n = vectors.length / dim;
  const random = createRandom(7);
  const distance = new Float64Array(1);
  let hits = 0;
  for (let i = 0; i < RECALL_SAMPLE; i++) {
    const row = Math.floor(random() * n);
    hits += exact.nearest(row, distance) === approximate.nearest(row, distance, -1) ? 1 : 0;
  }

  return hits / RECALL_SAMPLE;
}

interface BenchInput {
  vectors: Float32Array;
  n: number;
  k: number;
  dim: number;
  seed: number;
  update: ClusterOptions['update'];
  maxIterations: number | undefined;
}

function readInput(args: string[]): BenchInput {
  if (args[0] === '--vectors') {
    const bytes = readFileSync(args[1]);
    // Copied, because a Buffer's byte offset need not be a multiple of 4.
    const vectors = new Float32Array(new Uint8Array(bytes).buffer);
    const dim = Number(args[2] ?? 100);
    const n = vectors.length / dim;
    if (!Number.isInteger(n)) {
      throw new Error(
        `Invalid vectors file ${args[1]}: ${vectors.length} floats is not a multiple of dim ${dim}. Pass the vector size as dim.`,
      );
    }
    const [k = Math.round(n / 5), seed = 1] = args.slice(3, 5).map(Number);

    return { vectors, n, k, dim, seed, update: 'auto', maxIterations: undefined };
  }

  const [n = 142_000, k = Math.round(n / 5), dim = 100, seed = 1] = args.slice(0, 4).map(Number);
  const update = (args[4] ?? 'auto') as ClusterOptions['update'];
  const maxIterations = args[5] === undefined ? undefined : Number(args[5]);

  return { vectors: makeVectors(n, dim, seed), n, k, dim, seed, update, maxIterations };
}

function main(): void {
  const { vectors, n, k, dim, seed, update, maxIterations } = readInput(process.argv.slice(2));
  const loadBefore = os.loadavg()[0].toFixed(1);
  console.log(`n=${n} k=${k} dim=${dim} seed=${seed} update=${update} maxIterations=${maxIterations ?? 'default'}`);

  const start = performance.now();
  const startCpu = process.cpuUsage();
  let last = start;
  const onProgress = (progress: ClusterProgress) => {
    const now = performance.now();
    const inertia = progress.inertia === null ? '' : ` inertia=${progress.inertia.toFixed(1)}`;
    console.log(`${progress.phase} ${progress.iteration}: +${((now - last) / 1000).toFixed(1)} s${inertia}`);
    last = now;
  };

  const result = clusterVectors(vectors, dim, { k, seed, update, maxIterations, onProgress });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const emptyClusters = result.sizes.filter((size) => size === 0).length;
  console.log(
    `clusterVectors: ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU, ${result.iterations} passes`,
  );
  console.log(
    `${emptyClusters} empty clusters; load average before and after: ${loadBefore} / ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(`inertia ${result.inertia.toFixed(1)}, mean squared distance ${(result.inertia / n).toFixed(4)}`);

  const recall = measureSearchRecall(vectors, result.centroids, result.k, dim);
  console.log(
    `candidate search finds the exact nearest centroid for ${(recall * 100).toFixed(1)}% of ${RECALL_SAMPLE}`,
  );
}

main();
