import { MAX_EXP, MAX_JOB_WORDS, MAX_NEGATIVE, SIGMOID_TABLE_SIZE } from './kernel-memory';
import { Xoshiro128 } from './random';
import { KernelConfig, TrainingKernel } from './training-kernel';
import { WasmMemory } from './webassembly';

const SIGMOID_SCALE = SIGMOID_TABLE_SIZE / (2 * MAX_EXP);

/**
 * The plain TypeScript kernel: gensim 4's skip-gram and CBOW (mean of context vectors) with negative sampling,
 * written for clarity rather than speed. The SIMD kernel is tested against it.
 */
export class ReferenceKernel implements TrainingKernel {
  private readonly random: Xoshiro128;
  private readonly vectorSize: number;
  private readonly rowStride: number;
  private readonly sigmoid: Float32Array;
  private readonly logSigmoid: Float32Array;
  private readonly keepThresholds: Uint32Array;
  private readonly noiseThresholds: Uint32Array;
  private readonly noiseAliases: Int32Array;
  private readonly input: Float32Array;
  private readonly output: Float32Array;
  private readonly jobWords: Int32Array;
  private readonly jobSentenceOffsets: Int32Array;
  private readonly keptWords: Int32Array;
  private readonly work: Float32Array;
  private readonly hidden: Float32Array;
  private readonly targets: Int32Array;
  private readonly gradients: Float32Array;

  constructor(
    memory: WasmMemory,
    private readonly config: KernelConfig,
  ) {
    const { layout } = config;
    const buffer = memory.buffer;
    const words = layout.vocabularySize;
    const thread = layout.threads[config.thread];

    this.random = new Xoshiro128(config.randomState);
    this.vectorSize = layout.vectorSize;
    this.rowStride = layout.rowStride;
    this.sigmoid = new Float32Array(buffer, layout.sigmoidTable, SIGMOID_TABLE_SIZE);
    this.logSigmoid = new Float32Array(buffer, layout.logSigmoidTable, SIGMOID_TABLE_SIZE);
    this.keepThresholds = new Uint32Array(buffer, layout.keepThresholds, words);
    this.noiseThresholds = new Uint32Array(buffer, layout.noiseThresholds, words);
    this.noiseAliases = new Int32Array(buffer, layout.noiseAliases, words);
    this.input = new Float32Array(buffer, layout.inputVectors, words * layout.rowStride);
    this.output = new Float32Array(buffer, layout.outputVectors, words * layout.rowStride);
    this.jobWords = new Int32Array(buffer, thread.jobWords, MAX_JOB_WORDS);
    this.jobSentenceOffsets = new Int32Array(buffer, thread.jobSentenceOffsets, this.jobWords.length + 1);
    this.keptWords = new Int32Array(buffer, thread.keptWords, this.jobWords.length);
    this.work = new Float32Array(buffer, thread.work, layout.rowStride);
    this.hidden = new Float32Array(buffer, thread.hidden, layout.rowStride);
    this.targets = new Int32Array(buffer, thread.targets, MAX_NEGATIVE + 1);
    this.gradients = new Float32Array(buffer, thread.gradients, MAX_NEGATIVE + 1);
  }

  trainJob(sentenceCount: number, alpha: number): number {
    let loss = 0;
    for (let sentence = 0; sentence < sentenceCount; sentence++) {
      const keptCount = this.downsample(this.jobSentenceOffsets[sentence], this.jobSentenceOffsets[sentence + 1]);
      for (let centre = 0; centre < keptCount; centre++) {
        const reach = this.config.window - (this.random.nextUint32() % this.config.window);
        const from = Math.max(0, centre - reach);
        const to = Math.min(keptCount, centre + reach + 1);
        loss +=
          this.config.architecture === 'skipgram'
            ? this.trainSkipGram(centre, from, to, alpha)
            : this.trainCbow(centre, from, to, alpha);
      }
    }

    return loss;
  }

  /** Copies the words of jobWords[start, end) that survive down-sampling into keptWords and returns how many. */
  private downsample(start: number, end: number): number {
    let kept = 0;
    for (let i = start; i < end; i++) {
      const word = this.jobWords[i];
      if (this.config.downsample && this.keepThresholds[word] < this.random.nextUint32()) {
        continue;
      }

      this.keptWords[kept++] = word;
    }

    return kept;
  }

