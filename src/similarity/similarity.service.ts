import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { exactSearch } from './exact-search';
import { ModelServingService } from './model-serving.service';
import { combineQueryVectors, dotWithRow, WeightedVector } from './query-vector';
import { ServingModel } from './serving-model';
import {
  MostSimilarRequestDto,
  OddOneOutResponseDto,
  SimilarBatchItemDto,
  SimilarResponseDto,
  TokenRefDto,
  TokenResponseDto,
  TokenSimilarityResponseDto,
} from './similarity.dto';
import { compileTokenFilter, hasConditions } from './token-filter';
import type { Neighbour } from './vector-index.repository';

/**
 * Default search candidate list. On CTU-13 scenario 6 trained for five epochs, ef 128 recalled 0.998 to 0.999 of the
 * exact 10 nearest tokens in three runs, in about 60% of the search time of ef 256 (`npm run bench:query`). Models
 * with many barely trained tokens recall less, and a request can raise `ef` or ask for `exact: true`.
 */
export const DEFAULT_EF = 128;
const DEFAULT_K = 10;

/** Similarity queries over a model's vectors; REST and GraphQL both call this class. */
@Injectable()
export class SimilarityService {
  constructor(private readonly serving: ModelServingService) {}

  /**
   * Finds the `k` tokens nearest to the combination of the query's tokens and vectors, with the query tokens
   * left out. A `k` above the vocabulary returns every token; with a filter, `k` counts matching tokens.
   * `version` names the model version to query; without it, the newest ready version is queried.
   */
  async mostSimilar(modelId: string, request: MostSimilarRequestDto, version?: number): Promise<SimilarResponseDto> {
    return this.mostSimilarIn(await this.serving.get(modelId, version), request);
  }

  /** Runs each query on its own: a failing query yields its error in place and does not fail the batch. */
  async mostSimilarBatch(
    modelId: string,
    requests: MostSimilarRequestDto[],
    version?: number,
  ): Promise<SimilarBatchItemDto[]> {
    // Loading once makes a model-level failure (not found, not ready, unreadable) fail the whole request, and
    // every query of the batch runs on the same version even if a newer one becomes ready meanwhile.
    const model = await this.serving.get(modelId, version);

    const results: SimilarBatchItemDto[] = [];
    for (const request of requests) {
      try {
        results.push({ result: await this.mostSimilarIn(model, request) });
      } catch (error) {
        if (!(error instanceof DomainError)) {
          throw error;
        }
        results.push({ error: { code: error.code, message: error.message } });
      }
    }
    return results;
  }

  /** Cosine similarity of two tokens. */
  async similarity(modelId: string, a: string, b: string, version?: number): Promise<TokenSimilarityResponseDto> {
    const model = await this.serving.get(modelId, version);
    const [idA, idB] = await this.resolveAll(model, [a, b]);

    return {
      a: model.vocabulary.details(idA),
      b: model.vocabulary.details(idB),
      similarity: dotWithRow(model.unitVector(idA), model.unitVectors, idB, model.dimensions),
    };
  }

  /** Finds the token least similar to the mean of the tokens' unit vectors, as gensim's `doesnt_match` picks it. */
  async oddOneOut(modelId: string, tokens: string[], version?: number): Promise<OddOneOutResponseDto> {
    const model = await this.serving.get(modelId, version);
    const ids = await this.resolveAll(model, tokens);
    const mean = combineQueryVectors(
      ids.map((tokenId) => ({ vector: model.unitVector(tokenId), weight: 1 })),
      model.dimensions,
    );
    if (!mean) {
      throw new DomainError(
        'INVALID_INPUT',
        "The mean of the tokens' vectors is zero, so no token is farthest from it; give other tokens",
      );
    }

    const similarities = ids
      .map((tokenId) => ({
        token: model.vocabulary.tokens[tokenId],
        similarity: dotWithRow(mean, model.unitVectors, tokenId, model.dimensions),
      }))
      .sort((a, b) => a.similarity - b.similarity);
    return { token: similarities[0].token, similarities };
  }

  /** Returns a token's count, label counts, label class and cluster. */
  async token(modelId: string, ref: TokenRefDto | string, version?: number): Promise<TokenResponseDto> {
    const model = await this.serving.get(modelId, version);
    return model.vocabulary.details(await this.serving.resolveToken(model, ref));
  }

