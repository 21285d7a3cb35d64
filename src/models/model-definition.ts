import { TrainerSettings } from '../trainer/trainer.types';

export const TOKEN_FIELDS = ['srcAddr', 'sport', 'dstAddr', 'dport', 'proto', 'state'] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

export const DEFAULT_TOKEN_FIELDS: TokenField[] = ['srcAddr', 'dstAddr', 'dport', 'proto'];

/** How flows are grouped into sentences. */
export interface SentenceDefinition {
  /** `count`: consecutive chunks of `length` flows in file order. */
  mode: 'count';
  /** Flows per sentence. Default 30. */
  length: number;
}

export interface VocabularyDefinition {
  /** Tokens seen fewer times than this are dropped. Default 1. */
  minCount: number;
  /** Largest vocabulary kept; when exceeded, minCount is raised as gensim does. Null for no limit. */
  maxFinalVocab: number | null;
}

/** Everything that determines a model, stored with it so that a run can be reproduced. */
export interface ModelDefinition {
  tokenFields: TokenField[];
  sentences: SentenceDefinition;
  vocabulary: VocabularyDefinition;
  trainer: TrainerSettings;
}
