import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { LABEL_CLASSES } from '../captures/label-class';

export class SimilarQueryDto {
  @ApiProperty({
    description: 'Token to start from: the model\'s token fields joined with "|"',
    example: '147.32.84.165|147.32.80.9|53|udp',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  token: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 10, description: 'Neighbours to return' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  k = 10;
}

@ObjectType('LabelCount')
export class LabelCountDto {
  @ApiProperty({ example: 'flow=From-Botnet-V47-TCP-Attempt-SPAM' }) @Field() label: string;
  @ApiProperty() @Field(() => Int) count: number;
}

@ObjectType('TokenDetails')
export class TokenResponseDto {
  @ApiProperty({ example: '147.32.84.165|147.32.80.9|53|udp' }) @Field() token: string;
  @ApiProperty({ description: 'Occurrences in the training corpus' }) @Field(() => Int) count: number;
  @ApiProperty({ type: [LabelCountDto], description: 'Occurrences per capture label, most frequent first' })
  @Field(() => [LabelCountDto])
  labelCounts: LabelCountDto[];
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
}

@ObjectType('SimilarToken')
export class SimilarTokenDto extends TokenResponseDto {
  @ApiProperty({ description: 'Cosine similarity to the query', example: 0.87 }) @Field(() => Float) similarity: number;
}

@ObjectType('SimilarResult')
export class SimilarResponseDto {
  @ApiProperty({ type: TokenResponseDto }) @Field(() => TokenResponseDto) query: TokenResponseDto;
  @ApiProperty({
    type: [SimilarTokenDto],
    description: 'Nearest tokens, most similar first; the query token itself is left out',
  })
  @Field(() => [SimilarTokenDto])
  neighbours: SimilarTokenDto[];
}
