import { Injectable } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import type { ModelDefinition } from '../models/model-definition';
import { normalizeInPlace } from './query-vector';
import { ServedVocabulary, VocabularyRow } from './served-vocabulary';
import { ServingModel } from './serving-model';
import { TokenRepository } from './token.repository';
import { VectorIndexRepository } from './vector-index.repository';

/** Vocabulary rows read per query while loading, so a vocabulary of millions never sits in one result set. */
const VOCABULARY_PAGE = 50_000;

/** The artifacts and vocabulary rows that make up the served version of a model. */
export interface ServingSource {
  modelId: string;
  versionId: string;
  version: string;
  definition: ModelDefinition;
  vocabularySize: number;
  indexPath: string;
  vectorsPath: string;
}

/** Reads one model version into memory and checks that index, vectors and vocabulary agree in size. */
@Injectable()
export class ServingModelLoader {
  constructor(
    private readonly artifacts: ArtifactRepository,
    private readonly indexes: VectorIndexRepository,
    private readonly tokens: TokenRepository,
  ) {}

  async load(source: ServingSource): Promise<ServingModel> {
    const dimensions = source.definition.trainer.vectorSize;
    const index = await this.indexes.read(source.indexPath, dimensions);
    if (index.size !== source.vocabularySize) {
      throw new Error(`the index has ${index.size} vectors, but the vocabulary has ${source.vocabularySize} tokens`);
    }

    const unitVectors = await this.readUnitVectors(source.vectorsPath, source.vocabularySize, dimensions);
    const vocabulary = ServedVocabulary.fromRows(await this.readVocabulary(source.versionId), source.vocabularySize);
    const indexBytes = await this.artifacts.sizeOf(source.indexPath);
    return new ServingModel(
      source.modelId,
      source.versionId,
      source.version,
      source.definition,
      index,
      unitVectors,
      vocabulary,
      indexBytes,
    );
  }

  private async readUnitVectors(path: string, size: number, dimensions: number): Promise<Float32Array> {
    const bytes = await this.artifacts.readBytes(path);
    if (bytes.byteLength !== size * dimensions * 4) {
      throw new Error(
        `the vector file has ${bytes.byteLength} bytes, expected ${size * dimensions * 4} for ${size} × ${dimensions} float32`,
      );
    }

    // Copying into a fresh Float32Array aligns the data, which a Buffer's offset into its pool may not be.
    const vectors = new Float32Array(size * dimensions);
    new Uint8Array(vectors.buffer).set(bytes);
    for (let tokenId = 0; tokenId < size; tokenId++) {
      normalizeInPlace(vectors.subarray(tokenId * dimensions, (tokenId + 1) * dimensions));
    }
    return vectors;
  }

  private async readVocabulary(versionId: string): Promise<VocabularyRow[]> {
    const rows: VocabularyRow[] = [];
    for (let after = -1; ;) {
      const page = await this.tokens.findPage(versionId, after, VOCABULARY_PAGE);
      rows.push(...page);
      if (page.length < VOCABULARY_PAGE) {
        return rows;
      }
      after = page[page.length - 1].tokenId;
    }
  }
}
