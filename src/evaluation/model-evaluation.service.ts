import { Injectable, Logger } from '@nestjs/common';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { VectorIndex } from '../similarity/vector-index.repository';
import type { VocabularyEntry } from '../training/vocabulary';
import { clusterPurity } from './cluster-purity';
import { TokenLabels } from './evaluation.types';
import { labelAgreementAt } from './label-agreement';
import type { ClusteringSummary, ModelEvaluation } from './model-evaluation.types';
import { Neighbour, NeighbourLookup } from './neighbour-lookup';
import { detectByNeighbourVote } from './neighbour-vote-detection';
import { TemporalSplit } from './temporal-split';

/** Neighbours per token in label agreement and in the leave-one-out vote. */
export const EVALUATION_NEIGHBOURS = 10;
/** HNSW search candidate list while evaluating; like the query default, well above 10 for near-exact recall. */
const EVALUATION_EF = 128;
/** Tokens searched between yields to the event loop, so a worker keeps renewing its job lock. */
const SEARCH_BATCH = 2000;

/** Computes the stored metrics of a model version from its HNSW index, its vocabulary and its clusters. */
@Injectable()
export class ModelEvaluationService {
  private readonly logger = new Logger(ModelEvaluationService.name);

  async evaluate(
    index: VectorIndex,
    entries: readonly VocabularyEntry[],
    assignments: Int32Array,
    clustering: ClusteringSummary,
    temporalSplit: TemporalSplit | null,
    onProgress: (fraction: number) => void,
    signal: AbortSignal,
  ): Promise<ModelEvaluation> {
    const started = performance.now();
    const lookup = await searchAllNeighbours(index, entries.length, EVALUATION_NEIGHBOURS, onProgress, signal);
    const byTokens: TokenLabels = { labelClassOf: (token) => entries[token].labelClass };
    const byFlows: TokenLabels = { ...byTokens, counts: entries.map((entry) => entry.count) };

    const evaluation: ModelEvaluation = {
      clustering,
      neighbours: EVALUATION_NEIGHBOURS,
      labelAgreement: {
        byTokens: labelAgreementAt(lookup, byTokens, EVALUATION_NEIGHBOURS),
        byFlows: labelAgreementAt(lookup, byFlows, EVALUATION_NEIGHBOURS),
      },
      botnetDetection: {
        byTokens: detectByNeighbourVote(lookup, byTokens, EVALUATION_NEIGHBOURS),
        byFlows: detectByNeighbourVote(lookup, byFlows, EVALUATION_NEIGHBOURS),
      },
      clusterPurity: {
        byTokens: clusterPurity(assignments, clustering.k, byTokens).purity,
        byFlows: clusterPurity(assignments, clustering.k, byFlows).purity,
      },
      temporalSplit: temporalSplit ? await temporalSplit.evaluate(entries, index, signal) : null,
      seconds: 0,
    };
    evaluation.seconds = (performance.now() - started) / 1000;
    this.logger.log(`Evaluated ${entries.length} tokens in ${evaluation.seconds.toFixed(1)} s`);

    return evaluation;
  }
}

/**
 * Searches the `count` nearest neighbours of every token once, yielding between batches, and returns a lookup over
 * the results. The search requests one more neighbour and drops the token itself, which a cosine index returns first.
 */
async function searchAllNeighbours(
  index: VectorIndex,
  tokenCount: number,
  count: number,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<NeighbourLookup> {
  const table: Neighbour[][] = new Array(tokenCount);
  for (let token = 0; token < tokenCount; token++) {
    table[token] = index
      .search(index.vectorOf(token), count + 1, EVALUATION_EF)
      .filter((neighbour) => neighbour.tokenId !== token)
      .slice(0, count)
      .map((neighbour) => ({ token: neighbour.tokenId, similarity: neighbour.similarity }));

    if (token % SEARCH_BATCH === SEARCH_BATCH - 1) {
      signal.throwIfAborted();
      onProgress((token + 1) / tokenCount);
      await yieldToEventLoop();
    }
  }

  return { tokenCount, neighboursOf: (token, wanted) => table[token].slice(0, wanted) };
}
