/** A token near another, with the cosine similarity of their vectors. */
export interface Neighbour {
  token: number;
  similarity: number;
}

/** Nearest-neighbour search over the tokens of one model, so evaluation can run on exact search or on an index. */
export interface NeighbourLookup {
  /** Number of tokens, which are numbered 0..tokenCount-1. */
  readonly tokenCount: number;
  /** Returns up to `count` nearest neighbours of `token`, most similar first, never `token` itself. */
  neighboursOf(token: number, count: number): Neighbour[];
}

/** Exact cosine search that scans every token. A query costs O(n·dim), so it suits small models and tests. */
export class ExactCosineNeighbourLookup implements NeighbourLookup {
  readonly tokenCount: number;
  private readonly unitVectors: Float32Array;

  /** `vectors` is row-major tokenCount × dim. A zero vector has similarity 0 to every token. */
  constructor(
    vectors: Float32Array,
    private readonly dim: number,
  ) {
    this.tokenCount = vectors.length / dim;
    this.unitVectors = new Float32Array(vectors.length);
    for (let offset = 0; offset < vectors.length; offset += dim) {
      const norm = Math.hypot(...vectors.subarray(offset, offset + dim));
      for (let j = 0; j < dim && norm > 0; j++) {
        this.unitVectors[offset + j] = vectors[offset + j] / norm;
      }
    }
  }

  neighboursOf(token: number, count: number): Neighbour[] {
    // Kept sorted by descending similarity, with the lower token first among equal similarities.
    const nearest: Neighbour[] = [];
    for (let other = 0; other < this.tokenCount; other++) {
      if (other === token) {
        continue;
      }

      const similarity = this.dot(token, other);
      if (nearest.length === count && similarity <= nearest[count - 1].similarity) {
        continue;
      }

      let position = nearest.length;
      while (position > 0 && nearest[position - 1].similarity < similarity) {
        position--;
      }
      nearest.splice(position, 0, { token: other, similarity });
      nearest.length = Math.min(nearest.length, count);
    }

    return nearest;
  }

  private dot(a: number, b: number): number {
    let sum = 0;
    for (let j = 0; j < this.dim; j++) {
      sum += this.unitVectors[a * this.dim + j] * this.unitVectors[b * this.dim + j];
    }

    return sum;
  }
}

/** The part of hnswlib-node's `HierarchicalNSW` that `HnswNeighbourLookup` uses. */
export interface KnnIndex {
  searchKnn(query: number[], count: number): { distances: number[]; neighbors: number[] };
  getCurrentCount(): number;
}

/**
 * Search through an HNSW index whose labels are token numbers. The index must use the `cosine` space, or the `ip`
 * space over unit vectors, because similarity is read as 1 − distance, which holds for those two spaces in
 * hnswlib-node 3.
 */
export class HnswNeighbourLookup implements NeighbourLookup {
  readonly tokenCount: number;

  /** `vectors` is the row-major tokenCount × dim matrix that the index was built from. */
  constructor(
    private readonly index: KnnIndex,
    private readonly vectors: Float32Array,
    private readonly dim: number,
  ) {
    this.tokenCount = vectors.length / dim;
  }

  neighboursOf(token: number, count: number): Neighbour[] {
    const query = Array.from(this.vectors.subarray(token * this.dim, (token + 1) * this.dim));
    const found = this.index.searchKnn(query, Math.min(count + 1, this.index.getCurrentCount()));

    const neighbours: Neighbour[] = [];
    found.neighbors.forEach((other, i) => {
      if (other !== token && neighbours.length < count) {
        neighbours.push({ token: other, similarity: 1 - found.distances[i] });
      }
    });

    return neighbours;
  }
}

/**
 * Queries every token once and returns a lookup that serves those results, so several metrics can share one pass
 * over a slow lookup. Requests for more than `count` neighbours get `count`.
 */
export function precomputeNeighbours(lookup: NeighbourLookup, count: number): NeighbourLookup {
  const table = Array.from({ length: lookup.tokenCount }, (_, token) => lookup.neighboursOf(token, count));

  return {
    tokenCount: lookup.tokenCount,
    neighboursOf: (token, wanted) => table[token].slice(0, wanted),
  };
}
