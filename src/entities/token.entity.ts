import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { LabelClass } from '../captures/label-class';

/** One word of a model's vocabulary. `tokenId` is its row in the vector file and its label in the HNSW index. */
@Entity('tokens')
@Index(['modelId', 'token'], { unique: true })
export class TokenEntity {
  @PrimaryColumn({ type: 'uuid' }) modelId: string;
  @PrimaryColumn({ type: 'integer' }) tokenId: number;

  @Column({ type: 'text' }) token: string;
  /** Occurrences in the training corpus. */
  @Column({ type: 'integer' }) count: number;
  /** Occurrences per capture label. */
  @Column({ type: 'jsonb' }) labelCounts: Record<string, number>;
  /** Majority label class of the flows this token came from. */
  @Column({ type: 'text' }) labelClass: LabelClass;
  /** k-means cluster, or null for versions trained before clustering was stored. */
  @Column({ type: 'integer', nullable: true }) cluster: number | null;
  /** Cosine similarity of the token's vector to its cluster's centroid. */
  @Column({ type: 'real', nullable: true }) centroidSimilarity: number | null;
}