  private async mostSimilarIn(model: ServingModel, request: MostSimilarRequestDto): Promise<SimilarResponseDto> {
    const positiveIds = await this.resolveAll(model, request.positive ?? []);
    const negativeIds = await this.resolveAll(model, request.negative ?? []);
    const query = this.queryVector(model, positiveIds, negativeIds, request.vectors ?? []);

    const k = request.k ?? DEFAULT_K;
    const excluded = new Set([...positiveIds, ...negativeIds]);
    const filter = hasConditions(request.filter)
      ? compileTokenFilter(request.filter, model.vocabulary, model.definition.tokenFields)
      : undefined;
    const accept = (tokenId: number) => !excluded.has(tokenId) && (!filter || filter(tokenId));
    const wanted = Math.max(Math.min(k, model.size - excluded.size), 0);

    const exactRequested = request.exact === true;
    let neighbours = exactRequested
      ? []
      : this.searchIndex(model, query, wanted, request.ef ?? DEFAULT_EF, excluded, filter);
    // hnswlib stops early when a filter rejects most of the graph, so a short result is replaced by an
    // exact scan, which returns every matching token when fewer than k match.
    const exact = exactRequested || neighbours.length < wanted;
    if (exact) {
      neighbours = wanted > 0 ? exactSearch(query, model.unitVectors, model.dimensions, wanted, accept) : [];
    }

    const minScore = request.minScore;
    const kept =
      minScore === undefined || minScore === null ? neighbours : neighbours.filter((n) => n.similarity >= minScore);
    const positive = positiveIds.map((tokenId) => model.vocabulary.details(tokenId));
    return {
      query: positiveIds.length === 1 && negativeIds.length === 0 && !request.vectors?.length ? positive[0] : null,
      positive,
      negative: negativeIds.map((tokenId) => model.vocabulary.details(tokenId)),
      neighbours: kept.map(({ tokenId, similarity }) => ({ ...model.vocabulary.details(tokenId), similarity })),
      exact,
      versionId: model.versionId,
    };
  }

  /**
   * Searches the index. Without a filter, the excluded query tokens are dropped from a slightly longer
   * result instead of being passed as a filter, because hnswlib-node calls a JavaScript filter once per
   * visited node.
   */
  private searchIndex(
    model: ServingModel,
    query: Float32Array,
    wanted: number,
    ef: number,
    excluded: ReadonlySet<number>,
    filter: ((tokenId: number) => boolean) | undefined,
  ): Neighbour[] {
    if (wanted === 0) {
      return [];
    }
    if (filter) {
      return model.index.search(query, wanted, ef, (tokenId) => !excluded.has(tokenId) && filter(tokenId));
    }

    const found = model.index.search(query, wanted + excluded.size, ef);
    return found.filter((neighbour) => !excluded.has(neighbour.tokenId)).slice(0, wanted);
  }

  private async resolveAll(model: ServingModel, refs: (TokenRefDto | string)[]): Promise<number[]> {
    const ids: number[] = [];
    for (const ref of refs) {
      ids.push(await this.serving.resolveToken(model, ref));
    }
    return ids;
  }

  private queryVector(model: ServingModel, positive: number[], negative: number[], vectors: number[][]): Float32Array {
    if (positive.length + negative.length + vectors.length === 0) {
      throw new DomainError('INVALID_INPUT', 'The query is empty: give at least one positive, negative or vector');
    }

    vectors.forEach((vector, i) => {
      if (vector.length !== model.dimensions || !vector.every((value) => Number.isFinite(value))) {
        throw new DomainError(
          'INVALID_INPUT',
          `vectors[${i}] must be ${model.dimensions} finite numbers (the model's vector size), got ${vector.length} values`,
        );
      }
    });

    const parts: WeightedVector[] = [
      ...positive.map((tokenId) => ({ vector: model.unitVector(tokenId), weight: 1 as const })),
      ...negative.map((tokenId) => ({ vector: model.unitVector(tokenId), weight: -1 as const })),
      ...vectors.map((vector) => ({ vector, weight: 1 as const })),
    ];
    const query = combineQueryVectors(parts, model.dimensions);
    if (!query) {
      throw new DomainError(
        'INVALID_INPUT',
        'The query vector is zero (positives and negatives cancel out); change the query',
      );
    }
    return query;
  }
}
