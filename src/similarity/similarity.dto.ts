import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { ServedVersionProperty } from '../models/served-version.dto';

const EXAMPLE_TOKEN = '147.32.84.165|147.32.80.9|53|udp';

/** Query strings carry booleans as text; anything but "true" or "false" is left for validation to reject. */
function toBoolean({ value }: { value: unknown }): unknown {
  if (value === 'true') {
    return true;
  }
  return value === 'false' ? false : value;
}

@ObjectType('LabelCount')
export class LabelCountDto {
  @ApiProperty({ example: 'flow=From-Botnet-V47-TCP-Attempt-SPAM' }) @Field() label: string;
  @ApiProperty() @Field(() => Int) count: number;
}

@ObjectType('TokenDetails')
export class TokenResponseDto {
  @ApiProperty({ example: EXAMPLE_TOKEN }) @Field() token: string;
  @ApiProperty({ description: 'Occurrences in the training corpus' }) @Field(() => Int) count: number;
  @ApiProperty({ type: [LabelCountDto], description: 'Occurrences per capture label, most frequent first' })
  @Field(() => [LabelCountDto])
  labelCounts: LabelCountDto[];
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty({ type: Number, nullable: true, description: 'k-means cluster, null until the model is clustered' })
  @Field(() => Int, { nullable: true })
  cluster: number | null;
}

@ObjectType('SimilarToken')
export class SimilarTokenDto extends TokenResponseDto {
  @ApiProperty({ description: 'Cosine similarity to the query', example: 0.87 }) @Field(() => Float) similarity: number;
}

/** Conditions on the neighbours returned; every condition given must hold, and `k` counts matching tokens. */
@InputType('TokenFilterInput')
export class TokenFilterDto {
  @ApiPropertyOptional({ enum: LABEL_CLASSES, description: 'Only tokens of this label class' })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(LABEL_CLASSES)
  labelClass?: LabelClass;

