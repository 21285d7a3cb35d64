/** Settings of one training run. Names and semantics follow gensim 4's `Word2Vec`. */
export interface TrainerSettings {
  /** `skipgram` (gensim `sg=1`) or `cbow` (`sg=0`). Default `skipgram`. */
  architecture: 'skipgram' | 'cbow';
  /** Dimensions of each vector. Default 100. */
  vectorSize: number;
  /** Maximum distance between the centre word and a context word; each centre word draws its effective window from 1..window. Default 5. */
  window: number;
  /** Noise words drawn per positive pair. Default 5. */
  negative: number;
  /**
   * Skip-gram only: draw the noise words once per centre word and share them among all its context words, as Ji et
   * al. do ("Parallelizing Word2Vec in Shared and Distributed Memory", 2016), instead of once per (context, centre)
   * pair as gensim does. On large vocabularies this cuts the random reads of output vectors by about the window
   * size. Set false for gensim's exact sampling. Default true.
   */
  sharedNegatives?: boolean;
  /** Exponent applied to counts to shape the noise distribution. Default 0.75. */
  nsExponent: number;
  /** Down-sampling threshold for frequent words (gensim's rule; values >= 1 are absolute counts). 0 disables it. Default 0.001. */
  sample: number;
  /** Passes over the corpus. Default 5. */
  epochs: number;
  /** Initial learning rate. Default 0.025. */
  alpha: number;
  /** Learning rate reached at the end of the last epoch. Default 0.0001. */
  minAlpha: number;
  /** Worker threads sharing the weights without locks. Default 1. */
  workers: number;
  /** Seed of every random draw; with one worker, equal seeds give identical vectors. Default 1. */
  seed: number;
}

/** A corpus encoded as vocabulary ids: the sentences stored back to back. */
export interface TrainingCorpus {
  /** Vocabulary id of every word, sentence after sentence. */
  words: Int32Array;
  /** Start of each sentence in `words`, plus one final entry equal to `words.length`. */
  sentenceOffsets: Int32Array;
  /** Number of occurrences of each vocabulary id in the whole corpus; its length is the vocabulary size. */
  counts: Float64Array;
}

export interface TrainerProgress {
  /** Epoch in progress, counted from 0. */
  epoch: number;
  epochs: number;
  /** Words processed so far over all epochs, before down-sampling. */
  wordsDone: number;
  wordsTotal: number;
  wordsPerSecond: number;
  alpha: number;
  /** Loss of every finished epoch (sum of negative log-likelihoods), reset at each epoch. */
  epochLosses: number[];
}

export interface TrainerResult {
  /** Input vectors, row-major: vocabulary size × vectorSize. */
  vectors: Float32Array;
  epochLosses: number[];
  trainingSeconds: number;
}

/** Inner training loop: `simd` is the WebAssembly SIMD kernel, `reference` the plain TypeScript loop it is tested against. */
export type TrainerKernelName = 'simd' | 'reference';

export interface TrainerRunOptions {
  /** Inner training loop to run. Both give the same results up to float rounding. Default `simd`. */
  kernel?: TrainerKernelName;
  /** Called at most a few times per second. */
  onProgress?: (progress: TrainerProgress) => void;
  /** Aborting stops the threads within a second and rejects with a `TrainingCancelledError`. */
  signal?: AbortSignal;
}
