import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { LABEL_CLASSES } from '../captures/label-class';
import { ClassificationResult, JOB_KINDS, JOB_PHASES, JOB_STATES, JobEntity } from '../entities/job.entity';
import { PhaseSecondsDto, toPhaseSeconds } from '../models/model.dto';

@ObjectType('JobProgress')
export class JobProgressDto {
  @ApiProperty({ description: 'Share of the whole job done, 0..1', example: 0.42 })
  @Field(() => Float)
  fraction: number;
  @ApiPropertyOptional({ description: 'Flows read so far in the reading phase' })
  @Field(() => Int, { nullable: true })
  flowsRead?: number;
  @ApiPropertyOptional({ description: 'Flows of the capture classified so far, by a classification job' })
  @Field(() => Int, { nullable: true })
  flowsDone?: number;
  @ApiPropertyOptional({ description: 'Flows of the capture a classification job classifies' })
  @Field(() => Int, { nullable: true })
  flowsTotal?: number;
  @ApiPropertyOptional({ description: 'Current epoch, 1-based' }) @Field(() => Int, { nullable: true }) epoch?: number;
  @ApiPropertyOptional() @Field(() => Int, { nullable: true }) epochs?: number;
  @ApiPropertyOptional({ description: 'Words trained so far over all epochs' })
  @Field(() => Float, { nullable: true })
  wordsDone?: number;
  @ApiPropertyOptional() @Field(() => Float, { nullable: true }) wordsTotal?: number;
  @ApiPropertyOptional() @Field(() => Float, { nullable: true }) wordsPerSecond?: number;
  @ApiPropertyOptional({ description: 'Current learning rate' }) @Field(() => Float, { nullable: true }) alpha?: number;
  @ApiPropertyOptional({ type: [Number], description: 'Loss of every finished epoch' })
  @Field(() => [Float], { nullable: true })
  epochLosses?: number[];
}

@ObjectType('PredictedClassCount')
export class PredictedClassCountDto {
  @ApiProperty({ enum: LABEL_CLASSES }) @Field() labelClass: string;
  @ApiProperty() @Field(() => Int) count: number;
}

@ObjectType('ClassificationResult')
export class ClassificationResultDto {
  @ApiProperty({ description: 'Flows classified, one CSV row each' }) @Field(() => Int) flows: number;
  @ApiProperty({ description: 'Flows whose token is in the vocabulary' }) @Field(() => Int) known: number;
  @ApiProperty({ description: 'Flows whose token is not in the vocabulary' }) @Field(() => Int) unseen: number;
  @ApiProperty({ description: 'Rows of the capture that could not be parsed; they have no CSV row' })
  @Field(() => Int)
  rejectedRows: number;
  @ApiProperty({
    type: [PredictedClassCountDto],
    description: 'Known flows per predicted label class, every class listed',
  })
  @Field(() => [PredictedClassCountDto])
  labelClassCounts: PredictedClassCountDto[];
  @ApiProperty({ description: 'File name the CSV download is offered under' }) @Field() fileName: string;
  @ApiProperty({ description: 'Size of the CSV file in bytes' }) @Field(() => Float) sizeBytes: number;

  static from(result: ClassificationResult): ClassificationResultDto {
    return {
      ...result,
      labelClassCounts: LABEL_CLASSES.map((labelClass) => ({
        labelClass,
        count: result.labelClassCounts[labelClass] ?? 0,
      })),
    };
  }
}

@ObjectType('Job')
export class JobResponseDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty({ enum: JOB_KINDS, description: 'train fills a model version; classify classifies a capture' })
  @Field()
  kind: string;
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) modelId: string;
  @ApiProperty({
    format: 'uuid',
    description: 'The model version this job trains, or the ready version a classification job classifies with',
  })
  @Field(() => ID)
  versionId: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The capture a classification job classifies; null for training jobs and once the capture is deleted',
  })
  @Field(() => ID, { nullable: true })
  captureId: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Neighbours that vote on each known flow (classify only)' })
  @Field(() => Int, { nullable: true })
  k: number | null;
  @ApiProperty({ enum: JOB_STATES }) @Field() state: string;
  @ApiProperty({ enum: JOB_PHASES }) @Field() phase: string;
  @ApiProperty({ type: JobProgressDto }) @Field(() => JobProgressDto) progress: JobProgressDto;
  @ApiProperty({ description: 'Attempts started so far' }) @Field(() => Int) attempts: number;
  @ApiProperty({ type: [PhaseSecondsDto], description: 'Seconds spent in each phase by the latest attempt' })
  @Field(() => [PhaseSecondsDto])
  phaseSeconds: PhaseSecondsDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Why the job failed, was cancelled, or is being retried' })
  @Field(() => String, { nullable: true })
  error: string | null;
  @ApiProperty({
    nullable: true,
    type: ClassificationResultDto,
    description: 'Summary of a completed classification job; its CSV is at GET /api/v1/jobs/{id}/result.csv',
  })
  @Field(() => ClassificationResultDto, { nullable: true })
  result: ClassificationResultDto | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt: Date;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  startedAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  static from(entity: JobEntity): JobResponseDto {
    return {
      id: entity.id,
      kind: entity.kind,
      modelId: entity.modelId,
      versionId: entity.versionId,
      captureId: entity.captureId,
      k: entity.k,
      state: entity.state,
      phase: entity.phase,
      progress: entity.progress,
      attempts: entity.attempts,
      phaseSeconds: toPhaseSeconds(entity.phaseSeconds),
      error: entity.error,
      result: entity.result ? ClassificationResultDto.from(entity.result) : null,
      createdAt: entity.createdAt,
      startedAt: entity.startedAt,
      finishedAt: entity.finishedAt,
    };
  }
}
