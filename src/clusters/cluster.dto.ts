import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { PageQueryDto } from '../common/pagination.dto';
import { ServedVersionProperty } from '../models/served-version.dto';
import type { ClusterEntity } from '../entities/cluster.entity';
import { TokenResponseDto } from '../similarity/similarity.dto';
import type { ClusterOrder, MemberOrder } from './cluster.repository';

export const CLUSTER_ORDERS: ClusterOrder[] = ['share', 'size', 'id'];
export const MEMBER_ORDERS: MemberOrder[] = ['count', 'distance'];

export class ClusterListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: LABEL_CLASSES,
    description: 'Only clusters with flows of this label class, whose share of their flows is at least minShare',
  })
  @IsOptional()
  @IsIn(LABEL_CLASSES)
  labelClass?: LabelClass;

  @ApiPropertyOptional({
    type: Number,
    minimum: 0,
    maximum: 1,
    default: 0,
    example: 0.5,
    description: 'Smallest share of labelClass (0..1)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(1)
  minShare = 0;

  @ApiPropertyOptional({
    enum: CLUSTER_ORDERS,
    default: 'share',
    description: '`share`: highest share of labelClass first (size first without labelClass); `size`; `id`',
  })
  @IsOptional()
  @IsIn(CLUSTER_ORDERS)
  order: ClusterOrder = 'share';

  @ServedVersionProperty() version?: number;
}

export class ClusterMemberQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: MEMBER_ORDERS,
    default: 'count',
    description: '`count`: most frequent token first; `distance`: nearest to the centroid first',
  })
  @IsOptional()
  @IsIn(MEMBER_ORDERS)
  order: MemberOrder = 'count';

  @ServedVersionProperty() version?: number;
}

export class TokenClusterQueryDto {
  @ApiProperty({
    description: 'Token: the model’s token fields joined with "|"',
    example: '147.32.84.165|147.32.80.9|53|udp',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  token: string;

  @ServedVersionProperty() version?: number;
}

@ObjectType('LabelClassCount')
export class LabelClassCountDto {
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty() @Field(() => Float) count: number;
  @ApiProperty({ description: 'Share of the cluster’s total, 0..1' }) @Field(() => Float) share: number;
}

@ObjectType('Cluster')
export class ClusterResponseDto {
  @ApiProperty() @Field(() => Int) clusterId: number;
  @ApiProperty({ description: 'Member tokens' }) @Field(() => Int) size: number;
  @ApiProperty({ description: 'Flows of the member tokens in the training corpus' }) @Field(() => Float) flows: number;
  @ApiProperty({ type: [LabelClassCountDto], description: 'Member tokens per label class' })
  @Field(() => [LabelClassCountDto])
  tokenComposition: LabelClassCountDto[];
  @ApiProperty({ type: [LabelClassCountDto], description: 'Member flows per label class' })
  @Field(() => [LabelClassCountDto])
  flowComposition: LabelClassCountDto[];
  @ApiProperty({ enum: LABEL_CLASSES, nullable: true, type: String, description: 'Label class with the most flows' })
  @Field(() => String, { nullable: true })
  majorityClass: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Mean cosine similarity of members to the centroid' })
  @Field(() => Float, { nullable: true })
  meanCentroidSimilarity: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Lowest cosine similarity of a member to the centroid' })
  @Field(() => Float, { nullable: true })
  minCentroidSimilarity: number | null;

  static from(cluster: ClusterEntity): ClusterResponseDto {
    return {
      clusterId: cluster.clusterId,
      size: cluster.size,
      flows: cluster.flows,
      tokenComposition: compositionList(cluster.tokenComposition, cluster.size),
      flowComposition: compositionList(cluster.flowComposition, cluster.flows),
      majorityClass: cluster.majorityClass,
      meanCentroidSimilarity: cluster.meanCentroidSimilarity,
      minCentroidSimilarity: cluster.minCentroidSimilarity,
    };
  }
}

@ObjectType('ClusterMember')
export class ClusterMemberDto extends TokenResponseDto {
  @ApiProperty({ description: 'Cosine similarity to the cluster’s centroid' })
  @Field(() => Float)
  centroidSimilarity: number;
}

@ObjectType('ClusterPage')
export class ClusterPageDto {
  @ApiProperty({ type: [ClusterResponseDto] }) @Field(() => [ClusterResponseDto]) items: ClusterResponseDto[];
  @ApiProperty() @Field(() => Int) total: number;
}

@ObjectType('ClusterMemberPage')
export class ClusterMemberPageDto {
  @ApiProperty({ type: ClusterResponseDto }) @Field(() => ClusterResponseDto) cluster: ClusterResponseDto;
  @ApiProperty({ type: [ClusterMemberDto] }) @Field(() => [ClusterMemberDto]) items: ClusterMemberDto[];
  @ApiProperty({ description: 'Members in the cluster' }) @Field(() => Int) total: number;
}

@ObjectType('TokenCluster')
export class TokenClusterResponseDto {
  @ApiProperty({ type: ClusterMemberDto }) @Field(() => ClusterMemberDto) token: ClusterMemberDto;
  @ApiProperty({ type: ClusterResponseDto }) @Field(() => ClusterResponseDto) cluster: ClusterResponseDto;
}

function compositionList(counts: Record<LabelClass, number>, total: number): LabelClassCountDto[] {
  return LABEL_CLASSES.map((labelClass) => ({
    labelClass,
    count: counts[labelClass] ?? 0,
    share: total > 0 ? (counts[labelClass] ?? 0) / total : 0,
  }));
}
