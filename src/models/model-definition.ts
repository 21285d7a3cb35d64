import { TrainerSettings } from '../trainer/trainer.types';

export const TOKEN_FIELDS = ['srcAddr', 'sport', 'dstAddr', 'dport', 'proto', 'state'] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

export const DEFAULT_TOKEN_FIELDS: TokenField[] = ['srcAddr', 'dstAddr', 'dport', 'proto'];

export const SENTENCE_MODES = ['count', 'time', 'host'] as const;
export type SentenceMode = (typeof SENTENCE_MODES)[number];

/** Default flows per sentence in `count` mode, and the default split length in `host` mode (the notebook's 30). */
export const DEFAULT_SENTENCE_LENGTH = 30;
/** Default bucket width (`time`) or largest gap (`host`), in seconds. */
export const DEFAULT_SENTENCE_SECONDS = 60;
/**
 * Maximum sentence length in flows. The corpus builder splits longer sentences into consecutive pieces of this size.
 * It equals the trainer's job size (and gensim's `MAX_WORDS_IN_BATCH`), so the trainer never cuts a sentence itself.
 */
export const MAX_SENTENCE_LENGTH = 10_000;

/**
 * The grouping of flows into sentences.
 * - `count`: consecutive chunks of `length` flows in file order.
 * - `time`: flows ordered by StartTime and bucketed into windows of `seconds` seconds.
 * - `host`: each source address's flows in StartTime order, split where two flows are more than `seconds` apart
 *   and every `length` flows.
 * Every mode splits sentences longer than MAX_SENTENCE_LENGTH.
 */
export interface SentenceDefinition {
  mode: SentenceMode;
  /** Flows per sentence (`count`) or the most flows before a split (`host`). Default 30. Unused in `time` mode. */
  length: number;
  /** Bucket width (`time`) or largest gap inside a sentence (`host`), in seconds. Default 60. Unused in `count`. */
  seconds: number;
}

export interface VocabularyDefinition {
  /** Tokens seen fewer times than this are dropped. Default 1. */
  minCount: number;
  /** Largest vocabulary kept; when exceeded, minCount is raised as gensim does. Null for no limit. */
  maxFinalVocab: number | null;
}

/** Settings of the k-means clustering of a model's vectors. */
export interface ClusteringDefinition {
  /** Number of clusters, or null for one cluster per five tokens (rounded, at least 1). Default null. */
  k: number | null;
  /** Largest number of k-means iterations. Default 100. */
  maxIterations: number;
}

/** Settings of the evaluation stored with each trained version. */
export interface EvaluationDefinition {
  /**
   * Share of the flows, in StartTime order, to train on; the rest is held out and classified. Null trains on all
   * flows and skips the temporal-split evaluation. Default null.
   */
  temporalSplit: number | null;
}

/** Everything that determines a model, stored with each version so that a run can be reproduced. */
export interface ModelDefinition {
  tokenFields: TokenField[];
  /**
   * Appends each flow's label to its token, as the original notebook's labelled model did. The label then leaks
   * into every label-based evaluation of the model, which is why models record this setting. Default false.
   */
  includeLabel: boolean;
  sentences: SentenceDefinition;
  vocabulary: VocabularyDefinition;
  trainer: TrainerSettings;
  clustering: ClusteringDefinition;
  /** Absent in definitions stored before this setting existed, which means no temporal split. */
  evaluation?: EvaluationDefinition;
}
