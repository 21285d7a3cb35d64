import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { TokenLabels, weightOf } from './evaluation.types';
import { NeighbourLookup } from './neighbour-lookup';

export interface ClassAgreement {
  /** Tokens of the class. */
  tokens: number;
  /** Sum of the weights of those tokens: their flows when counts are given, otherwise equal to `tokens`. */
  weight: number;
  /** Weighted mean, over the class's tokens, of the share of their neighbours in the same class, or null without tokens. */
  agreement: number | null;
}

/**
 * Computes label agreement@k per label class: for each token, the share of its k nearest neighbours (itself
 * excluded) that have its class, averaged over the tokens of each class with their weights. A token with fewer than
 * k neighbours is scored on those it has, and a token with none is left out.
 */
export function labelAgreementAt(
  lookup: NeighbourLookup,
  labels: TokenLabels,
  k = 10,
): Record<LabelClass, ClassAgreement> {
  const tokens = new Map<LabelClass, number>(LABEL_CLASSES.map((labelClass) => [labelClass, 0]));
  const weights = new Map<LabelClass, number>(LABEL_CLASSES.map((labelClass) => [labelClass, 0]));
  const weightedShares = new Map<LabelClass, number>(LABEL_CLASSES.map((labelClass) => [labelClass, 0]));

  for (let token = 0; token < lookup.tokenCount; token++) {
    const neighbours = lookup.neighboursOf(token, k);
    if (neighbours.length === 0) {
      continue;
    }

    const labelClass = labels.labelClassOf(token);
    const sameClass = neighbours.filter((neighbour) => labels.labelClassOf(neighbour.token) === labelClass).length;
    const weight = weightOf(labels, token);
    tokens.set(labelClass, (tokens.get(labelClass) ?? 0) + 1);
    weights.set(labelClass, (weights.get(labelClass) ?? 0) + weight);
    weightedShares.set(labelClass, (weightedShares.get(labelClass) ?? 0) + (weight * sameClass) / neighbours.length);
  }

  const result = {} as Record<LabelClass, ClassAgreement>;
  for (const labelClass of LABEL_CLASSES) {
    const weight = weights.get(labelClass) ?? 0;
    result[labelClass] = {
      tokens: tokens.get(labelClass) ?? 0,
      weight,
      agreement: weight > 0 ? (weightedShares.get(labelClass) ?? 0) / weight : null,
    };
  }

  return result;
}
