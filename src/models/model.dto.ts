import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { JOB_PHASES } from '../entities/job.entity';
import { ModelEvaluationDto } from '../evaluation/model-evaluation.dto';
import type { ModelEntity } from '../entities/model.entity';
import { MODEL_STATUSES, ModelVersionEntity } from '../entities/model-version.entity';
import { SENTENCE_MODES, TOKEN_FIELDS } from './model-definition';

import { ModelSettingsDto } from './model-settings.dto';

export class ModelCreateDto extends ModelSettingsDto {
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
}

/** A retraining: settings left out are taken from the model's newest version. */
export class ModelRetrainDto extends ModelSettingsDto {
  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Captures to train on, in this order. Default: those of the newest version',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  captureIds?: string[];
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
  @ApiProperty({ description: 'Noise words drawn once per centre word (true) or per pair, as gensim (false)' })
  @Field()
  sharedNegatives: boolean;
}

@ObjectType('SentenceSettings')
export class SentenceSettingsResponseDto {
  @ApiProperty({ enum: SENTENCE_MODES }) @Field() mode: string;
  @ApiProperty({ description: 'Flows per sentence (`count`) or the most flows before a split (`host`)' })
  @Field(() => Int)
  length: number;
  @ApiProperty({ description: 'Bucket width (`time`) or largest gap inside a sentence (`host`), in seconds' })
  @Field(() => Float)
  seconds: number;
}

@ObjectType('ClusteringSettings')
export class ClusteringSettingsResponseDto {
  @ApiProperty({ nullable: true, type: Number, description: 'Requested k; null means one cluster per five tokens' })
  @Field(() => Int, { nullable: true })
  k: number | null;
  @ApiProperty() @Field(() => Int) maxIterations: number;
}

@ObjectType('PhaseSeconds')
export class PhaseSecondsDto {
  @ApiProperty({ enum: JOB_PHASES }) @Field() phase: string;
  @ApiProperty() @Field(() => Float) seconds: number;
}

/** The fields that describe one training of a model, shared by the model and the version responses. */
@ObjectType({ isAbstract: true })
export abstract class ModelVersionFieldsDto {
  @ApiProperty({ description: 'Version number, from 1' }) @Field(() => Int) version: number;
  @ApiProperty({ enum: MODEL_STATUSES }) @Field() status: string;
  @ApiProperty({ type: [String], format: 'uuid' }) @Field(() => [ID]) captureIds: string[];
  @ApiProperty({ enum: TOKEN_FIELDS, isArray: true }) @Field(() => [String]) tokenFields: string[];
  @ApiProperty({ description: "Whether each token ends with its flow's label" }) @Field() includeLabel: boolean;
  @ApiProperty({ description: 'True when labels are inside the tokens, so label-based evaluations overrate it' })
  @Field()
  labelLeaking: boolean;
  @ApiProperty({ type: SentenceSettingsResponseDto })
  @Field(() => SentenceSettingsResponseDto)
  sentences: SentenceSettingsResponseDto;
  @ApiProperty({ type: TrainerSettingsResponseDto })
  @Field(() => TrainerSettingsResponseDto)
  trainer: TrainerSettingsResponseDto;
  @ApiProperty({ type: ClusteringSettingsResponseDto })
  @Field(() => ClusteringSettingsResponseDto)
  clustering: ClusteringSettingsResponseDto;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Share of the flows, in StartTime order, trained on; the rest was held out for evaluation',
  })
  @Field(() => Float, { nullable: true })
  temporalSplit: number | null;
  @ApiProperty({ description: 'True when the vectors were imported from a word2vec file instead of trained here' })
  @Field()
  imported: boolean;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Int, { nullable: true }) vocabularySize: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Words in the encoded corpus' })
  @Field(() => Int, { nullable: true })
  corpusWords: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Int, { nullable: true }) sentenceCount: number | null;
  @ApiProperty({ nullable: true, type: Number }) @Field(() => Float, { nullable: true }) trainingSeconds: number | null;
  @ApiProperty({ nullable: true, type: [Number], description: 'Loss of each epoch' })
  @Field(() => [Float], { nullable: true })
  epochLosses: number[] | null;
  @ApiProperty({ type: [PhaseSecondsDto], description: 'Seconds spent in each job phase, once ready' })
  @Field(() => [PhaseSecondsDto])
  phaseSeconds: PhaseSecondsDto[];
  @ApiProperty({
    nullable: true,
    type: ModelEvaluationDto,
    description: 'Clustering summary and neighbour metrics, once ready; null for imported versions',
  })
  @Field(() => ModelEvaluationDto, { nullable: true })
  evaluation: ModelEvaluationDto | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why training failed or was cancelled' })
  @Field(() => String, { nullable: true })
  error: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  readyAt: Date | null;
}

@ObjectType('ModelVersion')
export class ModelVersionResponseDto extends ModelVersionFieldsDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) modelId: string;

  static from(version: ModelVersionEntity): ModelVersionResponseDto {
    return { id: version.id, modelId: version.modelId, ...versionFields(version) };
  }
}

/**
 * A model as it serves: the fields of its newest ready version, or of its newest version while none is ready.
 */
@ObjectType('Model')
export class ModelResponseDto extends ModelVersionFieldsDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty() @Field() name: string;
  @ApiProperty({ format: 'uuid', description: 'Id of the version described by the other fields' })
  @Field(() => ID)
  versionId: string;
  @ApiProperty({ description: 'Number of the newest version, ready or not' }) @Field(() => Int) latestVersion: number;

  static from(model: ModelEntity, version: ModelVersionEntity): ModelResponseDto {
    return {
      id: model.id,
      name: model.name,
      versionId: version.id,
      latestVersion: model.latestVersion,
      ...versionFields(version),
      createdAt: model.createdAt,
    };
  }
}

function versionFields(version: ModelVersionEntity): ModelVersionFieldsDto {
  const { definition } = version;
  return {
    version: version.version,
    status: version.status,
    captureIds: version.captureIds,
    tokenFields: definition.tokenFields,
    includeLabel: definition.includeLabel,
    labelLeaking: definition.includeLabel,
    sentences: definition.sentences,
    trainer: {
      ...definition.trainer,
      // Definitions stored before the setting existed were trained with the trainer's default, shared noise words.
      sharedNegatives: definition.trainer.sharedNegatives ?? true,
      minCount: definition.vocabulary.minCount,
      maxFinalVocab: definition.vocabulary.maxFinalVocab,
    },
    clustering: definition.clustering,
    temporalSplit: definition.evaluation?.temporalSplit ?? null,
    imported: version.imported,
    vocabularySize: version.vocabularySize,
    corpusWords: version.corpusWords,
    sentenceCount: version.sentenceCount,
    trainingSeconds: version.trainingSeconds,
    epochLosses: version.epochLosses,
    phaseSeconds: toPhaseSeconds(version.phaseSeconds),
    evaluation: version.evaluation ? ModelEvaluationDto.from(version.evaluation) : null,
    error: version.error,
    createdAt: version.createdAt,
    readyAt: version.readyAt,
  };
}

/** Lists the seconds of each phase in the order the phases run. */
export function toPhaseSeconds(record: Record<string, number> | null): PhaseSecondsDto[] {
  return JOB_PHASES.filter((phase) => record?.[phase] !== undefined).map((phase) => ({
    phase,
    seconds: record![phase],
  }));
}
