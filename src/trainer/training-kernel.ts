import { KernelLayout } from './kernel-memory';
import { RandomState } from './random';

/** Settings and buffer offsets a worker thread builds its kernel from. Plain data, so it can be posted to the thread. */
export interface KernelConfig {
  layout: KernelLayout;
  /** Index of this thread's buffers in `layout.threads`. */
  thread: number;
  architecture: 'skipgram' | 'cbow';
  window: number;
  negative: number;
  sharedNegatives: boolean;
  /** False when `sample` is 0: then no word is dropped and no random number is drawn for it. */
  downsample: boolean;
  randomState: RandomState;
}

/**
 * The inner training loop of one thread. Both implementations consume the random stream in the same order:
 * per sentence one draw per word for down-sampling (when enabled), then per centre word one draw for its
 * effective window, then per noise word two draws (alias slot, then acceptance). Noise words are drawn per
 * (context, centre) pair, or once per centre word with at least one context word when `sharedNegatives` is set.
 */
export interface TrainingKernel {
  /**
   * Trains on the job in the thread's buffers (`jobWords`, `jobSentenceOffsets`) at learning rate `alpha` and
   * returns the job's loss, the sum of negative log-likelihoods of every pair that was updated.
   */
  trainJob(sentenceCount: number, alpha: number): number;
}
