import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A named embedding model. Its trainings are `ModelVersionEntity` rows: the model serves its newest ready version,
 * and retraining adds a version while the previous one keeps serving.
 */
@Entity('models')
export class ModelEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) name: string;
  /** Number of the newest version, ready or not; versions count from 1. */
  @Column({ type: 'integer', default: 1 }) latestVersion: number;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
