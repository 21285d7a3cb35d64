import type { LabelClass } from '../captures/label-class';
import type { ClassAgreement } from './label-agreement';
import type { DetectionScores } from './neighbour-vote-detection';
import type { TemporalSplitEvaluation } from './temporal-split';

/** Summary of the k-means run on a version's vectors. */
export interface ClusteringSummary {
  /** Clusters made: the requested k, or round(tokens / 5), lowered to the number of tokens. */
  k: number;
  iterations: number;
  /** Sum of squared Euclidean distances from each unit-normalised vector to its centroid. */
  inertia: number;
  /** Wall-clock seconds of the k-means run. */
  seconds: number;
}

/** The metrics stored on every trained model version. Tokens are weighted by 1 in `byTokens`, by count in `byFlows`. */
export interface ModelEvaluation {
  clustering: ClusteringSummary;
  /** Neighbours per token in the agreement and vote metrics. */
  neighbours: number;
  /** Label agreement@`neighbours` per label class. */
  labelAgreement: { byTokens: Record<LabelClass, ClassAgreement>; byFlows: Record<LabelClass, ClassAgreement> };
  /** Botnet detection by leave-one-out, similarity-weighted neighbour vote. */
  botnetDetection: { byTokens: DetectionScores; byFlows: DetectionScores };
  /** Cluster purity, tokens weighted by 1 and by count. */
  clusterPurity: { byTokens: number | null; byFlows: number | null };
  /** Botnet detection on the held-out later flows, or null when the model trained on every flow. */
  temporalSplit: TemporalSplitEvaluation | null;
  /** Wall-clock seconds of the neighbour search and the metrics. */
  seconds: number;
}
