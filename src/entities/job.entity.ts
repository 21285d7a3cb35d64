import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * Phases of a training job in the order they run. `queued` is before the first attempt starts (and while a failed
 * attempt waits for its retry), `done` after the job ends in any state.
 */
export const JOB_PHASES = [
  'queued',
  'reading',
  'vocabulary',
  'training',
  'indexing',
  'clustering',
  'evaluating',
  'saving',
  'done',
] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Progress of the running phase. Fields that do not apply to the phase are absent. */
export interface JobProgress {
  /** Share of the whole job done, 0..1. */
  fraction: number;
  flowsRead?: number;
  epoch?: number;
  epochs?: number;
  wordsDone?: number;
  wordsTotal?: number;
  wordsPerSecond?: number;
  alpha?: number;
  epochLosses?: number[];
}

/**
 * A training job, mirrored from BullMQ so that status and history survive the queue. `completed`, `failed` and
 * `cancelled` are final; a cancelled job is never resumed.
 */
@Entity('jobs')
export class JobEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) kind: 'train';
  @Column({ type: 'uuid' }) modelId: string;
  /** The model version this job trains. */
  @Column({ type: 'uuid' }) versionId: string;
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
