import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataSource, EntityManager } from 'typeorm';
import type { LabelClass } from '../captures/label-class';
import { ClusterEntity } from '../entities/cluster.entity';
import { TokenEntity } from '../entities/token.entity';
import type { ModelClusters } from './model-clustering.service';

export type MemberOrder = 'count' | 'distance';
export type ClusterOrder = 'share' | 'size' | 'id';

export interface ClusterFilter {
  /** Label class whose share of the cluster's flows filters and orders the clusters; null for no filter. */
  labelClass: LabelClass | null;
  /** Smallest share of `labelClass` among the cluster's flows; clusters without any flow of the class never match. */
  minShare: number;
  order: ClusterOrder;
  limit: number;
  offset: number;
}

/** Clusters and cluster membership in PostgreSQL. Rows are written with COPY inside the caller's transaction. */
@Injectable()
export class ClusterRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the clusters of a version and sets each token's cluster, replacing what an earlier attempt stored. */
  async save(manager: EntityManager, versionId: string, clusters: ModelClusters): Promise<void> {
    const client = (manager.queryRunner as unknown as { databaseConnection: PoolClient }).databaseConnection;
    await manager.query('DELETE FROM clusters WHERE "modelId" = $1', [versionId]);

    const clusterRows = clusters.clusters.map(
      (row) =>
        [
          versionId,
          row.clusterId,
          row.size,
          row.flows,
          JSON.stringify(row.tokenComposition),
          JSON.stringify(row.flowComposition),
          row.majorityClass ?? '\\N',
          row.meanCentroidSimilarity ?? '\\N',
          row.minCentroidSimilarity ?? '\\N',
        ].join('\t') + '\n',
    );
    await pipeline(
      Readable.from(clusterRows),
      client.query(
        copyFrom(
          'COPY clusters ("modelId", "clusterId", size, flows, "tokenComposition", "flowComposition", ' +
            '"majorityClass", "meanCentroidSimilarity", "minCentroidSimilarity") FROM STDIN',
        ),
      ),
    );

    // Membership goes through a temporary table, because one UPDATE joined to COPY'd rows is far faster than
    // an UPDATE per token.
    await manager.query(
      'CREATE TEMPORARY TABLE token_clusters ("tokenId" integer, cluster integer, similarity real) ON COMMIT DROP',
    );
    const membership = (function* () {
      for (let token = 0; token < clusters.assignments.length; token++) {
        yield `${token}\t${clusters.assignments[token]}\t${clusters.centroidSimilarity[token]}\n`;
      }
    })();
    await pipeline(Readable.from(membership), client.query(copyFrom('COPY token_clusters FROM STDIN')));
    await manager.query(
      `UPDATE tokens SET cluster = c.cluster, "centroidSimilarity" = c.similarity
       FROM token_clusters c WHERE tokens."modelId" = $1 AND tokens."tokenId" = c."tokenId"`,
      [versionId],
    );
  }

  findCluster(versionId: string, clusterId: number): Promise<ClusterEntity | null> {
    return this.dataSource.getRepository(ClusterEntity).findOneBy({ modelId: versionId, clusterId });
  }

  /** Returns a page of a cluster's tokens, most frequent or nearest to the centroid first, then by token id. */
  findMembers(
    versionId: string,
    clusterId: number,
    order: MemberOrder,
    limit: number,
    offset: number,
  ): Promise<[TokenEntity[], number]> {
    return this.dataSource.getRepository(TokenEntity).findAndCount({
      where: { modelId: versionId, cluster: clusterId },
      order: order === 'count' ? { count: 'DESC', tokenId: 'ASC' } : { centroidSimilarity: 'DESC', tokenId: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /** Returns a page of a version's clusters, filtered and ordered by the share of a label class among their flows. */
  async findClusters(versionId: string, filter: ClusterFilter): Promise<[ClusterEntity[], number]> {
    const query = this.dataSource
      .getRepository(ClusterEntity)
      .createQueryBuilder('c')
      .where('c."modelId" = :versionId', { versionId })
      .andWhere('c.size > 0');

    const share = `(COALESCE((c."flowComposition" ->> :labelClass)::double precision, 0) / GREATEST(c.flows, 1))`;
    if (filter.labelClass !== null) {
      query
        .andWhere(`COALESCE((c."flowComposition" ->> :labelClass)::double precision, 0) > 0`)
        .andWhere(`${share} >= :minShare`, { labelClass: filter.labelClass, minShare: filter.minShare });
    }

    if (filter.order === 'share' && filter.labelClass !== null) {
      query.orderBy(share, 'DESC').addOrderBy('c.flows', 'DESC');
    } else if (filter.order === 'size') {
      query.orderBy('c.size', 'DESC');
    }
    query.addOrderBy('c.clusterId', 'ASC').limit(filter.limit).offset(filter.offset);

    return query.getManyAndCount();
  }
}
