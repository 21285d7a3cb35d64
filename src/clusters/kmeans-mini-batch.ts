import { CentroidSearch } from './kmeans-centroid-search';
import { reseedEmptyClusters } from './kmeans-lloyd';
import { shuffleInPlace } from './kmeans-vectors';

/** The result of one pass over all vectors. */
export interface PassOutcome {
  /** Sum of each vector's squared distance to its nearest centroid, measured when it was assigned. */
  inertia: number;
  /** Vectors whose nearest centroid differs from the previous pass. */
  changed: number;
  /** Clusters that got no vector in the pass and were re-seeded. */
  reseeded: number;
}

/**
 * Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering"), organised in passes. Each pass shuffles the
 * vectors and walks them in batches of `batchSize`. Every vector of a batch is first assigned to its nearest
 * centroid. Then each centroid moves toward each of its batch vectors with step 1/(vectors it has received so far).
 * So a centroid is the running mean of every vector it was ever given. Unlike Sculley's sampling with replacement, a
 * pass visits each vector once, which makes a pass comparable to one Lloyd iteration.
 */
export class MiniBatchKMeans {
  private readonly received: Float64Array;
  private readonly order: Int32Array;
  private readonly batchClusters: Int32Array;
  private readonly distances: Float64Array;

  constructor(
    private readonly vectors: Float32Array,
    private readonly dim: number,
    private readonly k: number,
    private readonly centroids: Float32Array,
    private readonly batchSize: number,
    private readonly random: () => number,
    /** Each vector's centroid in the latest pass, -1 before the first. */
    private readonly assignments: Int32Array,
  ) {
    const n = assignments.length;
    this.received = new Float64Array(k);
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.batchClusters = new Int32Array(batchSize);
    this.distances = new Float64Array(n);
  }

  /** Runs one pass and re-seeds the clusters that received no vector in it. */
  runPass(search: CentroidSearch): PassOutcome {
    const n = this.assignments.length;
    const sizes = new Int32Array(this.k);
    const distanceOut = new Float64Array(1);
    let inertia = 0;
    let changed = 0;

    shuffleInPlace(this.order, this.random);
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      for (let i = start; i < end; i++) {
        const row = this.order[i];
        const cluster = search.nearest(row, distanceOut, this.assignments[row]);
        changed += this.assignments[row] === cluster ? 0 : 1;
        this.assignments[row] = cluster;
        this.distances[row] = distanceOut[0];
        this.batchClusters[i - start] = cluster;
        sizes[cluster]++;
        inertia += distanceOut[0];
      }

      for (let i = start; i < end; i++) {
        this.moveCentroidToward(this.batchClusters[i - start], this.order[i]);
      }
    }

    const reseeded = reseedEmptyClusters(
      this.vectors,
      this.dim,
      this.assignments,
      this.distances,
      sizes,
      this.centroids,
    );
    for (const cluster of reseeded) {
      this.received[cluster] = 1;
    }

    return { inertia, changed, reseeded: reseeded.length };
  }

  private moveCentroidToward(cluster: number, row: number): void {
    this.received[cluster]++;
    const step = 1 / this.received[cluster];
    const centroidOffset = cluster * this.dim;
    const rowOffset = row * this.dim;
    for (let j = 0; j < this.dim; j++) {
      this.centroids[centroidOffset + j] += step * (this.vectors[rowOffset + j] - this.centroids[centroidOffset + j]);
    }
  }
}