  /**
   * gensim's pair order: each context word's input vector learns to predict the centre word. With
   * `sharedNegatives` the noise words are drawn once for the centre word and reused by all its pairs.
   */
  private trainSkipGram(centre: number, from: number, to: number, alpha: number): number {
    if (to - from < 2) {
      return 0;
    }

    const target = this.keptWords[centre];
    let targetCount = this.config.sharedNegatives ? this.drawTargets(target) : 0;
    let loss = 0;
    for (let context = from; context < to; context++) {
      if (context === centre) {
        continue;
      }

      if (!this.config.sharedNegatives) {
        targetCount = this.drawTargets(target);
      }

      const inputRow = this.keptWords[context] * this.rowStride;
      const hidden = this.input.subarray(inputRow, inputRow + this.rowStride);
      this.work.fill(0);
      loss += this.trainNegativeSampling(targetCount, hidden, alpha);
      for (let i = 0; i < this.vectorSize; i++) {
        this.input[inputRow + i] += this.work[i];
      }
    }

    return loss;
  }

  /** CBOW with gensim's default cbow_mean=1: the mean of the context vectors predicts the centre word. */
  private trainCbow(centre: number, from: number, to: number, alpha: number): number {
    const contexts = to - from - 1;
    if (contexts === 0) {
      return 0;
    }

    this.hidden.fill(0);
    for (let context = from; context < to; context++) {
      if (context !== centre) {
        this.addRow(this.hidden, this.input, this.keptWords[context] * this.rowStride, 1);
      }
    }

    for (let i = 0; i < this.vectorSize; i++) {
      this.hidden[i] /= contexts;
    }

    this.work.fill(0);
    const targetCount = this.drawTargets(this.keptWords[centre]);
    const loss = this.trainNegativeSampling(targetCount, this.hidden, alpha);
    for (let context = from; context < to; context++) {
      if (context !== centre) {
        const row = this.keptWords[context] * this.rowStride;
        for (let i = 0; i < this.vectorSize; i++) {
          this.input[row + i] += this.work[i];
        }
      }
    }

    return loss;
  }

  /**
   * Scores `hidden` against the first `targetCount` words of `targets`: the target word (label 1), then the noise
   * words (label 0). Then updates their output vectors, accumulates the gradient for `hidden` in `work`, and
   * returns the loss. As in gensim, a score beyond ±MAX_EXP gives no update.
   * NOTE: every target is scored before any is updated, so a noise word drawn twice for one pair is scored twice
   * against its vector from before the pair (gensim rescores it after the first update). The difference is of
   * order alpha² and lets the SIMD kernel load all target rows at once.
   */
  private trainNegativeSampling(targetCount: number, hidden: Float32Array, alpha: number): number {
    let loss = 0;
    for (let k = 0; k < targetCount; k++) {
      const row = this.targets[k] * this.rowStride;
      let dot = 0;
      for (let i = 0; i < this.vectorSize; i++) {
        dot += hidden[i] * this.output[row + i];
      }

      this.gradients[k] = 0;
      if (dot <= -MAX_EXP || dot >= MAX_EXP) {
        continue;
      }

      const label = k === 0 ? 1 : 0;
      this.gradients[k] = (label - this.sigmoid[Math.floor((dot + MAX_EXP) * SIGMOID_SCALE)]) * alpha;
      const signedDot = label === 1 ? dot : -dot;
      loss -= this.logSigmoid[Math.floor((signedDot + MAX_EXP) * SIGMOID_SCALE)];
    }

    for (let k = 0; k < targetCount; k++) {
      const gradient = this.gradients[k];
      if (gradient === 0) {
        continue;
      }

      const row = this.targets[k] * this.rowStride;
      this.addRow(this.work, this.output, row, gradient);
      for (let i = 0; i < this.vectorSize; i++) {
        this.output[row + i] += gradient * hidden[i];
      }
    }

    return loss;
  }

  /**
   * Fills `targets` with the target word and `negative` noise draws, dropping draws equal to the target as gensim
   * does, and returns how many words it stored.
   */
  private drawTargets(target: number): number {
    this.targets[0] = target;
    let count = 1;
    for (let d = 0; d < this.config.negative; d++) {
      const word = this.drawNoiseWord();
      if (word !== target) {
        this.targets[count++] = word;
      }
    }

    return count;
  }

  private drawNoiseWord(): number {
    const slot = this.random.nextUint32() % this.noiseAliases.length;
    const acceptance = this.random.nextUint32();

    return acceptance < this.noiseThresholds[slot] ? slot : this.noiseAliases[slot];
  }

  /** target += scale × source[row .. row + vectorSize). */
  private addRow(target: Float32Array, source: Float32Array, row: number, scale: number): void {
    for (let i = 0; i < this.vectorSize; i++) {
      target[i] += scale * source[row + i];
    }
  }
}
