import { Injectable } from '@nestjs/common';
import type { LabelClass } from '../captures/label-class';
import { DomainError } from '../common/domain-error';
import { TokenEntity } from '../entities/token.entity';
import { ModelsService } from '../models/models.service';
import { toTokenResponse } from '../vocabulary-search/vocabulary-search.service';
import { TokenRepository } from '../similarity/token.repository';
import {
  ClusterMemberDto,
  ClusterMemberPageDto,
  ClusterPageDto,
  ClusterResponseDto,
  TokenClusterResponseDto,
} from './cluster.dto';
import { ClusterOrder, ClusterRepository, MemberOrder } from './cluster.repository';

/**
 * Clusters of a model version, for REST and GraphQL alike: each method takes an optional version number and
 * otherwise reads the newest ready version.
 */
@Injectable()
export class ClustersService {
  constructor(
    private readonly models: ModelsService,
    private readonly clusters: ClusterRepository,
    private readonly tokens: TokenRepository,
  ) {}

  async listClusters(
    modelId: string,
    filter: { labelClass?: LabelClass; minShare: number; order: ClusterOrder; limit: number; offset: number },
    versionNumber?: number,
  ): Promise<ClusterPageDto> {
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    const { labelClass, minShare, order, limit, offset } = filter;
    const [items, total] = await this.clusters.findClusters(version.id, {
      labelClass: labelClass ?? null,
      minShare,
      // Without a label class there is no share to order by, so the largest clusters come first.
      order: order === 'share' && !labelClass ? 'size' : order,
      limit,
      offset,
    });

    return { items: items.map((cluster) => ClusterResponseDto.from(cluster)), total };
  }

  async getCluster(modelId: string, clusterId: number, versionNumber?: number): Promise<ClusterResponseDto> {
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    return ClusterResponseDto.from(await this.findCluster(modelId, version.id, clusterId));
  }

  async listMembers(
    modelId: string,
    clusterId: number,
    page: { order: MemberOrder; limit: number; offset: number },
    versionNumber?: number,
  ): Promise<ClusterMemberPageDto> {
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    const cluster = await this.findCluster(modelId, version.id, clusterId);
    const [members, total] = await this.clusters.findMembers(
      version.id,
      clusterId,
      page.order,
      page.limit,
      page.offset,
    );

    return { cluster: ClusterResponseDto.from(cluster), items: members.map(toMember), total };
  }

  async clusterOfToken(modelId: string, token: string, versionNumber?: number): Promise<TokenClusterResponseDto> {
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    const found = await this.tokens.findByToken(version.id, token);
    if (!found) {
      throw new DomainError('TOKEN_NOT_FOUND', `Token "${token}" is not in the vocabulary of model ${modelId}`, {
        token,
      });
    }
    if (found.cluster === null) {
      throw new DomainError(
        'CLUSTER_NOT_FOUND',
        `Version ${version.version} of model ${modelId} has no clusters; retrain it to cluster its tokens`,
      );
    }

    const cluster = await this.findCluster(modelId, version.id, found.cluster);
    return { token: toMember(found), cluster: ClusterResponseDto.from(cluster) };
  }

  private async findCluster(modelId: string, versionId: string, clusterId: number) {
    const cluster = await this.clusters.findCluster(versionId, clusterId);
    if (!cluster) {
      throw new DomainError('CLUSTER_NOT_FOUND', `Cluster ${clusterId} not found in model ${modelId}`, { clusterId });
    }

    return cluster;
  }
}

function toMember(token: TokenEntity): ClusterMemberDto {
  return { ...toTokenResponse(token), centroidSimilarity: token.centroidSimilarity ?? 0 };
}
