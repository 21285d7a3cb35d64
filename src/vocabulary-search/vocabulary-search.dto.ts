import { ArgsType, Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { ServedVersionProperty } from '../models/served-version.dto';
import { TokenResponseDto } from '../similarity/similarity.dto';

export const ADDRESS_FIELDS = ['src', 'dst', 'any'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];

/** Vocabulary search conditions; every condition given must hold. Matching is case-sensitive. */
@ArgsType()
export class VocabularySearchQueryDto {
  @ApiPropertyOptional({ example: '147.32.84.165|', description: 'Tokens that start with this text' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  prefix?: string;

  @ApiPropertyOptional({
    example: '|6667|',
    description: 'Tokens that contain this text; three characters or more use the trigram index',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  contains?: string;

  @ApiPropertyOptional({ example: '147.32.84.0/24', description: 'Tokens with an address in this range' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  cidr?: string;

  @ApiPropertyOptional({
    enum: ADDRESS_FIELDS,
    default: 'any',
    description: 'Which address `cidr` applies to: source, destination or either',
  })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(ADDRESS_FIELDS)
  addressField?: AddressField;

  @ApiPropertyOptional({ enum: LABEL_CLASSES, description: 'Tokens of this label class' })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(LABEL_CLASSES)
  labelClass?: LabelClass;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50, description: 'Tokens per page' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000000, default: 0, description: 'Tokens to skip' })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;

  @ServedVersionProperty({ graphql: true }) version?: number;
}

@ArgsType()
export class VocabularySearchArgsDto extends VocabularySearchQueryDto {
  @Field(() => ID) @IsString() modelId: string;
}

@ObjectType('VocabularyPage')
export class VocabularyPageDto {
  @ApiProperty({
    type: [TokenResponseDto],
    description: 'Matching tokens in vocabulary order: most frequent first, then by token',
  })
  @Field(() => [TokenResponseDto])
  items: TokenResponseDto[];
  @ApiProperty({ description: 'Matching tokens in all pages, counted up to 10,000' }) @Field(() => Int) total: number;
  @ApiProperty({ description: 'True when more than 10,000 tokens match, so `total` is a lower bound' })
  @Field()
  totalCapped: boolean;
  @ApiProperty() @Field(() => Int) limit: number;
  @ApiProperty() @Field(() => Int) offset: number;
}
