import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { ModelEntity } from '../entities/model.entity';
import { MODEL_STATUSES } from '../entities/model.entity';
import { DEFAULT_TOKEN_FIELDS, ModelDefinition, TOKEN_FIELDS, TokenField } from './model-definition';

export class SentenceSettingsDto {
  @ApiPropertyOptional({
    enum: ['count'],
    default: 'count',
    description: '`count`: consecutive chunks of `length` flows in file order',
  })
  @IsOptional()
  @IsIn(['count'])
  mode?: 'count';

  @ApiPropertyOptional({ minimum: 2, maximum: 10000, default: 30, description: 'Flows per sentence' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(10000)
  length?: number;
}

/** Trainer settings; names and defaults follow gensim 4's `Word2Vec`. */
export class TrainerSettingsDto {
  @ApiPropertyOptional({ enum: ['skipgram', 'cbow'], default: 'skipgram' })
  @IsOptional()
  @IsIn(['skipgram', 'cbow'])
  architecture?: 'skipgram' | 'cbow';

  @ApiPropertyOptional({ minimum: 2, maximum: 1000, default: 100, description: 'Dimensions of each vector' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  vectorSize?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    default: 5,
    description: 'Maximum distance between centre and context word',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  window?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5, description: 'Noise words per positive pair' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  negative?: number;

  @ApiPropertyOptional({
    minimum: -2,
    maximum: 2,
    default: 0.75,
    description: 'Exponent of counts in the noise distribution',
  })
  @IsOptional()
  @IsNumber()
  @Min(-2)
  @Max(2)
  nsExponent?: number;

  @ApiPropertyOptional({
    minimum: 0,
    default: 0.001,
    description: 'Down-sampling threshold (values >= 1 are absolute counts); 0 disables',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  sample?: number;

  @ApiPropertyOptional({
    minimum: 1,
    default: 1,
    description: 'Tokens seen fewer times are dropped from the vocabulary',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  minCount?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'Largest vocabulary kept; minCount is raised until it fits' })
  @IsOptional()
  @IsInt()
  @Min(1)
  maxFinalVocab?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 5, description: 'Passes over the corpus' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  epochs?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.025, description: 'Initial learning rate' })
  @IsOptional()
  @IsNumber()
  @Min(1e-6)
  @Max(1)
  alpha?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, default: 0.0001, description: 'Learning rate at the end of training' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  minAlpha?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 64, default: 1, description: 'Worker threads sharing the weights' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  workers?: number;

  @ApiPropertyOptional({
    default: 1,
    description: 'Seed of every random draw; with one worker, equal seeds give identical vectors',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;
}

export class ModelCreateDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'scenario 6, notebook settings' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ type: [String], format: 'uuid', description: 'Captures to train on, concatenated in this order' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  captureIds: string[];

  @ApiPropertyOptional({
    enum: TOKEN_FIELDS,
    isArray: true,
    default: DEFAULT_TOKEN_FIELDS,
    description: 'Flow fields joined with "|" into a token',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(TOKEN_FIELDS, { each: true })
  tokenFields?: TokenField[];

  @ApiPropertyOptional({ type: SentenceSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => SentenceSettingsDto)
  sentences?: SentenceSettingsDto;

  @ApiPropertyOptional({ type: TrainerSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TrainerSettingsDto)
  trainer?: TrainerSettingsDto;
}

/** Fills every setting the request left out with its default. */
export function toModelDefinition(dto: ModelCreateDto): ModelDefinition {
  const trainer = dto.trainer ?? {};
  return {
    tokenFields: dto.tokenFields ?? DEFAULT_TOKEN_FIELDS,
    sentences: { mode: dto.sentences?.mode ?? 'count', length: dto.sentences?.length ?? 30 },
    vocabulary: { minCount: trainer.minCount ?? 1, maxFinalVocab: trainer.maxFinalVocab ?? null },
    trainer: {
      architecture: trainer.architecture ?? 'skipgram',
      vectorSize: trainer.vectorSize ?? 100,
      window: trainer.window ?? 5,
      negative: trainer.negative ?? 5,
      nsExponent: trainer.nsExponent ?? 0.75,
      sample: trainer.sample ?? 0.001,
      epochs: trainer.epochs ?? 5,
      alpha: trainer.alpha ?? 0.025,
      minAlpha: trainer.minAlpha ?? 0.0001,
      workers: trainer.workers ?? 1,
      seed: trainer.seed ?? 1,
    },
  };
}

@ObjectType('TrainerSettings')
export class TrainerSettingsResponseDto {
  @ApiProperty({ enum: ['skipgram', 'cbow'] }) @Field() architecture: string;
  @ApiProperty() @Field(() => Int) vectorSize: number;
  @ApiProperty() @Field(() => Int) window: number;
  @ApiProperty() @Field(() => Int) negative: number;
  @ApiProperty() @Field(() => Float) nsExponent: number;
  @ApiProperty() @Field(() => Float) sample: number;
  @ApiProperty() @Field(() => Int) minCount: number;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Int, { nullable: true }) maxFinalVocab: number | null;
  @ApiProperty() @Field(() => Int) epochs: number;
  @ApiProperty() @Field(() => Float) alpha: number;
  @ApiProperty() @Field(() => Float) minAlpha: number;
  @ApiProperty() @Field(() => Int) workers: number;
  @ApiProperty() @Field(() => Int) seed: number;
}

@ObjectType('SentenceSettings')
export class SentenceSettingsResponseDto {
  @ApiProperty({ enum: ['count'] }) @Field() mode: string;
  @ApiProperty() @Field(() => Int) length: number;
}

@ObjectType('Model')
export class ModelResponseDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty() @Field() name: string;
  @ApiProperty({ enum: MODEL_STATUSES }) @Field() status: string;
  @ApiProperty({ type: [String], format: 'uuid' }) @Field(() => [ID]) captureIds: string[];
  @ApiProperty({ enum: TOKEN_FIELDS, isArray: true }) @Field(() => [String]) tokenFields: string[];
  @ApiProperty({ type: SentenceSettingsResponseDto })
  @Field(() => SentenceSettingsResponseDto)
  sentences: SentenceSettingsResponseDto;
  @ApiProperty({ type: TrainerSettingsResponseDto })
  @Field(() => TrainerSettingsResponseDto)
  trainer: TrainerSettingsResponseDto;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Int, { nullable: true }) vocabularySize: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Words in the encoded corpus' })
  @Field(() => Int, { nullable: true })
  corpusWords: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Int, { nullable: true }) sentenceCount: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) trainingSeconds: number | null;
  @ApiProperty({ nullable: true, type: [Number], description: 'Loss of each epoch' })
  @Field(() => [Float], { nullable: true })
  epochLosses: number[] | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why training failed' })
  @Field(() => String, { nullable: true })
  error: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  readyAt: Date | null;

  static from(entity: ModelEntity): ModelResponseDto {
    const { definition } = entity;
    return {
      id: entity.id,
      name: entity.name,
      status: entity.status,
      captureIds: entity.captureIds,
      tokenFields: definition.tokenFields,
      sentences: definition.sentences,
      trainer: {
        ...definition.trainer,
        minCount: definition.vocabulary.minCount,
        maxFinalVocab: definition.vocabulary.maxFinalVocab,
      },
      vocabularySize: entity.vocabularySize,
      corpusWords: entity.corpusWords,
      sentenceCount: entity.sentenceCount,
      trainingSeconds: entity.trainingSeconds,
      epochLosses: entity.epochLosses,
      error: entity.error,
      createdAt: entity.createdAt,
      readyAt: entity.readyAt,
    };
  }
}
