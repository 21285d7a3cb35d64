import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { LabelClass } from '../captures/label-class';

export const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** `train` fills a model version; `classify` classifies every flow of a stored capture with a ready version. */
export const JOB_KINDS = ['train', 'classify'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Phases of a job in the order they run. A training job runs `reading` to `saving` except `classifying`; a
 * classification job runs `classifying` and `saving`. `queued` is before the first attempt starts (and while a
 * failed attempt waits for its retry), `done` after the job ends in any state.
 */
export const JOB_PHASES = [
  'queued',
  'reading',
  'vocabulary',
  'training',
  'indexing',
  'clustering',
  'evaluating',
  'classifying',
  'saving',
  'done',
] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Progress of the running phase. Fields that do not apply to the phase are absent. */
export interface JobProgress {
  /** Share of the whole job done, 0..1. */
  fraction: number;
  flowsRead?: number;
  /** Flows of the capture classified so far, by a classification job. */
  flowsDone?: number;
  /** Flows of the capture a classification job classifies, as counted at upload. */
  flowsTotal?: number;
  epoch?: number;
  epochs?: number;
  wordsDone?: number;
  wordsTotal?: number;
  wordsPerSecond?: number;
  alpha?: number;
  epochLosses?: number[];
}

/** Summary of a completed classification job; the CSV file has one row per flow. */
export interface ClassificationResult {
  /** Flows classified, one CSV row each. */
  flows: number;
  /** Flows whose token is in the model's vocabulary. */
  known: number;
  /** Flows whose token is not in the vocabulary. */
  unseen: number;
  /** Rows of the capture that could not be parsed, so have no CSV row. */
  rejectedRows: number;
  /** Known flows per predicted label class; a class no flow got is absent. */
  labelClassCounts: Partial<Record<LabelClass, number>>;
  /** Name the CSV download is offered under. */
  fileName: string;
  /** Size of the CSV file in bytes. */
  sizeBytes: number;
}

/**
 * A job, mirrored from BullMQ so that status and history survive the queue. `completed`, `failed` and
 * `cancelled` are final; a cancelled job is never resumed.
 */
@Entity('jobs')
export class JobEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) kind: JobKind;
  @Column({ type: 'uuid' }) modelId: string;
  /** The model version this job trains, or the ready version a classification job classifies with. */
  @Column({ type: 'uuid' }) versionId: string;
  /** The capture a classification job classifies; null for training jobs and once the capture is deleted. */
  @Column({ type: 'uuid', nullable: true }) captureId: string | null;
  /** Neighbours that vote on each known flow of a classification job; null for training jobs. */
  @Column({ type: 'integer', nullable: true }) k: number | null;
  /** Summary of a completed classification job; null otherwise. */
  @Column({ type: 'jsonb', nullable: true }) result: ClassificationResult | null;
  @Column({ type: 'text' }) state: JobState;
  @Column({ type: 'text' }) phase: JobPhase;
  @Column({ type: 'jsonb' }) progress: JobProgress;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  /** Seconds spent in each phase by the latest attempt, filled in as phases end. */
  @Column({ type: 'jsonb', default: {} }) phaseSeconds: Record<string, number>;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
