import { CandidateCentroidSearch, CentroidSearch, ExactCentroidSearch } from './kmeans-centroid-search';
import { assignAll, computeInertia, recomputeMeans, reseedEmptyClusters } from './kmeans-lloyd';
import { MiniBatchKMeans, PassOutcome } from './kmeans-mini-batch';
import { greedyTrials, partitionGroupCount, seedKMeansPlusPlus, seedPartitioned } from './kmeans-seeding';
import { createRandom, normaliseRows } from './kmeans-vectors';

/** Above this n·k·dim·trials, `seeding: 'auto'` seeds by partitions instead of plain greedy k-means++. */
const PLAIN_SEEDING_MAX_WORK = 2e9;
/** From this k on, `search: 'auto'` uses the HNSW candidate search instead of checking every centroid. */
const CANDIDATE_SEARCH_MIN_K = 256;
/**
 * From this many vectors on, `update: 'auto'` uses mini-batch passes, but only with the exact search, where a pass
 * costs n·k·dim and mini-batch needs fewer passes. With the candidate search a Lloyd pass costs under a second at
 * n = 142,000, and on bench/kmeans.ts (k = n/5) Lloyd reached a 4% lower inertia than mini-batch in as many refreshes.
 */
const MINI_BATCH_MIN_VECTORS = 20_000;

export interface ClusterOptions {
  /** Number of clusters. Values above the number of vectors n are lowered to n. */
  k: number;
  /** Seed of every random draw. Equal inputs and options give identical results. */
  seed: number;
  /** Maximum passes over all vectors (Lloyd iterations or mini-batch passes). Default 100 for Lloyd, 20 for mini-batch. */
  maxIterations?: number;
  /** Vectors per mini-batch update. Default 1024. */
  batchSize?: number;
  /** Stop when a pass lowers the sum of squared distances by less than this share of it. Default 1e-4. */
  tolerance?: number;
  /** `plain` greedy k-means++ costs O(n·k·dim·(2 + ⌊ln k⌋)), and `partitioned` is described at `seedPartitioned`. Default `auto`: partitioned when n·k·dim·(2 + ⌊ln k⌋) > 2·10⁹. */
  seeding?: 'auto' | 'plain' | 'partitioned';
  /** `exact` checks all k centroids per vector, and `hnsw` is described at `CandidateCentroidSearch`. Default `auto`: hnsw when k ≥ 256. */
  search?: 'auto' | 'exact' | 'hnsw';
  /** Centroid updates. Default `auto`: mini-batch when n ≥ 20,000 and the search is exact, otherwise Lloyd. */
  update?: 'auto' | 'lloyd' | 'mini-batch';
  /** Called after seeding, after each pass and after the final assignment. */
  onProgress?: (progress: ClusterProgress) => void;
}

export interface ClusterProgress {
  phase: 'seeded' | 'iterated' | 'assigned';
  /** Passes done so far. */
  iteration: number;
  maxIterations: number;
  /** Sum of squared distances after the pass or the final assignment, or null after seeding. */
  inertia: number | null;
}

export interface ClusterResult {
  /** Cluster of each vector, in 0..k-1. */
  assignments: Int32Array;
  /** Mean of each cluster's unit-normalised member vectors, row-major k × dim. These are not unit length. */
  centroids: Float32Array;
  /** Member count of each cluster. */
  sizes: Int32Array;
  /** Number of clusters: the requested k, lowered to n when k > n. */
  k: number;
  /** Sum of squared Euclidean distances from each unit-normalised vector to its cluster's centroid. */
  inertia: number;
  /** Passes over all vectors before the final assignment. */
  iterations: number;
}

/**
 * Clusters the unit-normalised copies of `vectors` (row-major n × dim) by k-means, Euclidean on the unit sphere.
 * It seeds by k-means++ and then runs Lloyd iterations or mini-batch passes (see `update`). At the end it assigns every
 * vector to its nearest centroid, re-seeds any empty cluster and sets each centroid to its members' mean.
 * Zero vectors stay zero. With the HNSW search, assignments are approximate (see `CandidateCentroidSearch`).
 */
export function clusterVectors(vectors: Float32Array, dim: number, options: ClusterOptions): ClusterResult {
  validateInput(vectors, dim, options);
  const n = vectors.length / dim;
  const k = Math.min(options.k, n);
  const unitVectors = normaliseRows(vectors, dim);
  if (k === n) {
    return clusterEachVectorAlone(unitVectors, dim, n);
  }

  const random = createRandom(options.seed);
  const searchMode = options.search ?? 'auto';
  const useCandidateSearch = searchMode === 'hnsw' || (searchMode === 'auto' && k >= CANDIDATE_SEARCH_MIN_K);
  const updateMode = options.update ?? 'auto';
  const useMiniBatch =
    updateMode === 'mini-batch' || (updateMode === 'auto' && n >= MINI_BATCH_MIN_VECTORS && !useCandidateSearch);
  const maxIterations = options.maxIterations ?? (useMiniBatch ? 20 : 100);
  const report = (phase: ClusterProgress['phase'], iteration: number, inertia: number | null) =>
    options.onProgress?.({ phase, iteration, maxIterations, inertia });

  const centroids = seedCentroids(unitVectors, dim, k, options, random);
  report('seeded', 0, null);

  const search = useCandidateSearch
    ? new CandidateCentroidSearch(unitVectors, centroids, k, dim, { seed: options.seed })
    : new ExactCentroidSearch(unitVectors, centroids, k, dim);
  const assignments = new Int32Array(n).fill(-1);
  const runPass = useMiniBatch
    ? createMiniBatchPass(unitVectors, dim, k, centroids, assignments, options.batchSize ?? 1024, random)
    : createLloydPass(unitVectors, dim, k, centroids, assignments);
  const iterations = iterate(search, runPass, maxIterations, options.tolerance ?? 1e-4, (iteration, inertia) =>
    report('iterated', iteration, inertia),
  );

  const result = assignFinally(unitVectors, dim, k, centroids, assignments, search, iterations);
  report('assigned', iterations, result.inertia);

  return result;
}

