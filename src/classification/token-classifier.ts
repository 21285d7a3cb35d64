import type { LabelClass } from '../captures/label-class';
import { classifyByNeighbours } from '../evaluation/classify-by-neighbours';
import type { Neighbour, VectorIndex } from '../similarity/vector-index.repository';

/** Neighbours that vote on a known token's label class unless the request names another number. */
export const DEFAULT_VOTING_NEIGHBOURS = 10;
/** HNSW search candidate list for classification, as for similarity queries. */
const CLASSIFY_EF = 256;

export interface VotingNeighbour {
  tokenId: number;
  similarity: number;
  labelClass: LabelClass;
}

export interface KnownTokenClassification {
  labelClass: LabelClass;
  /** Share of the similarity-weighted vote that went to `labelClass`, in (0, 1]. */
  confidence: number;
  /** The neighbours that voted, most similar first. */
  neighbours: VotingNeighbour[];
}

/**
 * Classifies tokens of a model's vocabulary by a similarity-weighted vote of their nearest neighbours in the
 * model's HNSW index, the token itself left out. Unseen tokens have no vector, so they are not handled here.
 */
export class TokenClassifier {
  constructor(
    private readonly index: VectorIndex,
    private readonly labelClassOf: (tokenId: number) => LabelClass,
  ) {}

  /** Returns null when the model has no other token to vote. */
  classify(tokenId: number, neighbourCount = DEFAULT_VOTING_NEIGHBOURS): KnownTokenClassification | null {
    const neighbours = nearestNeighbours(this.index, tokenId, neighbourCount).map((neighbour) => ({
      ...neighbour,
      labelClass: this.labelClassOf(neighbour.tokenId),
    }));

    return voteOf(neighbours);
  }
}

/** Returns the `count` tokens nearest to token `tokenId` in the index, most similar first, the token left out. */
export function nearestNeighbours(index: VectorIndex, tokenId: number, count: number): Neighbour[] {
  return index
    .search(index.vectorOf(tokenId), count + 1, CLASSIFY_EF)
    .filter((neighbour) => neighbour.tokenId !== tokenId)
    .slice(0, count);
}

/** Classifies by a similarity-weighted vote of `neighbours`; null when there are none. */
export function voteOf(neighbours: VotingNeighbour[]): KnownTokenClassification | null {
  const vote = classifyByNeighbours(neighbours);
  return vote ? { ...vote, neighbours } : null;
}
