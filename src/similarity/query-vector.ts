/**
 * Vector arithmetic of most-similar queries, written to match gensim 4's `KeyedVectors.most_similar`:
 * each token contributes its unit vector with weight +1 (positive) or -1 (negative), a raw vector
 * contributes itself unchanged, and the query is the unit-normalised mean of the contributions.
 */

/** Scales `vector` in place to unit length. Returns false, leaving it unchanged, when its norm is 0. */
export function normalizeInPlace(vector: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    sum += vector[i] * vector[i];
  }

  const norm = Math.sqrt(sum);
  if (norm === 0 || !Number.isFinite(norm)) {
    return false;
  }

  for (let i = 0; i < vector.length; i++) {
    vector[i] /= norm;
  }
  return true;
}

export interface WeightedVector {
  vector: ArrayLike<number>;
  weight: 1 | -1;
}

/**
 * Returns the unit-normalised mean of the weighted vectors, or null when the mean is the zero vector
 * (for example the same token given as positive and negative), which has no direction to search in.
 */
export function combineQueryVectors(parts: WeightedVector[], dimensions: number): Float32Array | null {
  const mean = new Float32Array(dimensions);
  for (const { vector, weight } of parts) {
    for (let i = 0; i < dimensions; i++) {
      mean[i] += weight * vector[i];
    }
  }

  for (let i = 0; i < dimensions; i++) {
    mean[i] /= parts.length;
  }
  return normalizeInPlace(mean) ? mean : null;
}

/** Dot product of `query` with row `row` of a row-major matrix of `dimensions` columns. */
export function dotWithRow(query: ArrayLike<number>, matrix: Float32Array, row: number, dimensions: number): number {
  const offset = row * dimensions;
  let sum = 0;
  for (let i = 0; i < dimensions; i++) {
    sum += query[i] * matrix[offset + i];
  }
  return sum;
}