function validateInput(vectors: Float32Array, dim: number, options: ClusterOptions): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`Invalid dim ${dim}: expected a positive integer.`);
  }
  if (vectors.length % dim !== 0) {
    throw new RangeError(`Invalid vectors: length ${vectors.length} is not a multiple of dim ${dim}.`);
  }
  if (!Number.isInteger(options.k) || options.k < 1) {
    throw new RangeError(`Invalid k ${options.k}: expected a positive integer.`);
  }
  if (options.maxIterations !== undefined && (!Number.isInteger(options.maxIterations) || options.maxIterations < 0)) {
    throw new RangeError(`Invalid maxIterations ${options.maxIterations}: expected an integer of 0 or more.`);
  }
  if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize < 1)) {
    throw new RangeError(`Invalid batchSize ${options.batchSize}: expected a positive integer.`);
  }
  if (options.tolerance !== undefined && !(options.tolerance >= 0 && Number.isFinite(options.tolerance))) {
    throw new RangeError(`Invalid tolerance ${options.tolerance}: expected a finite number of 0 or more.`);
  }
}

/** With k = n every vector is its own cluster, so no iteration is needed and the inertia is 0. */
function clusterEachVectorAlone(unitVectors: Float32Array, dim: number, n: number): ClusterResult {
  return {
    assignments: Int32Array.from({ length: n }, (_, i) => i),
    centroids: unitVectors,
    sizes: new Int32Array(n).fill(1),
    k: n,
    inertia: 0,
    iterations: 0,
  };
}

function seedCentroids(
  unitVectors: Float32Array,
  dim: number,
  k: number,
  options: ClusterOptions,
  random: () => number,
): Float32Array {
  const n = unitVectors.length / dim;
  const centroids = new Float32Array(k * dim);
  const seeding = options.seeding ?? 'auto';
  const partitioned =
    seeding === 'partitioned' || (seeding === 'auto' && n * k * dim * greedyTrials(k) > PLAIN_SEEDING_MAX_WORK);

  if (partitioned) {
    seedPartitioned(unitVectors, dim, k, partitionGroupCount(k), random, centroids);
  } else {
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    seedKMeansPlusPlus(unitVectors, dim, rows, k, random, centroids, 0, greedyTrials(k));
  }

  return centroids;
}

type Pass = (search: CentroidSearch) => PassOutcome;

function createLloydPass(
  unitVectors: Float32Array,
  dim: number,
  k: number,
  centroids: Float32Array,
  assignments: Int32Array,
): Pass {
  const distances = new Float64Array(assignments.length);

  return (search) => {
    const changed = assignAll(search, assignments, distances);
    const inertia = distances.reduce((a, b) => a + b, 0);
    const sizes = recomputeMeans(unitVectors, dim, assignments, k, centroids);
    const reseeded = reseedEmptyClusters(unitVectors, dim, assignments, distances, sizes, centroids);

    return { inertia, changed, reseeded: reseeded.length };
  };
}

function createMiniBatchPass(
  unitVectors: Float32Array,
  dim: number,
  k: number,
  centroids: Float32Array,
  assignments: Int32Array,
  batchSize: number,
  random: () => number,
): Pass {
  const miniBatch = new MiniBatchKMeans(unitVectors, dim, k, centroids, batchSize, random, assignments);

  return (search) => miniBatch.runPass(search);
}

/**
 * Runs passes until one changes no assignment and re-seeds nothing, or lowers the inertia by less than `tolerance`
 * of it, or `maxIterations` is reached. Returns the passes run. The candidate search is refreshed before the first
 * pass only. On bench/kmeans.ts a second refresh cost as much as the first (about a third of the run) and changed
 * the inertia by under 0.1%.
 */
function iterate(
  search: CentroidSearch | CandidateCentroidSearch,
  runPass: Pass,
  maxIterations: number,
  tolerance: number,
  onPass: (iteration: number, inertia: number) => void,
): number {
  let previousInertia = Infinity;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (search instanceof CandidateCentroidSearch && iteration === 1) {
      search.refresh();
    }

    const outcome = runPass(search);
    onPass(iteration, outcome.inertia);

    const converged = outcome.changed === 0 && outcome.reseeded === 0;
    const stalled = previousInertia - outcome.inertia < tolerance * previousInertia;
    if (converged || stalled) {
      return iteration;
    }
    previousInertia = outcome.inertia;
  }

  return maxIterations;
}

/** Assigns every vector (never a sample), re-seeds empty clusters and sets each centroid to its members' mean. */
function assignFinally(
  unitVectors: Float32Array,
  dim: number,
  k: number,
  centroids: Float32Array,
  assignments: Int32Array,
  search: CentroidSearch | CandidateCentroidSearch,
  iterations: number,
): ClusterResult {
  if (search instanceof CandidateCentroidSearch) {
    search.refresh();
  }

  const distances = new Float64Array(assignments.length);
  assignAll(search, assignments, distances);
  const sizes = new Int32Array(k);
  assignments.forEach((cluster) => sizes[cluster]++);
  reseedEmptyClusters(unitVectors, dim, assignments, distances, sizes, centroids);
  recomputeMeans(unitVectors, dim, assignments, k, centroids);

  return {
    assignments,
    centroids,
    sizes,
    k,
    inertia: computeInertia(unitVectors, dim, assignments, centroids),
    iterations,
  };
}
