import type { ModelDefinition } from '../models/model-definition';
import type { ServedVocabulary } from './served-vocabulary';
import type { VectorIndex } from './vector-index.repository';

/**
 * Everything the API needs to run queries on one version of a model without touching the database:
 * its HNSW index, its unit-normalised vectors (for exact search and vector arithmetic) and its vocabulary.
 */
export class ServingModel {
  constructor(
    readonly modelId: string,
    /** The served model version's id, which keys its token rows, cut tokens and artifact folder. */
    readonly versionId: string,
    /** Identifies the artifacts this instance was loaded from; a retrained model gets a new version. */
    readonly version: string,
    readonly definition: ModelDefinition,
    readonly index: VectorIndex,
    /** Row-major, one unit-length row per token id. */
    readonly unitVectors: Float32Array,
    readonly vocabulary: ServedVocabulary,
    /** Size of the index file in bytes; hnswlib keeps about this much in memory. */
    private readonly indexBytes: number,
  ) {}

  get dimensions(): number {
    return this.index.dimensions;
  }

  get size(): number {
    return this.vocabulary.size;
  }

  /** Estimated memory held by this model, in bytes. It counts what the LRU budget limits. */
  get estimatedBytes(): number {
    return this.indexBytes + this.unitVectors.byteLength + this.vocabulary.estimatedBytes;
  }

  unitVector(tokenId: number): Float32Array {
    return this.unitVectors.subarray(tokenId * this.dimensions, (tokenId + 1) * this.dimensions);
  }
}
