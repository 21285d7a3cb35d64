import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { CutTokenEntity } from '../entities/cut-token.entity';
import { TokenEntity } from '../entities/token.entity';
import type { VocabularyRow } from './served-vocabulary';

/** Reads vocabularies and the tokens cut from them. */
@Injectable()
export class TokenRepository {
  constructor(
    @InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>,
    @InjectRepository(CutTokenEntity) private readonly cutTokens: Repository<CutTokenEntity>,
  ) {}

  /** Up to `limit` vocabulary rows with token ids above `afterTokenId`, in token id order. */
  async findPage(modelId: string, afterTokenId: number, limit: number): Promise<VocabularyRow[]> {
    const rows = await this.tokens
      .createQueryBuilder('t')
      .select(['t.tokenId AS "tokenId"', 't.token AS token', 't.count AS count', 't.labelClass AS "labelClass"'])
      .addSelect('t.cluster', 'cluster')
      .addSelect('t."labelCounts"::text', 'labelCountsJson')
      .where({ modelId, tokenId: MoreThan(afterTokenId) })
      .orderBy('t.tokenId')
      .limit(limit)
      .getRawMany<VocabularyRow>();
    return rows;
  }

  findByToken(modelId: string, token: string): Promise<TokenEntity | null> {
    return this.tokens.findOneBy({ modelId, token });
  }

  /** Returns the count of a token cut from a model version's vocabulary by minCount, or null if it was never seen. */
  async findCutCount(versionId: string, token: string): Promise<number | null> {
    const cut = await this.cutTokens.findOneBy({ modelId: versionId, token });
    return cut?.count ?? null;
  }
}
