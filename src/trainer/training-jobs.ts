import { MAX_JOB_WORDS } from './kernel-memory';
import { InvalidTrainingCorpusError } from './trainer.errors';
import { TrainingCorpus } from './trainer.types';

/**
 * The corpus cut into jobs of at most MAX_JOB_WORDS words, in corpus order. Threads claim jobs one at a time, so
 * the order of jobs and the learning rate of each job do not depend on how many threads run.
 */
export interface TrainingJobs {
  /** Start of each sentence piece in the corpus words, plus the end. Empty sentences are left out. */
  pieceOffsets: Int32Array;
  /** First piece of each job, plus the piece count. */
  jobFirstPiece: Int32Array;
}

/**
 * Splits the corpus into jobs. A sentence longer than MAX_JOB_WORDS is trained as consecutive pieces of that size.
 * NOTE: no window crosses the cut between two pieces, so the corpus builder should split long sentences itself.
 */
export function planTrainingJobs(corpus: TrainingCorpus): TrainingJobs {
  const pieceOffsets: number[] = [];
  const jobFirstPiece: number[] = [];
  let jobWords = MAX_JOB_WORDS;

  for (let sentence = 0; sentence + 1 < corpus.sentenceOffsets.length; sentence++) {
    const end = corpus.sentenceOffsets[sentence + 1];
    for (let start = corpus.sentenceOffsets[sentence]; start < end; start += MAX_JOB_WORDS) {
      const pieceWords = Math.min(MAX_JOB_WORDS, end - start);
      if (jobWords + pieceWords > MAX_JOB_WORDS) {
        jobFirstPiece.push(pieceOffsets.length);
        jobWords = 0;
      }

      pieceOffsets.push(start);
      jobWords += pieceWords;
    }
  }

  pieceOffsets.push(corpus.words.length);
  jobFirstPiece.push(pieceOffsets.length - 1);

  return { pieceOffsets: toSharedInt32(pieceOffsets), jobFirstPiece: toSharedInt32(jobFirstPiece) };
}

/**
 * gensim's schedule: alpha falls linearly to minAlpha over all epochs. `progress` is the share of all words (over
 * all epochs) handed out before the current job, from 0 to 1.
 */
export function learningRateAt(settings: { alpha: number; minAlpha: number }, progress: number): number {
  return Math.max(settings.minAlpha, settings.alpha - (settings.alpha - settings.minAlpha) * progress);
}

/** Throws an `InvalidTrainingCorpusError` unless offsets are consistent and every word id is in the vocabulary. */
export function validateTrainingCorpus(corpus: TrainingCorpus): void {
  const { words, sentenceOffsets, counts } = corpus;
  if (counts.length === 0) {
    throw new InvalidTrainingCorpusError('The corpus vocabulary is empty (counts has length 0).');
  }

  const last = sentenceOffsets.length - 1;
  if (last < 0 || sentenceOffsets[0] !== 0 || sentenceOffsets[last] !== words.length) {
    throw new InvalidTrainingCorpusError(
      `sentenceOffsets must start at 0 and end at words.length (${words.length}); ` +
        `got ${sentenceOffsets[0]} .. ${sentenceOffsets[last]}.`,
    );
  }

  for (let i = 0; i < last; i++) {
    if (sentenceOffsets[i + 1] < sentenceOffsets[i]) {
      throw new InvalidTrainingCorpusError(`sentenceOffsets decreases at index ${i + 1}.`);
    }
  }

  for (let i = 0; i < words.length; i++) {
    if (!(words[i] >= 0 && words[i] < counts.length)) {
      throw new InvalidTrainingCorpusError(
        `Word ${i} has id ${words[i]}, outside the vocabulary of ${counts.length} words.`,
      );
    }
  }

  for (let id = 0; id < counts.length; id++) {
    if (!(counts[id] >= 0 && Number.isFinite(counts[id]))) {
      throw new InvalidTrainingCorpusError(`counts[${id}] is ${counts[id]}; counts must be finite and >= 0.`);
    }
  }
}

/** Returns the words in a SharedArrayBuffer, copying them only when they are not shared already. */
export function shareCorpusWords(words: Int32Array): Int32Array {
  if (words.buffer instanceof SharedArrayBuffer) {
    return words;
  }

  const shared = new Int32Array(new SharedArrayBuffer(words.byteLength));
  shared.set(words);

  return shared;
}

function toSharedInt32(values: number[]): Int32Array {
  const shared = new Int32Array(new SharedArrayBuffer(Math.max(4, values.length * 4)), 0, values.length);
  shared.set(values);

  return shared;
}
