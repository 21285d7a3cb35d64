import { randomStateFor, Xoshiro128 } from './random';
import { TrainerSettings } from './trainer.types';
import { WasmMemory, webAssembly } from './webassembly';

/** 32-bit WebAssembly addresses at most 65,536 pages of 64 KiB. */
export const KERNEL_MAX_MEMORY_BYTES = 2 ** 32;

/** Words handed to a thread at a time; the learning rate is updated between jobs. gensim's `batch_words` is the same. */
export const MAX_JOB_WORDS = 10_000;

/** Dot products at or beyond ±MAX_EXP give no update, as in word2vec.c and gensim. */
export const MAX_EXP = 6;
export const SIGMOID_TABLE_SIZE = 1000;

/** Upper bound of the `negative` setting, which sizes each thread's target buffers. */
export const MAX_NEGATIVE = 1000;

const PAGE_BYTES = 65_536;
/** Kept free at address 0 for the WebAssembly module's own static data. */
const RESERVED_BYTES = PAGE_BYTES;
const ALIGNMENT = 16;

/** Byte offsets of one worker thread's private buffers. */
export interface ThreadBuffers {
  /** Int32 × MAX_JOB_WORDS: the vocabulary ids of the current job. */
  jobWords: number;
  /** Int32 × (MAX_JOB_WORDS + 1): start of each sentence of the job in `jobWords`, plus the end. */
  jobSentenceOffsets: number;
  /** Int32 × MAX_JOB_WORDS: the current sentence after down-sampling. */
  keptWords: number;
  /** Float32 × rowStride: gradient accumulated for the input vector(s). */
  work: number;
  /** Float32 × rowStride: the CBOW hidden layer (mean of the context vectors). */
  hidden: number;
  /** Int32 × 2 × (MAX_NEGATIVE + 1): the output words of the current and the next pair, the positive one first. */
  targets: number;
  /** Float32 × (MAX_NEGATIVE + 1): the learning-rate-scaled gradient of each target's score. */
  gradients: number;
}

/**
 * Byte offsets of every region in the shared kernel memory, each 16-byte aligned. A vector row is `rowStride`
 * floats: vectorSize rounded up to a multiple of 4, so that SIMD loads never straddle rows. The padding floats stay
 * zero, so they never change a dot product.
 */
export interface KernelLayout {
  vocabularySize: number;
  vectorSize: number;
  rowStride: number;
  /** Float32 × SIGMOID_TABLE_SIZE. */
  sigmoidTable: number;
  /** Float32 × SIGMOID_TABLE_SIZE: log of `sigmoidTable`, for the loss. */
  logSigmoidTable: number;
  /** Uint32 × vocabulary: a word is kept when a uniform 32-bit draw is at most its threshold. */
  keepThresholds: number;
  /** Uint32 × vocabulary: alias-method acceptance thresholds of the noise distribution. */
  noiseThresholds: number;
  /** Int32 × vocabulary: alias-method fallback word of each slot. */
  noiseAliases: number;
  inputVectors: number;
  outputVectors: number;
  threads: ThreadBuffers[];
  totalBytes: number;
}

/** Plans the kernel memory for a vocabulary, a vector size and a number of worker threads. */
export function planKernelLayout(vocabularySize: number, vectorSize: number, workers: number): KernelLayout {
  const rowStride = Math.ceil(vectorSize / 4) * 4;
  let end = RESERVED_BYTES;
  const take = (bytes: number): number => {
    const offset = end;
    end = alignUp(end + bytes);
    return offset;
  };

  const sigmoidTable = take(SIGMOID_TABLE_SIZE * 4);
  const logSigmoidTable = take(SIGMOID_TABLE_SIZE * 4);
  const keepThresholds = take(vocabularySize * 4);
  const noiseThresholds = take(vocabularySize * 4);
  const noiseAliases = take(vocabularySize * 4);
  const inputVectors = take(vocabularySize * rowStride * 4);
  const outputVectors = take(vocabularySize * rowStride * 4);
  const threads: ThreadBuffers[] = [];
  for (let i = 0; i < workers; i++) {
    threads.push({
      jobWords: take(MAX_JOB_WORDS * 4),
      jobSentenceOffsets: take((MAX_JOB_WORDS + 1) * 4),
      keptWords: take(MAX_JOB_WORDS * 4),
      work: take(rowStride * 4),
      hidden: take(rowStride * 4),
      targets: take(2 * (MAX_NEGATIVE + 1) * 4),
      gradients: take((MAX_NEGATIVE + 1) * 4),
    });
  }

  const layout = { vocabularySize, vectorSize, rowStride, sigmoidTable, logSigmoidTable, keepThresholds };
  return { ...layout, noiseThresholds, noiseAliases, inputVectors, outputVectors, threads, totalBytes: end };
}

export function kernelMemoryBytes(vocabularySize: number, vectorSize: number, workers: number): number {
  return planKernelLayout(vocabularySize, vectorSize, workers).totalBytes;
}

