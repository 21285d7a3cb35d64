import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ModelDefinition } from '../models/model-definition';

export const MODEL_STATUSES = ['queued', 'training', 'ready', 'failed', 'cancelled'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/** A trained (or training) embedding model. It serves queries only once its status is `ready`. */
@Entity('models')
export class ModelEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) status: ModelStatus;

  /** Captures in training order. */
  @Column({ type: 'uuid', array: true }) captureIds: string[];
  @Column({ type: 'jsonb' }) definition: ModelDefinition;

  @Column({ type: 'integer', nullable: true }) vocabularySize: number | null;
  /** Words (flows) in the encoded corpus, after the vocabulary cut. */
  @Column({ type: 'integer', nullable: true }) corpusWords: number | null;
  @Column({ type: 'integer', nullable: true }) sentenceCount: number | null;
  @Column({ type: 'double precision', nullable: true }) trainingSeconds: number | null;
  @Column({ type: 'jsonb', nullable: true }) epochLosses: number[] | null;
  @Column({ type: 'text', nullable: true }) error: string | null;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) readyAt: Date | null;
}
