import { Injectable } from '@nestjs/common';
import { HierarchicalNSW } from 'hnswlib-node';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * Graph degree of the HNSW index (hnswlib's `M`). On CTU-13 scenario 6 trained for five epochs (141,886 tokens ×
 * 100 dimensions), M 16 and M 32 recalled within 0.002 of each other at every ef from 64 to 512. M 32 built 10-15%
 * slower and searched 3-10% slower (`npm run bench:query -- --sweep 16:200,32:200`). M 32 is kept for models with
 * many barely trained, near-random vectors: on a one-epoch model of the same capture it raised recall@10 at ef 256
 * from 0.89 to 0.93. The cost is twice the links on the base layer, about 37 MB instead of 19 MB for that model.
 */
export const HNSW_M = 32;
/** Candidate list size while building; higher builds slower and recalls more. */
export const HNSW_EF_CONSTRUCTION = 200;
/**
 * Maximum time spent inserting points between two yields to the event loop, in milliseconds, so a worker keeps
 * renewing its job lock and a process that also serves the API keeps responding while an index builds. A count of
 * points would not bound this: one insertion takes from microseconds to milliseconds with the size and load.
 */
const BUILD_SLICE_MS = 50;

export interface Neighbour {
  tokenId: number;
  similarity: number;
}

/** A loaded HNSW index over one model's vectors, cosine space; labels are token ids. */
export class VectorIndex {
  constructor(
    private readonly index: HierarchicalNSW,
    readonly dimensions: number,
    readonly size: number,
  ) {}

  /** Returns a token's stored vector; hnswlib keeps cosine-space vectors unit-normalised. */
  vectorOf(tokenId: number): number[] {
    return this.index.getPoint(tokenId);
  }

  async writeTo(path: string): Promise<void> {
    await this.index.writeIndex(path);
  }

  /**
   * Nearest tokens to a unit `query` by cosine similarity, best first, ties by lower token id. `ef` is the
   * search candidate list; it is raised to at least `k` because hnswlib cannot return more neighbours than
   * it keeps candidates. With `accept`, hnswlib skips rejected tokens during the search, and it may return
   * fewer than `k` tokens when few pass.
   */
  search(query: ArrayLike<number>, k: number, ef: number, accept?: (tokenId: number) => boolean): Neighbour[] {
    const wanted = Math.min(k, this.size);
    this.index.setEf(Math.max(ef, wanted));
    const result = this.index.searchKnn(toNumberArray(query), wanted, accept);

    const neighbours = result.neighbors.map((tokenId, i) => ({ tokenId, similarity: 1 - result.distances[i] }));
    return neighbours.sort((a, b) => b.similarity - a.similarity || a.tokenId - b.tokenId);
  }
}

/**
 * Copies a vector into the plain array that hnswlib-node's searchKnn accepts. An indexed loop takes about a tenth
 * of the time of Array.from on a 100-dimension Float32Array (Node 20 on a 2-core AMD EPYC).
 */
function toNumberArray(vector: ArrayLike<number>): number[] {
  const values = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    values[i] = vector[i];
  }
  return values;
}

/** Builds, writes and reads HNSW index files. The only place that uses hnswlib-node. */
@Injectable()
export class VectorIndexRepository {
  async build(
    vectors: Float32Array,
    dimensions: number,
    seed: number,
    onProgress?: (fraction: number) => void,
  ): Promise<VectorIndex> {
    const size = vectors.length / dimensions;
    const index = new HierarchicalNSW('cosine', dimensions);
    index.initIndex(Math.max(size, 1), HNSW_M, HNSW_EF_CONSTRUCTION, seed);

    let sliceStart = performance.now();
    for (let tokenId = 0; tokenId < size; tokenId++) {
      index.addPoint(Array.from(vectors.subarray(tokenId * dimensions, (tokenId + 1) * dimensions)), tokenId);
      if (performance.now() - sliceStart >= BUILD_SLICE_MS) {
        onProgress?.((tokenId + 1) / size);
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }

    return new VectorIndex(index, dimensions, size);
  }

  /** Reads an index file; a truncated or corrupted file rejects instead of crashing the process. */
  async read(path: string, dimensions: number): Promise<VectorIndex> {
    const index = new HierarchicalNSW('cosine', dimensions);
    await index.readIndex(path);
    return new VectorIndex(index, dimensions, index.getCurrentCount());
  }
}
