import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LabelClass } from '../captures/label-class';

/** One k-means cluster of a model version's vectors. Its members are the `tokens` rows with the same `cluster`. */
@Entity('clusters')
export class ClusterEntity {
  /** Id of the model version, as in `tokens`. */
  @PrimaryColumn({ type: 'uuid' }) modelId: string;
  @PrimaryColumn({ type: 'integer' }) clusterId: number;

  /** Member tokens. */
  @Column({ type: 'integer' }) size: number;
  /** Sum of the members' counts in the training corpus. */
  @Column({ type: 'bigint', transformer: { to: (value: number) => value, from: (value: string) => Number(value) } })
  flows: number;
  /** Member tokens per label class. */
  @Column({ type: 'jsonb' }) tokenComposition: Record<LabelClass, number>;
  /** Member flows per label class, each token weighted by its count. */
  @Column({ type: 'jsonb' }) flowComposition: Record<LabelClass, number>;
  /** Label class with the most flows, or null for an empty cluster. */
  @Column({ type: 'text', nullable: true }) majorityClass: LabelClass | null;
  @Column({ type: 'real', nullable: true }) meanCentroidSimilarity: number | null;
  @Column({ type: 'real', nullable: true }) minCentroidSimilarity: number | null;
}
