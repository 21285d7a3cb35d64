import { dotWithRow } from './query-vector';
import type { Neighbour } from './vector-index.repository';

/**
 * Brute-force cosine search: scores every row of `unitVectors` (row-major, unit length) against the unit
 * `query` and returns the best `k` rows that pass `accept`, most similar first, ties by lower token id.
 */
export function exactSearch(
  query: ArrayLike<number>,
  unitVectors: Float32Array,
  dimensions: number,
  k: number,
  accept?: (tokenId: number) => boolean,
): Neighbour[] {
  const size = unitVectors.length / dimensions;
  // `best` stays sorted best first and contains at most k entries, and a row is inserted only when it
  // beats the current k-th, so the cost is one dot product per row plus O(k) per insertion.
  const best: Neighbour[] = [];

  for (let tokenId = 0; tokenId < size; tokenId++) {
    if (accept && !accept(tokenId)) {
      continue;
    }

    const similarity = dotWithRow(query, unitVectors, tokenId, dimensions);
    if (best.length === k && similarity <= best[k - 1].similarity) {
      continue;
    }

    let position = best.length;
    while (position > 0 && best[position - 1].similarity < similarity) {
      position--;
    }
    best.splice(position, 0, { tokenId, similarity });
    if (best.length > k) {
      best.pop();
    }
  }

  return best;
}