  @ApiPropertyOptional({ example: 'udp', description: 'Only tokens of this protocol' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  proto?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 65535,
    example: 53,
    description: 'Only tokens with this destination port',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  dport?: number;

  @ApiPropertyOptional({ example: '147.32.84.0/24', description: 'Only tokens whose source address is in this range' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  srcCidr?: string;

  @ApiPropertyOptional({
    example: '147.32.80.0/24',
    description: 'Only tokens whose destination address is in this range',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  dstCidr?: string;

  @ApiPropertyOptional({ minimum: 0, description: 'Only tokens of this k-means cluster' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  cluster?: number;
}

/** Search settings shared by the GET and POST forms of most-similar. */
@InputType('SearchSettingsInput', { isAbstract: true })
export class SearchSettingsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 10, description: 'Neighbours to return' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  k?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10000,
    default: 128,
    description: 'HNSW search candidate list; higher is slower and closer to exact. Raised to at least k',
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  ef?: number;

  @ApiPropertyOptional({ default: false, description: 'Brute-force cosine over every vector instead of the index' })
  @Field({ nullable: true })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  exact?: boolean;

  @ApiPropertyOptional({ minimum: -1, maximum: 1, description: 'Leave out neighbours with a lower similarity' })
  @Field(() => Float, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  minScore?: number;
}

/** `GET /models/:id/similar`: one token and flat filter parameters. */
export class SimilarQueryDto extends SearchSettingsDto {
  @ApiProperty({
    description: 'Token to start from: the model\'s token fields joined with "|"',
    example: EXAMPLE_TOKEN,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  token: string;

  @ApiPropertyOptional({ enum: LABEL_CLASSES }) @IsOptional() @IsIn(LABEL_CLASSES) labelClass?: LabelClass;
  @ApiPropertyOptional({ example: 'udp' }) @IsOptional() @IsString() @MaxLength(20) proto?: string;
  @ApiPropertyOptional({ example: 53 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) dport?: number;
  @ApiPropertyOptional({ example: '147.32.84.0/24' }) @IsOptional() @IsString() @MaxLength(50) srcCidr?: string;
  @ApiPropertyOptional({ example: '147.32.80.0/24' }) @IsOptional() @IsString() @MaxLength(50) dstCidr?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(0) cluster?: number;
  @ServedVersionProperty() version?: number;
}

/** Arguments of the GraphQL `similar` query: one token, search settings and an optional filter. */
@ArgsType()
export class SimilarArgsDto {
  @Field(() => ID) @IsString() modelId: string;
  @Field() @IsString() @IsNotEmpty() @MaxLength(1000) token: string;
  @Field(() => Int, { nullable: true, description: 'Neighbours to return, 1 to 1000; default 10' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  k?: number;
  @Field(() => Int, { nullable: true, description: 'HNSW search candidate list, 1 to 10000; default 128' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  ef?: number;
  @Field({ nullable: true, description: 'Brute-force cosine over every vector' })
  @IsOptional()
  @IsBoolean()
  exact?: boolean;
  @Field(() => Float, { nullable: true, description: 'Leave out neighbours with a lower similarity' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  minScore?: number;
  @Field(() => TokenFilterDto, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => TokenFilterDto)
  filter?: TokenFilterDto;
  @ServedVersionProperty({ graphql: true }) version?: number;
}

/** The fields of a flow; those in the model's token fields are joined into its token. */
@InputType('FlowFieldsInput')
export class FlowFieldsDto {
  @ApiPropertyOptional({ example: '147.32.84.165' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  srcAddr?: string;
  @ApiPropertyOptional({ example: '1025' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  sport?: string;
  @ApiPropertyOptional({ example: '147.32.80.9' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  dstAddr?: string;
  @ApiPropertyOptional({ example: '53' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  dport?: string;
  @ApiPropertyOptional({ example: 'udp' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  proto?: string;
  @ApiPropertyOptional({ example: 'CON' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  state?: string;
}

/** A token named by its string or by the fields of a flow; exactly one of the two. */
@InputType('TokenRefInput')
export class TokenRefDto {
  @ApiPropertyOptional({ example: EXAMPLE_TOKEN })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  token?: string;

  @ApiPropertyOptional({ type: FlowFieldsDto })
  @Field(() => FlowFieldsDto, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => FlowFieldsDto)
  fields?: FlowFieldsDto;
}

/**
 * A most-similar query combined as gensim's `most_similar` does: the unit vectors of `positive` tokens are
 * added, those of `negative` tokens subtracted, raw `vectors` added as given, and the mean is searched.
 */
@InputType('MostSimilarInput')
export class MostSimilarRequestDto extends SearchSettingsDto {
  @ApiPropertyOptional({ type: [TokenRefDto], example: [{ token: EXAMPLE_TOKEN }] })
  @Field(() => [TokenRefDto], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TokenRefDto)
  positive?: TokenRefDto[];

  @ApiPropertyOptional({ type: [TokenRefDto], example: [] })
  @Field(() => [TokenRefDto], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TokenRefDto)
  negative?: TokenRefDto[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'array', items: { type: 'number' } },
    description: "Raw query vectors of the model's vector size, added with weight +1 without normalising",
  })
  @Field(() => [[Float]], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsArray({ each: true })
  vectors?: number[][];

  @ApiPropertyOptional({ type: TokenFilterDto })
  @Field(() => TokenFilterDto, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => TokenFilterDto)
  filter?: TokenFilterDto;
}

export class MostSimilarBatchRequestDto {
  @ApiProperty({ type: [MostSimilarRequestDto], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MostSimilarRequestDto)
  queries: MostSimilarRequestDto[];
}

@ObjectType('SimilarResult')
export class SimilarResponseDto {
  @ApiProperty({
    type: TokenResponseDto,
    nullable: true,
    description: 'The query token when the query is exactly one token, otherwise null',
  })
  @Field(() => TokenResponseDto, { nullable: true })
  query: TokenResponseDto | null;
  @ApiProperty({ type: [TokenResponseDto] }) @Field(() => [TokenResponseDto]) positive: TokenResponseDto[];
  @ApiProperty({ type: [TokenResponseDto] }) @Field(() => [TokenResponseDto]) negative: TokenResponseDto[];
  @ApiProperty({
    type: [SimilarTokenDto],
    description: 'Nearest tokens, most similar first; the query tokens themselves are left out',
  })
  @Field(() => [SimilarTokenDto])
  neighbours: SimilarTokenDto[];
  @ApiProperty({ description: 'True when the neighbours come from brute-force search rather than the index' })
  @Field()
  exact: boolean;
  @ApiProperty({
    format: 'uuid',
    description: 'Id of the model version searched: the one `version` named, or else the newest ready one',
  })
  @Field()
  versionId: string;
}

@ObjectType('QueryError')
export class QueryErrorDto {
  @ApiProperty({ example: 'TOKEN_NOT_FOUND' }) @Field() code: string;
  @ApiProperty() @Field() message: string;
}

/** One result of a batch: `result` or `error`, at the position of its query. */
@ObjectType('SimilarBatchItem')
export class SimilarBatchItemDto {
  @ApiPropertyOptional({ type: SimilarResponseDto })
  @Field(() => SimilarResponseDto, { nullable: true })
  result?: SimilarResponseDto;
  @ApiPropertyOptional({ type: QueryErrorDto }) @Field(() => QueryErrorDto, { nullable: true }) error?: QueryErrorDto;
}

export class MostSimilarBatchResponseDto {
  @ApiProperty({ type: [SimilarBatchItemDto] }) results: SimilarBatchItemDto[];
}

export class TokenSimilarityQueryDto {
  @ApiProperty({ example: EXAMPLE_TOKEN }) @IsString() @IsNotEmpty() @MaxLength(1000) a: string;
  @ApiProperty({ example: '147.32.84.165|147.32.80.9|123|udp' }) @IsString() @IsNotEmpty() @MaxLength(1000) b: string;
  @ServedVersionProperty() version?: number;
}

@ObjectType('TokenSimilarity')
export class TokenSimilarityResponseDto {
  @ApiProperty({ type: TokenResponseDto }) @Field(() => TokenResponseDto) a: TokenResponseDto;
  @ApiProperty({ type: TokenResponseDto }) @Field(() => TokenResponseDto) b: TokenResponseDto;
  @ApiProperty({ description: 'Cosine similarity of the two vectors', example: 0.42 })
  @Field(() => Float)
  similarity: number;
}

export class OddOneOutRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 2,
    maxItems: 1000,
    example: [EXAMPLE_TOKEN, '147.32.84.165|147.32.80.9|123|udp'],
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(1000, { each: true })
  tokens: string[];
}

@ObjectType('TokenScore')
export class TokenScoreDto {
  @ApiProperty() @Field() token: string;
  @ApiProperty({ description: 'Cosine similarity to the mean of the unit vectors of all the tokens' })
  @Field(() => Float)
  similarity: number;
}

@ObjectType('OddOneOut')
export class OddOneOutResponseDto {
  @ApiProperty({ description: "The token least similar to the mean of all, as gensim's doesnt_match picks it" })
  @Field()
  token: string;
  @ApiProperty({
    type: [TokenScoreDto],
    description: 'Every token with its similarity to the mean, least similar first',
  })
  @Field(() => [TokenScoreDto])
  similarities: TokenScoreDto[];
}
