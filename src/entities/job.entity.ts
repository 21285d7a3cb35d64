import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const JOB_STATES = ['queued', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOB_PHASES = ['queued', 'reading', 'vocabulary', 'training', 'indexing', 'saving', 'done'] as const;
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

/** A training job, mirrored from BullMQ so that status and history survive the queue. */
@Entity('jobs')
export class JobEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) kind: 'train';
  @Column({ type: 'uuid' }) modelId: string;
  @Column({ type: 'text' }) state: JobState;
  @Column({ type: 'text' }) phase: JobPhase;
  @Column({ type: 'jsonb' }) progress: JobProgress;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
