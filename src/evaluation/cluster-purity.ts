import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { TokenLabels, weightOf } from './evaluation.types';

export interface ClusterComposition {
  /** Tokens in the cluster. */
  size: number;
  /** Weight of the cluster's tokens per label class. */
  composition: Record<LabelClass, number>;
  /** The class with the largest weight, ties going to the class listed first in LABEL_CLASSES, or null when empty. */
  majorityClass: LabelClass | null;
}

export interface ClusterPurity {
  /** Sum over clusters of the weight of their majority class, divided by the total weight, or null without tokens. */
  purity: number | null;
  /** Composition of each cluster, indexed by cluster. */
  clusters: ClusterComposition[];
}

/**
 * Computes cluster purity and the label composition of each cluster. `assignments[token]` is the token's cluster in
 * 0..k-1. Tokens are weighted by `labels.counts`, so purity counts flows when counts are given.
 */
export function clusterPurity(assignments: Int32Array, k: number, labels: TokenLabels): ClusterPurity {
  const clusters: ClusterComposition[] = Array.from({ length: k }, () => ({
    size: 0,
    composition: Object.fromEntries(LABEL_CLASSES.map((labelClass) => [labelClass, 0])) as Record<LabelClass, number>,
    majorityClass: null,
  }));

  let totalWeight = 0;
  assignments.forEach((cluster, token) => {
    if (cluster < 0 || cluster >= k) {
      throw new RangeError(`Invalid cluster ${cluster} of token ${token}: expected 0..${k - 1}.`);
    }

    const weight = weightOf(labels, token);
    clusters[cluster].size++;
    clusters[cluster].composition[labels.labelClassOf(token)] += weight;
    totalWeight += weight;
  });

  let majorityWeight = 0;
  for (const cluster of clusters) {
    if (cluster.size === 0) {
      continue;
    }

    const majorityClass = LABEL_CLASSES.reduce((best, labelClass) =>
      cluster.composition[labelClass] > cluster.composition[best] ? labelClass : best,
    );
    cluster.majorityClass = majorityClass;
    majorityWeight += cluster.composition[majorityClass];
  }

  return { purity: totalWeight > 0 ? majorityWeight / totalWeight : null, clusters };
}
