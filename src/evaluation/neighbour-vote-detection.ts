import { LabelClass } from '../captures/label-class';
import { classifyByNeighbours } from './classify-by-neighbours';
import { TokenLabels, weightOf } from './evaluation.types';
import { NeighbourLookup } from './neighbour-lookup';

export interface DetectionScores {
  /** Weight of the tokens of the class that the vote put in the class. */
  truePositives: number;
  /** Weight of the tokens of other classes that the vote put in the class. */
  falsePositives: number;
  /** Weight of the tokens of the class that the vote put elsewhere or could not classify. */
  falseNegatives: number;
  /** truePositives / (truePositives + falsePositives), or null when the vote put no token in the class. */
  precision: number | null;
  /** truePositives / (truePositives + falseNegatives), or null when no token has the class. */
  recall: number | null;
  /** Harmonic mean of precision and recall, 0 when both are 0, or null when either is null. */
  f1: number | null;
}

/**
 * Scores detection of one label class (Botnet by default) by leave-one-out neighbour vote. Each token is classified
 * by `classifyByNeighbours` over its k nearest neighbours (itself excluded), and the prediction is compared with its
 * own class. Tokens are weighted by `labels.counts`. A token without neighbours gets no prediction.
 */
export function detectByNeighbourVote(
  lookup: NeighbourLookup,
  labels: TokenLabels,
  k = 10,
  positiveClass: LabelClass = 'Botnet',
): DetectionScores {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;

  for (let token = 0; token < lookup.tokenCount; token++) {
    const votes = lookup
      .neighboursOf(token, k)
      .map((neighbour) => ({ labelClass: labels.labelClassOf(neighbour.token), similarity: neighbour.similarity }));
    const predictedPositive = classifyByNeighbours(votes)?.labelClass === positiveClass;
    const actualPositive = labels.labelClassOf(token) === positiveClass;
    const weight = weightOf(labels, token);

    if (predictedPositive && actualPositive) {
      truePositives += weight;
    } else if (predictedPositive) {
      falsePositives += weight;
    } else if (actualPositive) {
      falseNegatives += weight;
    }
  }

  return scoreDetection(truePositives, falsePositives, falseNegatives);
}

function scoreDetection(truePositives: number, falsePositives: number, falseNegatives: number): DetectionScores {
  const predicted = truePositives + falsePositives;
  const actual = truePositives + falseNegatives;
  const precision = predicted > 0 ? truePositives / predicted : null;
  const recall = actual > 0 ? truePositives / actual : null;

  let f1: number | null = null;
  if (precision !== null && recall !== null) {
    f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }

  return { truePositives, falsePositives, falseNegatives, precision, recall, f1 };
}
