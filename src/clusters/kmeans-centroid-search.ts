import { HierarchicalNSW } from 'hnswlib-node';

import { squaredDistance } from './kmeans-vectors';

/** Nearest-centroid search for the rows of a fixed vector matrix over a centroid matrix that the caller updates. */
export interface CentroidSearch {
  /**
   * Returns the centroid nearest to vector `row` and writes its squared Euclidean distance into `distanceOut[0]`.
   * Distances are computed against the centroids' current positions. `current`, the row's centroid so far or -1, is
   * always among the centroids considered, so an approximate search never returns one farther than it.
   */
  nearest(row: number, distanceOut: Float64Array, current: number): number;
}

/** Checks every centroid: exact, and O(k·dim) per query. */
export class ExactCentroidSearch implements CentroidSearch {
  constructor(
    private readonly vectors: Float32Array,
    private readonly centroids: Float32Array,
    private readonly k: number,
    private readonly dim: number,
  ) {}

  nearest(row: number, distanceOut: Float64Array): number {
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < this.k; c++) {
      const distance = squaredDistance(this.vectors, row, this.centroids, c, this.dim);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }

    distanceOut[0] = bestDistance;
    return best;
  }
}

/** Settings of the HNSW graph built over the centroids. */
export interface CandidateCentroidSearchOptions {
  /** Centroids kept per vector as its candidates. Default 8. */
  candidates?: number;
  /** HNSW search breadth (`ef`). A larger value finds the true nearest centroids more often and costs more. Default 64. */
  ef?: number;
  /** Seed of the graph's level draws. */
  seed: number;
}

/**
 * Approximate search for large k. `refresh()` builds an HNSW graph (hnswlib-node, L2 space) over the centroids as
 * they are now and stores each vector's `candidates` nearest centroids. `nearest()` then re-ranks only the row's
 * candidates and its current centroid, exactly and against the centroids' current positions. Between refreshes a
 * query costs O(candidates·dim) instead of O(k·dim). That is sound while centroids move little relative to the
 * distances between them. Because the current centroid is always compared, an assignment never moves a vector to a
 * farther centroid. The caller refreshes before the final assignment.
 *
 * NOTE: the result is the true nearest centroid only with high probability, because HNSW is approximate. The
 * k-means benchmark measures how often it is, on a sample against exact search.
 */
export class CandidateCentroidSearch implements CentroidSearch {
  private readonly candidates: number;
  private readonly ef: number;
  private readonly seed: number;
  private readonly candidateLists: Int32Array;

  constructor(
    private readonly vectors: Float32Array,
    private readonly centroids: Float32Array,
    private readonly k: number,
    private readonly dim: number,
    options: CandidateCentroidSearchOptions,
  ) {
    this.candidates = Math.min(k, options.candidates ?? 8);
    this.ef = Math.max(this.candidates, options.ef ?? 64);
    this.seed = options.seed;
    this.candidateLists = new Int32Array((vectors.length / dim) * this.candidates);
  }

  /** Rebuilds the graph over the current centroids and refills every vector's candidates: O(k + n) HNSW calls. */
  refresh(): void {
    const query = new Array<number>(this.dim).fill(0);
    const graph = new HierarchicalNSW('l2', this.dim);
    graph.initIndex({ maxElements: this.k, m: 16, efConstruction: 100, randomSeed: this.seed });
    for (let c = 0; c < this.k; c++) {
      graph.addPoint(loadRow(this.centroids, c, this.dim, query), c);
    }

    graph.setEf(this.ef);
    const n = this.vectors.length / this.dim;
    for (let row = 0; row < n; row++) {
      const found = graph.searchKnn(loadRow(this.vectors, row, this.dim, query), this.candidates).neighbors;
      this.candidateLists.set(found, row * this.candidates);
    }
  }

  nearest(row: number, distanceOut: Float64Array, current: number): number {
    const start = row * this.candidates;
    let best = current;
    let bestDistance = current < 0 ? Infinity : squaredDistance(this.vectors, row, this.centroids, current, this.dim);
    for (let i = start; i < start + this.candidates; i++) {
      const c = this.candidateLists[i];
      const distance = squaredDistance(this.vectors, row, this.centroids, c, this.dim);
      if (distance < bestDistance || (distance === bestDistance && c < best)) {
        bestDistance = distance;
        best = c;
      }
    }

    distanceOut[0] = bestDistance;
    return best;
  }
}

/** Copies a row into `out`, because hnswlib-node accepts plain arrays only. */
function loadRow(matrix: Float32Array, row: number, dim: number, out: number[]): number[] {
  const offset = row * dim;
  for (let j = 0; j < dim; j++) {
    out[j] = matrix[offset + j];
  }

  return out;
}
