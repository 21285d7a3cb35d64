import { CentroidSearch } from './kmeans-centroid-search';
import { copyRow } from './kmeans-vectors';

/**
 * Assigns every vector to its nearest centroid and stores the squared distance to it. Returns how many vectors got a
 * different centroid than `assignments` held before. An entry of -1 counts as changed.
 */
export function assignAll(search: CentroidSearch, assignments: Int32Array, distances: Float64Array): number {
  const distanceOut = new Float64Array(1);
  let changed = 0;
  for (let row = 0; row < assignments.length; row++) {
    const centroid = search.nearest(row, distanceOut, assignments[row]);
    if (assignments[row] !== centroid) {
      changed++;
      assignments[row] = centroid;
    }
    distances[row] = distanceOut[0];
  }

  return changed;
}

/** Sets each centroid to the mean of its members and returns the cluster sizes. A centroid without members stays. */
export function recomputeMeans(
  vectors: Float32Array,
  dim: number,
  assignments: Int32Array,
  k: number,
  centroids: Float32Array,
): Int32Array {
  const sizes = new Int32Array(k);
  const sums = new Float64Array(k * dim);
  for (let row = 0; row < assignments.length; row++) {
    const cluster = assignments[row];
    sizes[cluster]++;
    const sumOffset = cluster * dim;
    const rowOffset = row * dim;
    for (let j = 0; j < dim; j++) {
      sums[sumOffset + j] += vectors[rowOffset + j];
    }
  }

  for (let cluster = 0; cluster < k; cluster++) {
    if (sizes[cluster] === 0) {
      continue;
    }

    const offset = cluster * dim;
    for (let j = 0; j < dim; j++) {
      centroids[offset + j] = sums[offset + j] / sizes[cluster];
    }
  }

  return sizes;
}

/**
 * Re-seeds every cluster of size 0: its centroid moves onto the vector farthest from its own centroid, taken only
 * from clusters with two or more members, and that vector joins it. Each vector is taken at most once. Updates
 * `assignments`, `distances` and `sizes` in place and returns the re-seeded clusters. With k ≤ n a donor always
 * exists, so no cluster stays empty. The donors' centroids are not recomputed here.
 */
export function reseedEmptyClusters(
  vectors: Float32Array,
  dim: number,
  assignments: Int32Array,
  distances: Float64Array,
  sizes: Int32Array,
  centroids: Float32Array,
): number[] {
  const empty: number[] = [];
  sizes.forEach((size, cluster) => {
    if (size === 0) {
      empty.push(cluster);
    }
  });
  if (empty.length === 0) {
    return empty;
  }

  // Farthest first; ties go to the lower row so that the result does not depend on the sort implementation.
  const rows = Int32Array.from(assignments.keys()).sort((a, b) => distances[b] - distances[a] || a - b);
  let next = 0;
  for (const cluster of empty) {
    while (sizes[assignments[rows[next]]] < 2) {
      next++;
    }

    const row = rows[next++];
    sizes[assignments[row]]--;
    assignments[row] = cluster;
    sizes[cluster] = 1;
    distances[row] = 0;
    copyRow(vectors, row, centroids, cluster, dim);
  }

  return empty;
}

/** Sum of the squared distances of every vector to the centroid of its cluster. */
export function computeInertia(
  vectors: Float32Array,
  dim: number,
  assignments: Int32Array,
  centroids: Float32Array,
): number {
  let inertia = 0;
  for (let row = 0; row < assignments.length; row++) {
    const rowOffset = row * dim;
    const centroidOffset = assignments[row] * dim;
    for (let j = 0; j < dim; j++) {
      const difference = vectors[rowOffset + j] - centroids[centroidOffset + j];
      inertia += difference * difference;
    }
  }

  return inertia;
}
