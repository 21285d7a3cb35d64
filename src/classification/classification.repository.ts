import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { TokenEntity } from '../entities/token.entity';

/** A token field, by its 1-based position among the "|"-separated fields, and the value it must have. */
export interface FieldMatch {
  position: number;
  value: string;
}

/** Token lookups for classification: many tokens by string, and tokens that share some fields with a token. */
@Injectable()
export class ClassificationRepository {
  constructor(@InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>) {}

  findByTokens(versionId: string, tokens: string[]): Promise<TokenEntity[]> {
    return tokens.length === 0 ? Promise.resolve([]) : this.tokens.findBy({ modelId: versionId, token: In(tokens) });
  }

  /** Returns the id, string and label class of every token of a version, in id order. */
  findAllLabelClasses(versionId: string): Promise<Pick<TokenEntity, 'tokenId' | 'token' | 'labelClass'>[]> {
    return this.tokens.find({
      select: { tokenId: true, token: true, labelClass: true },
      where: { modelId: versionId },
      order: { tokenId: 'ASC' },
    });
  }

  findByIds(versionId: string, tokenIds: number[]): Promise<TokenEntity[]> {
    return tokenIds.length === 0
      ? Promise.resolve([])
      : this.tokens.findBy({ modelId: versionId, tokenId: In(tokenIds) });
  }

  /**
   * Returns up to `limit` tokens of a version whose fields at the given positions have the given values, most
   * frequent first. No index covers single token fields, so this scans all of the version's tokens.
   */
  findSharingFields(versionId: string, matches: FieldMatch[], limit: number): Promise<TokenEntity[]> {
    const query = this.tokens.createQueryBuilder('t').where('t."modelId" = :versionId', { versionId });
    matches.forEach((match, i) => {
      query.andWhere(`split_part(t.token, '|', :position${i}) = :value${i}`, {
        [`position${i}`]: match.position,
        [`value${i}`]: match.value,
      });
    });

    return query.orderBy('t.count', 'DESC').addOrderBy('t.tokenId', 'ASC').limit(limit).getMany();
  }
}
