import { Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LABEL_CLASSES } from '../captures/label-class';
import { TOKEN_FIELDS } from '../models/model-definition';

/** Most flows one synchronous classify request may carry, as fields or as binetflow rows. */
export const MAX_CLASSIFY_FLOWS = 1000;
/** Largest binetflow text one classify request may carry, in characters. */
export const MAX_CLASSIFY_ROWS_LENGTH = 1_000_000;

@InputType('ClassifyFlowInput')
export class FlowFieldsDto {
  @ApiProperty({ example: '147.32.84.165' }) @Field() @IsString() @IsNotEmpty() @MaxLength(100) srcAddr: string;
  @ApiPropertyOptional({ example: '1025', default: '' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  sport?: string;
  @ApiProperty({ example: '147.32.80.9' }) @Field() @IsString() @IsNotEmpty() @MaxLength(100) dstAddr: string;
  @ApiPropertyOptional({ example: '53', default: '' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  dport?: string;
  @ApiProperty({ example: 'udp', description: 'Protocol name; compared in lower case' })
  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(20)
  proto: string;
  @ApiPropertyOptional({ example: 'CON', default: '' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  state?: string;
}

export class ClassifyRequestDto {
  @ApiPropertyOptional({ type: [FlowFieldsDto], maxItems: MAX_CLASSIFY_FLOWS, description: 'Flows given by fields' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_CLASSIFY_FLOWS)
  @ValidateNested({ each: true })
  @Type(() => FlowFieldsDto)
  flows?: FlowFieldsDto[];

  @ApiPropertyOptional({
    maxLength: MAX_CLASSIFY_ROWS_LENGTH,
    description: 'Flows as binetflow CSV text, header line first; at most 1000 rows',
    example:
      'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n' +
      '2011/08/16 10:01:46.972101,0.1,udp,147.32.84.165,1025,  <->,147.32.80.9,53,CON,0,0,2,200,100,flow=x\n',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLASSIFY_ROWS_LENGTH)
  rows?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'A stored capture to classify as a whole. The answer is 202 with a classification job; poll it at ' +
      'GET /api/v1/jobs/{id} and download its CSV at GET /api/v1/jobs/{id}/result.csv',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  captureId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10, description: 'Neighbours that vote on a known flow' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  k?: number;
}

@ObjectType('ClassifyNeighbour')
export class ClassifyNeighbourDto {
  @ApiProperty() @Field() token: string;
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty({ description: 'Cosine similarity to the classified token' }) @Field(() => Float) similarity: number;
}

@ObjectType('ClassifyEvidence')
export class ClassifyEvidenceDto {
  @ApiProperty() @Field() token: string;
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty({ description: 'Occurrences in the training corpus' }) @Field(() => Int) count: number;
  @ApiProperty({ enum: TOKEN_FIELDS, isArray: true, description: 'Token fields this token shares with the flow' })
  @Field(() => [String])
  sharedFields: string[];
}

@ObjectType('ClassifiedFlow')
export class ClassifiedFlowDto {
  @ApiProperty({ description: 'Position of the flow in the request, from 0' }) @Field(() => Int) index: number;
  @ApiProperty({ description: 'The flow as a token of the model' }) @Field() token: string;
  @ApiProperty({ enum: ['known', 'unseen'] }) @Field() status: 'known' | 'unseen';
  @ApiProperty({
    enum: LABEL_CLASSES,
    nullable: true,
    type: String,
    description: 'Label class by similarity-weighted vote of the nearest neighbours; null when unseen',
  })
  @Field(() => String, { nullable: true })
  labelClass: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Share of the vote for labelClass; null when unseen' })
  @Field(() => Float, { nullable: true })
  confidence: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'For an unseen flow, 1 minus the largest share of token fields that any known token shares with it: ' +
      '1 when no known token shares a field. Null when known',
  })
  @Field(() => Float, { nullable: true })
  novelty: number | null;
  @ApiProperty({ type: [ClassifyNeighbourDto], description: 'Neighbours that voted, most similar first' })
  @Field(() => [ClassifyNeighbourDto])
  neighbours: ClassifyNeighbourDto[];
  @ApiProperty({
    type: [ClassifyEvidenceDto],
    description:
      'For an unseen flow, known tokens sharing its destination fields (all but srcAddr and sport) or its source, ' +
      'most frequent first',
  })
  @Field(() => [ClassifyEvidenceDto])
  evidence: ClassifyEvidenceDto[];
}

@ObjectType('ClassifyResult')
export class ClassifyResponseDto {
  @ApiProperty({ format: 'uuid', description: 'Model version that classified the flows' }) @Field() versionId: string;
  @ApiProperty({ type: [ClassifiedFlowDto] }) @Field(() => [ClassifiedFlowDto]) flows: ClassifiedFlowDto[];
  @ApiProperty({ description: 'Rows of `rows` that could not be parsed' }) @Field(() => Int) rejectedRows: number;
}
