import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { LabelClass } from '../captures/label-class';
import { TokenEntity } from '../entities/token.entity';

export interface VocabularySearch {
  modelId: string;
  prefix?: string;
  contains?: string;
  /** An address range already checked to be valid, and the one-based token field positions it applies to. */
  cidr?: { range: string; positions: number[] };
  labelClass?: LabelClass;
  limit: number;
  offset: number;
}

/** Matches counted at most; a search with more reports this many and says that the count is capped. */
export const TOTAL_CAP = 10_000;

/** Escapes `%`, `_` and `\` so that text matches itself in a LIKE pattern. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * Searches a model's vocabulary in PostgreSQL. Prefix search uses the `text_pattern_ops` B-tree, substring
 * search the trigram GIN index, and address ranges the GiST indexes on the first two token fields.
 */
@Injectable()
export class VocabularySearchRepository {
  constructor(@InjectRepository(TokenEntity) private readonly tokens: Repository<TokenEntity>) {}

  async search(search: VocabularySearch): Promise<{ items: TokenEntity[]; total: number; totalCapped: boolean }> {
    const query = this.tokens.createQueryBuilder('t').where('t.modelId = :modelId', { modelId: search.modelId });

    if (search.prefix) {
      query.andWhere(`t.token LIKE :prefix`, { prefix: `${likeLiteral(search.prefix)}%` });
    }
    if (search.contains) {
      query.andWhere(`t.token LIKE :contains`, { contains: `%${likeLiteral(search.contains)}%` });
    }
    if (search.labelClass) {
      query.andWhere('t.labelClass = :labelClass', { labelClass: search.labelClass });
    }
    if (search.cidr) {
      // The position is written into the SQL as a literal integer, because PostgreSQL uses an expression
      // index only when the query repeats its expression exactly.
      const conditions = search.cidr.positions.map(
        (position) => `flow2vec_inet(split_part(t.token, '|', ${Math.trunc(position)})) <<= CAST(:cidr AS inet)`,
      );
      query.andWhere(`(${conditions.join(' OR ')})`, { cidr: search.cidr.range });
    }

    // Token ids follow vocabulary order (count descending, then token), so the primary key walks matches
    // in that order and a broad search stops after one page instead of sorting every match.
    const items = await query.clone().orderBy('t.tokenId', 'ASC').limit(search.limit).offset(search.offset).getMany();

    // Counting every match of a broad search would read millions of rows, so the count stops at a cap.
    const [sql, parameters] = query
      .select('1')
      .limit(TOTAL_CAP + 1)
      .getQueryAndParameters();
    const [{ matches }] = await this.tokens.query(`SELECT count(*)::int AS matches FROM (${sql}) AS found`, parameters);
    return { items, total: Math.min(matches, TOTAL_CAP), totalCapped: matches > TOTAL_CAP };
  }
}
