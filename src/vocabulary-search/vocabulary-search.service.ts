import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { TokenEntity } from '../entities/token.entity';
import { ModelsService } from '../models/models.service';
import type { TokenResponseDto } from '../similarity/similarity.dto';
import { parseCidr } from '../similarity/token-filter';
import type { AddressField, VocabularyPageDto, VocabularySearchQueryDto } from './vocabulary-search.dto';
import { VocabularySearchRepository } from './vocabulary-search.repository';

const DEFAULT_LIMIT = 50;
const FIELDS_OF: Record<AddressField, string[]> = { src: ['srcAddr'], dst: ['dstAddr'], any: ['srcAddr', 'dstAddr'] };

/** Searches a model's vocabulary by token text and address range, a page at a time. */
@Injectable()
export class VocabularySearchService {
  constructor(
    private readonly models: ModelsService,
    private readonly repository: VocabularySearchRepository,
  ) {}

  async search(modelId: string, query: VocabularySearchQueryDto): Promise<VocabularyPageDto> {
    // Token rows are keyed by the id of the version searched, which resolving checks is ready.
    const model = await this.models.resolveServingVersion(modelId, query.version ?? undefined);

    let cidr: { range: string; positions: number[] } | undefined;
    if (query.cidr) {
      parseCidr('cidr', query.cidr);
      cidr = {
        range: query.cidr.trim(),
        positions: addressPositions(model.definition.tokenFields, query.addressField ?? 'any'),
      };
    }

    const limit = query.limit ?? DEFAULT_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total, totalCapped } = await this.repository.search({
      modelId: model.id,
      prefix: query.prefix,
      contains: query.contains,
      cidr,
      labelClass: query.labelClass,
      limit,
      offset,
    });
    return { items: items.map(toTokenResponse), total, totalCapped, limit, offset };
  }
}

/** One-based positions of the token fields that `addressField` names, or INVALID_INPUT if the model has none. */
function addressPositions(tokenFields: readonly string[], addressField: AddressField): number[] {
  const positions = FIELDS_OF[addressField]
    .map((field) => tokenFields.indexOf(field) + 1)
    .filter((position) => position > 0);
  if (positions.length === 0) {
    throw new DomainError(
      'INVALID_INPUT',
      `cidr cannot be used with addressField ${addressField}: this model's tokens are made of ${tokenFields.join(', ')}`,
    );
  }
  return positions;
}

export function toTokenResponse(token: TokenEntity): TokenResponseDto {
  return {
    token: token.token,
    count: token.count,
    labelCounts: Object.entries(token.labelCounts)
      .map(([label, count]) => ({ label, count }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    labelClass: token.labelClass,
    cluster: token.cluster,
  };
}
