import { LabelClass } from '../captures/label-class';

/** The label class of every token of a model, and optionally the weight each token carries in the metrics. */
export interface TokenLabels {
  /** Label class of token `token`, for tokens 0..n-1. */
  labelClassOf: (token: number) => LabelClass;
  /**
   * Weight of each token, usually its flow count, so that a metric counts flows instead of tokens. Every token
   * weighs 1 when omitted.
   */
  counts?: ArrayLike<number>;
}

export function weightOf(labels: TokenLabels, token: number): number {
  return labels.counts === undefined ? 1 : labels.counts[token];
}
