import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ModelEvaluation } from '../evaluation/model-evaluation.types';
import type { ModelDefinition } from '../models/model-definition';

export const MODEL_STATUSES = ['queued', 'training', 'ready', 'failed', 'cancelled'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/**
 * One training of a model: its definition, results and artifacts. It serves queries only once its status is
 * `ready`, which is set in the same transaction that stores its vocabulary. Its id names its artifact folder and
 * is the `modelId` of its rows in `tokens`; the first version of a model has the model's own id.
 */
@Entity('model_versions')
@Index(['modelId', 'version'], { unique: true })
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'uuid' }) modelId: string;
  /** 1 for the first training, then one more for each retraining. */
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'text' }) status: ModelStatus;

  /** Captures in training order. */
  @Column({ type: 'uuid', array: true }) captureIds: string[];
  @Column({ type: 'jsonb' }) definition: ModelDefinition;
  /** True when the version was read from a word2vec file instead of trained here. */
  @Column({ type: 'boolean', default: false }) imported: boolean;

  @Column({ type: 'integer', nullable: true }) vocabularySize: number | null;
  /** Words (flows) in the encoded corpus, after the vocabulary cut. */
  @Column({ type: 'integer', nullable: true }) corpusWords: number | null;
  @Column({ type: 'integer', nullable: true }) sentenceCount: number | null;
  @Column({ type: 'double precision', nullable: true }) trainingSeconds: number | null;
  @Column({ type: 'jsonb', nullable: true }) epochLosses: number[] | null;
  /** Seconds spent in each job phase, recorded when the version becomes ready. */
  @Column({ type: 'jsonb', nullable: true }) phaseSeconds: Record<string, number> | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  /** Clustering summary and neighbour metrics, stored when the version becomes ready. */
  @Column({ type: 'jsonb', nullable: true }) evaluation: ModelEvaluation | null;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) readyAt: Date | null;
}
