import { LABEL_CLASSES, LabelClass } from '../captures/label-class';

/** A neighbour's vote: its label class and its cosine similarity to the token being classified. */
export interface NeighbourVote {
  labelClass: LabelClass;
  similarity: number;
}

export interface NeighbourClassification {
  labelClass: LabelClass;
  /** Share of the total vote weight that went to `labelClass`, in (0, 1]. */
  confidence: number;
}

/**
 * Classifies a token by a similarity-weighted vote of its neighbours. Each neighbour adds max(similarity, 0) to its
 * class, because a dissimilar vector is no evidence for its class. When every weight is 0, each neighbour counts 1.
 * Ties go to the class listed first in LABEL_CLASSES. Returns null when there are no neighbours.
 */
export function classifyByNeighbours(neighbours: readonly NeighbourVote[]): NeighbourClassification | null {
  if (neighbours.length === 0) {
    return null;
  }

  const hasPositiveWeight = neighbours.some((neighbour) => neighbour.similarity > 0);
  const weights = new Map<LabelClass, number>(LABEL_CLASSES.map((labelClass) => [labelClass, 0]));
  let total = 0;
  for (const neighbour of neighbours) {
    const weight = hasPositiveWeight ? Math.max(neighbour.similarity, 0) : 1;
    weights.set(neighbour.labelClass, (weights.get(neighbour.labelClass) ?? 0) + weight);
    total += weight;
  }

  let winner: LabelClass = LABEL_CLASSES[0];
  for (const labelClass of LABEL_CLASSES) {
    if ((weights.get(labelClass) ?? 0) > (weights.get(winner) ?? 0)) {
      winner = labelClass;
    }
  }

  return { labelClass: winner, confidence: (weights.get(winner) ?? 0) / total };
}
