import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JOB_PHASES, JOB_STATES, JobEntity } from '../entities/job.entity';
import { PhaseSecondsDto } from '../models/model.dto';

@ObjectType('JobProgress')
export class JobProgressDto {
  @ApiProperty({ description: 'Share of the whole job done, 0..1', example: 0.42 })
  @Field(() => Float)
  fraction: number;
  @ApiPropertyOptional({ description: 'Flows read so far in the reading phase' })
  @Field(() => Int, { nullable: true })
  flowsRead?: number;
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

@ObjectType('Job')
export class JobResponseDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty({ enum: ['train'] }) @Field() kind: string;
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) modelId: string;
  @ApiProperty({ format: 'uuid', description: 'The model version this job trains' })
  @Field(() => ID)
  versionId: string;
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
      state: entity.state,
      phase: entity.phase,
      progress: entity.progress,
      attempts: entity.attempts,
      phaseSeconds: Object.entries(entity.phaseSeconds ?? {}).map(([phase, seconds]) => ({ phase, seconds })),
      error: entity.error,
      createdAt: entity.createdAt,
      startedAt: entity.startedAt,
      finishedAt: entity.finishedAt,
    };
  }
}