/** Allocates the shared memory of a layout; every byte starts at zero, which is also the output vectors' start. */
export function allocateKernelMemory(layout: KernelLayout): WasmMemory {
  const pages = Math.ceil(layout.totalBytes / PAGE_BYTES);

  return new webAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Writes the lookup tables and the initial input vectors that every thread reads. */
export function fillKernelMemory(
  memory: WasmMemory,
  layout: KernelLayout,
  counts: Float64Array,
  settings: TrainerSettings,
): void {
  const buffer = memory.buffer;
  const words = layout.vocabularySize;

  fillSigmoidTables(
    new Float32Array(buffer, layout.sigmoidTable, SIGMOID_TABLE_SIZE),
    new Float32Array(buffer, layout.logSigmoidTable, SIGMOID_TABLE_SIZE),
  );
  fillKeepThresholds(new Uint32Array(buffer, layout.keepThresholds, words), counts, settings.sample);
  fillNoiseTable(
    new Uint32Array(buffer, layout.noiseThresholds, words),
    new Int32Array(buffer, layout.noiseAliases, words),
    counts,
    settings.nsExponent,
  );
  fillInputVectors(new Float32Array(buffer, layout.inputVectors, words * layout.rowStride), layout, settings.seed);
}

/** Copies the input vectors out of the kernel memory without the row padding. */
export function readInputVectors(memory: WasmMemory, layout: KernelLayout): Float32Array {
  const { vocabularySize, vectorSize, rowStride } = layout;
  const rows = new Float32Array(memory.buffer, layout.inputVectors, vocabularySize * rowStride);
  const vectors = new Float32Array(vocabularySize * vectorSize);
  for (let word = 0; word < vocabularySize; word++) {
    vectors.set(rows.subarray(word * rowStride, word * rowStride + vectorSize), word * vectorSize);
  }

  return vectors;
}

/** Entry i is sigmoid(x) for x = (2i / SIGMOID_TABLE_SIZE - 1) × MAX_EXP, the grid word2vec.c and gensim use. */
function fillSigmoidTables(sigmoid: Float32Array, logSigmoid: Float32Array): void {
  for (let i = 0; i < SIGMOID_TABLE_SIZE; i++) {
    const x = ((2 * i) / SIGMOID_TABLE_SIZE - 1) * MAX_EXP;
    const value = 1 / (1 + Math.exp(-x));
    sigmoid[i] = value;
    logSigmoid[i] = Math.log(value);
  }
}

/**
 * Down-sampling as in gensim 4: with total word count T, the threshold count is t = sample × T for sample < 1 and
 * t = floor(sample × (3 + √5) / 2) for sample >= 1, and a word seen c times is kept with probability
 * min(1, (√(c / t) + 1) × t / c). With sample 0 nothing is dropped and the kernels draw no numbers for it.
 */
function fillKeepThresholds(thresholds: Uint32Array, counts: Float64Array, sample: number): void {
  const total = counts.reduce((sum, count) => sum + count, 0);
  for (let word = 0; word < counts.length; word++) {
    thresholds[word] = Math.floor(keepProbability(counts[word], total, sample) * 0xffffffff);
  }
}

/** Probability that down-sampling keeps one occurrence of a word seen `count` times among `total` words. */
export function keepProbability(count: number, total: number, sample: number): number {
  if (sample === 0 || count === 0) {
    return 1;
  }

  const thresholdCount = sample < 1 ? sample * total : Math.floor((sample * (3 + Math.sqrt(5))) / 2);

  return Math.min(1, (Math.sqrt(count / thresholdCount) + 1) * (thresholdCount / count));
}

/**
 * Builds Vose's alias table for noise words drawn with probability proportional to count^nsExponent, so a draw
 * costs two random numbers whatever the vocabulary size. gensim draws from the same distribution by bisecting a
 * cumulative table.
 */
function fillNoiseTable(thresholds: Uint32Array, aliases: Int32Array, counts: Float64Array, exponent: number): void {
  const words = counts.length;
  const weights = Array.from(counts, (count) => count ** exponent);
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const scaled = weights.map((weight) => (totalWeight > 0 ? (weight * words) / totalWeight : 1));
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((value, word) => (value < 1 ? small : large).push(word));

  while (small.length > 0 && large.length > 0) {
    const lesser = small.pop()!;
    const greater = large[large.length - 1];
    thresholds[lesser] = Math.floor(scaled[lesser] * 2 ** 32);
    aliases[lesser] = greater;
    scaled[greater] -= 1 - scaled[lesser];
    if (scaled[greater] < 1) {
      small.push(large.pop()!);
    }
  }

  // Slots left over hold probability 1 up to rounding, so they always return their own word.
  for (const word of [...small, ...large]) {
    thresholds[word] = 0xffffffff;
    aliases[word] = word;
  }
}

/**
 * Initialises input vectors uniformly in [-1 / vectorSize, 1 / vectorSize), the range gensim 4.2 uses
 * (`keyedvectors.prep_vectors`), from random stream 0 of the seed.
 */
function fillInputVectors(rows: Float32Array, layout: KernelLayout, seed: number): void {
  const random = new Xoshiro128(randomStateFor(seed, 0));
  for (let word = 0; word < layout.vocabularySize; word++) {
    const row = word * layout.rowStride;
    for (let i = 0; i < layout.vectorSize; i++) {
      rows[row + i] = (random.nextFloat() * 2 - 1) / layout.vectorSize;
    }
  }
}

function alignUp(offset: number): number {
  return Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
}
