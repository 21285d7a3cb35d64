import { Controller, Get, Param, ParseIntPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServedVersionQueryDto } from '../models/served-version.dto';
import {
  ClusterListQueryDto,
  ClusterMemberPageDto,
  ClusterMemberQueryDto,
  ClusterPageDto,
  ClusterResponseDto,
  TokenClusterQueryDto,
  TokenClusterResponseDto,
} from './cluster.dto';
import { ClustersService } from './clusters.service';

/**
 * The k-means clusters of a model version: the one named by the optional `version` query parameter, or else the
 * newest ready version.
 */
@ApiTags('clusters')
@Controller('models/:id')
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Get('clusters')
  @ApiOperation({
    summary: 'List clusters, optionally those holding a label class',
    description:
      'With labelClass=Botnet, returns every cluster that holds botnet flows, highest botnet share (purest) first. ' +
      'Empty clusters are left out.',
  })
  @ApiOkResponse({ type: ClusterPageDto })
  list(@Param('id') id: string, @Query() query: ClusterListQueryDto): Promise<ClusterPageDto> {
    return this.clusters.listClusters(id, query, query.version);
  }

  @Get('clusters/:clusterId')
  @ApiOperation({ summary: 'Get one cluster with its size and label-class composition' })
  @ApiOkResponse({ type: ClusterResponseDto })
  get(
    @Param('id') id: string,
    @Param('clusterId', ParseIntPipe) clusterId: number,
    @Query() query: ServedVersionQueryDto,
  ): Promise<ClusterResponseDto> {
    return this.clusters.getCluster(id, clusterId, query.version);
  }

  @Get('clusters/:clusterId/members')
  @ApiOperation({ summary: 'List the tokens of a cluster, by count or by distance to the centroid' })
  @ApiOkResponse({ type: ClusterMemberPageDto })
  members(
    @Param('id') id: string,
    @Param('clusterId', ParseIntPipe) clusterId: number,
    @Query() query: ClusterMemberQueryDto,
  ): Promise<ClusterMemberPageDto> {
    return this.clusters.listMembers(id, clusterId, query, query.version);
  }

  @Get('token-cluster')
  @ApiOperation({ summary: 'Get the cluster of a token', description: '404 when the token is not in the vocabulary.' })
  @ApiOkResponse({ type: TokenClusterResponseDto })
  tokenCluster(@Param('id') id: string, @Query() query: TokenClusterQueryDto): Promise<TokenClusterResponseDto> {
    return this.clusters.clusterOfToken(id, query.token, query.version);
  }
}
