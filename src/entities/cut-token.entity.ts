import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A token that occurred in a model version's training captures but was cut from its vocabulary because it was
 * seen fewer than minCount times (or fell below the minCount raised by maxFinalVocab). It has no vector;
 * queries use its count to explain why.
 */
@Entity('cut_tokens')
export class CutTokenEntity {
  /** The model version's id, as in `tokens`. */
  @PrimaryColumn({ type: 'uuid' }) modelId: string;
  @PrimaryColumn({ type: 'text' }) token: string;

  /** Occurrences in the training corpus. */
  @Column({ type: 'integer' }) count: number;
}
