import { LabelClass } from '../src/captures/label-class';

/**
 * Label agreement@k for one class: the mean share of each token's k nearest neighbours (exact cosine, the token
 * itself excluded) whose class is `labelClass`, over the tokens of that class.
 */
export function labelAgreementAt(
  vectors: Float32Array,
  vectorSize: number,
  tokenClasses: LabelClass[],
  labelClass: LabelClass,
  k: number,
): number {
  const unit = normalizeRows(vectors, vectorSize);
  const tokenCount = tokenClasses.length;
  const similarities = new Float32Array(tokenCount);
  let shareSum = 0;
  let queries = 0;

  for (let query = 0; query < tokenCount; query++) {
    if (tokenClasses[query] !== labelClass) {
      continue;
    }

    const queryRow = query * vectorSize;
    for (let other = 0; other < tokenCount; other++) {
      let dot = 0;
      const otherRow = other * vectorSize;
      for (let i = 0; i < vectorSize; i++) {
        dot += unit[queryRow + i] * unit[otherRow + i];
      }
      similarities[other] = dot;
    }
    similarities[query] = -Infinity;

    const neighbours = topK(similarities, k);
    shareSum += neighbours.filter((other) => tokenClasses[other] === labelClass).length / neighbours.length;
    queries++;
  }

  return queries > 0 ? shareSum / queries : NaN;
}

function normalizeRows(vectors: Float32Array, vectorSize: number): Float32Array {
  const unit = new Float32Array(vectors.length);
  for (let row = 0; row < vectors.length; row += vectorSize) {
    let norm = 0;
    for (let i = 0; i < vectorSize; i++) {
      norm += vectors[row + i] ** 2;
    }

    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < vectorSize; i++) {
      unit[row + i] = vectors[row + i] * scale;
    }
  }

  return unit;
}

/** Indices of the k largest values, largest first; ties keep the lower index. */
function topK(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i] <= values[best[k - 1]]) {
      continue;
    }

    let position = best.length === k ? k - 1 : best.length;
    while (position > 0 && values[best[position - 1]] < values[i]) {
      position--;
    }
    best.splice(position, 0, i);
    best.length = Math.min(best.length, k);
  }

  return best;
}
