import { Injectable } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import { TokenEntity } from '../entities/token.entity';
import { ModelsService } from '../models/models.service';
import { SimilarResponseDto, TokenResponseDto } from './similarity.dto';
import { TokenRepository } from './token.repository';
import { VectorIndexCache } from './vector-index.cache';

/** Search candidate list for queries; well above k = 10 so that answers match exact cosine search. */
const DEFAULT_EF = 256;

@Injectable()
export class SimilarityService {
  constructor(
    private readonly models: ModelsService,
    private readonly tokens: TokenRepository,
    private readonly indexes: VectorIndexCache,
    private readonly artifacts: ArtifactRepository,
  ) {}

  /** The `k` tokens nearest to `token` by cosine similarity, the token itself left out. */
  async mostSimilar(modelId: string, token: string, k: number): Promise<SimilarResponseDto> {
    // The newest ready version answers; its id keys both its tokens and its artifact files.
    const model = await this.models.resolveServingVersion(modelId);

    const query = await this.tokens.findByToken(model.id, token);
    if (!query) {
      throw new DomainError('TOKEN_NOT_FOUND', `Token "${token}" is not in the vocabulary of model ${modelId}`, {
        token,
      });
    }

    const index = await this.loadIndex(model.id, model.definition.trainer.vectorSize);
    const neighbours = index.search(index.vectorOf(query.tokenId), k, DEFAULT_EF, new Set([query.tokenId]));
    const details = new Map(
      (
        await this.tokens.findByIds(
          model.id,
          neighbours.map((n) => n.tokenId),
        )
      ).map((t) => [t.tokenId, t]),
    );

    return {
      query: toTokenResponse(query),
      neighbours: neighbours.map((neighbour) => ({
        ...toTokenResponse(details.get(neighbour.tokenId)!),
        similarity: neighbour.similarity,
      })),
    };
  }

  private async loadIndex(modelId: string, dimensions: number) {
    try {
      return await this.indexes.get(modelId, this.artifacts.indexPath(modelId), dimensions);
    } catch (error) {
      throw new DomainError(
        'INDEX_UNAVAILABLE',
        `The index of model ${modelId} could not be loaded: ${(error as Error).message}`,
      );
    }
  }
}

export function toTokenResponse(token: TokenEntity): TokenResponseDto {
  return {
    token: token.token,
    count: token.count,
    labelCounts: Object.entries(token.labelCounts)
      .map(([label, count]) => ({ label, count }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    labelClass: token.labelClass,
  };
}
