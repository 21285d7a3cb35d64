import { Args, Float, ID, Int, Query, Resolver } from '@nestjs/graphql';
import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { DomainError } from '../common/domain-error';
import {
  CLUSTER_ORDERS,
  ClusterMemberPageDto,
  ClusterPageDto,
  ClusterResponseDto,
  MEMBER_ORDERS,
  TokenClusterResponseDto,
} from './cluster.dto';
import { ClusterOrder, MemberOrder } from './cluster.repository';
import { SERVED_VERSION_ARG } from '../models/served-version.dto';
import { ClustersService } from './clusters.service';

@Resolver(() => ClusterResponseDto)
export class ClustersResolver {
  constructor(private readonly service: ClustersService) {}

  @Query(() => ClusterPageDto, {
    description: 'Clusters of a model; with labelClass, those holding that class, highest share first',
  })
  clusters(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('labelClass', { type: () => String, nullable: true }) labelClass: string | null,
    @Args('minShare', { type: () => Float, defaultValue: 0 }) minShare: number,
    @Args('order', { defaultValue: 'share', description: 'share, size or id' }) order: string,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<ClusterPageDto> {
    checkOneOf('labelClass', labelClass ?? undefined, LABEL_CLASSES);
    checkOneOf('order', order, CLUSTER_ORDERS);
    if (!(minShare >= 0 && minShare <= 1)) {
      throw new DomainError('INVALID_INPUT', `minShare must be from 0 to 1, got ${minShare}`);
    }

    return this.service.listClusters(
      modelId,
      {
        labelClass: (labelClass ?? undefined) as LabelClass | undefined,
        minShare,
        order: order as ClusterOrder,
        ...page(limit, offset),
      },
      version ?? undefined,
    );
  }

  @Query(() => ClusterResponseDto, { description: 'One cluster of a model' })
  cluster(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('clusterId', { type: () => Int }) clusterId: number,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<ClusterResponseDto> {
    return this.service.getCluster(modelId, clusterId, version ?? undefined);
  }

  @Query(() => ClusterMemberPageDto, { description: 'Tokens of a cluster, by count or by distance to the centroid' })
  clusterMembers(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('clusterId', { type: () => Int }) clusterId: number,
    @Args('order', { defaultValue: 'count', description: 'count or distance' }) order: string,
    @Args('limit', { type: () => Int, defaultValue: 50 }) limit: number,
    @Args('offset', { type: () => Int, defaultValue: 0 }) offset: number,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<ClusterMemberPageDto> {
    checkOneOf('order', order, MEMBER_ORDERS);
    const members = { order: order as MemberOrder, ...page(limit, offset) };
    return this.service.listMembers(modelId, clusterId, members, version ?? undefined);
  }

  @Query(() => TokenClusterResponseDto, { description: 'The cluster of a token of a model' })
  tokenCluster(
    @Args('modelId', { type: () => ID }) modelId: string,
    @Args('token') token: string,
    @Args('version', SERVED_VERSION_ARG) version: number | null,
  ): Promise<TokenClusterResponseDto> {
    return this.service.clusterOfToken(modelId, token, version ?? undefined);
  }
}

function checkOneOf(name: string, value: string | undefined, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new DomainError('INVALID_INPUT', `${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
}

function page(limit: number, offset: number): { limit: number; offset: number } {
  if (!Number.isInteger(limit) || limit < 1 || limit > 500 || !Number.isInteger(offset) || offset < 0) {
    throw new DomainError('INVALID_INPUT', `limit must be 1 to 500 and offset 0 or more, got ${limit} and ${offset}`);
  }

  return { limit, offset };
}
