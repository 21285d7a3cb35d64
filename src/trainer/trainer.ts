import { allocateKernelMemory, fillKernelMemory, planKernelLayout, readInputVectors } from './kernel-memory';
import { randomStateFor } from './random';
import { loadSimdKernelModule } from './simd-kernel';
import { TrainerThreadPool } from './trainer-pool';
import { TrainingCancelledError } from './trainer.errors';
import { assertTrainerFits, validateTrainerSettings } from './trainer.settings';
import {
  TrainerKernelName,
  TrainerProgress,
  TrainerResult,
  TrainerRunOptions,
  TrainerSettings,
  TrainingCorpus,
} from './trainer.types';
import { CONTROL_SLOTS, TrainerWorkerData } from './trainer.worker';
import { learningRateAt, planTrainingJobs, shareCorpusWords, validateTrainingCorpus } from './training-jobs';
import { WasmMemory } from './webassembly';

export { DEFAULT_TRAINER_SETTINGS, assertTrainerFits } from './trainer.settings';
export { InvalidTrainingCorpusError, TrainerSettingsError, TrainingCancelledError } from './trainer.errors';

const PROGRESS_INTERVAL_MS = 250;

/**
 * Trains word2vec vectors with negative sampling (gensim 4 `Word2Vec` semantics) on `settings.workers` threads.
 * Validates everything before any thread starts: bad settings or a model too large for the kernel reject with a
 * `TrainerSettingsError`, a malformed corpus with an `InvalidTrainingCorpusError`. Aborting `options.signal`
 * terminates the threads and rejects with a `TrainingCancelledError`.
 */
export async function trainVectors(
  corpus: TrainingCorpus,
  settings: TrainerSettings,
  options: TrainerRunOptions = {},
): Promise<TrainerResult> {
  validateTrainerSettings(settings);
  validateTrainingCorpus(corpus);
  assertTrainerFits(corpus.counts.length, settings);
  throwIfAborted(options.signal);

  const layout = planKernelLayout(corpus.counts.length, settings.vectorSize, settings.workers);
  const memory = allocateKernelMemory(layout);
  fillKernelMemory(memory, layout, corpus.counts, settings);

  const startedAt = performance.now();
  const pool = new TrainerThreadPool(await threadData(corpus, settings, options.kernel ?? 'simd', memory, layout));
  const progress = new ProgressReporter(corpus.words.length, settings, startedAt, pool, options.onProgress);
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      progress.epoch = epoch;
      const loss = await untilAborted(pool.runEpoch(epoch), options.signal);
      progress.epochLosses.push(loss);
    }
  } finally {
    progress.stop();
    await pool.terminate();
  }

  const trainingSeconds = (performance.now() - startedAt) / 1000;
  progress.report(true);

  return { vectors: readInputVectors(memory, layout), epochLosses: progress.epochLosses, trainingSeconds };
}

async function threadData(
  corpus: TrainingCorpus,
  settings: TrainerSettings,
  kernel: TrainerKernelName,
  memory: WasmMemory,
  layout: ReturnType<typeof planKernelLayout>,
): Promise<TrainerWorkerData[]> {
  const jobs = planTrainingJobs(corpus);
  const corpusWords = shareCorpusWords(corpus.words);
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  const wasmModule = kernel === 'simd' ? await loadSimdKernelModule() : undefined;

  return layout.threads.map((_, thread) => ({
    kernel,
    wasmModule,
    memory,
    config: {
      layout,
      thread,
      architecture: settings.architecture,
      window: settings.window,
      negative: settings.negative,
      sharedNegatives: settings.sharedNegatives ?? true,
      downsample: settings.sample > 0,
      randomState: randomStateFor(settings.seed, thread + 1),
    },
    corpusWords,
    ...jobs,
    control,
    epochs: settings.epochs,
    alpha: settings.alpha,
    minAlpha: settings.minAlpha,
  }));
}

/** Calls `onProgress` every PROGRESS_INTERVAL_MS while training runs, and once more at the end. */
class ProgressReporter {
  epoch = 0;
  readonly epochLosses: number[] = [];
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly wordsPerEpoch: number,
    private readonly settings: TrainerSettings,
    private readonly startedAt: number,
    private readonly pool: TrainerThreadPool,
    private readonly onProgress?: (progress: TrainerProgress) => void,
  ) {
    this.timer = onProgress ? setInterval(() => this.report(false), PROGRESS_INTERVAL_MS) : null;
  }

  report(finished: boolean): void {
    if (!this.onProgress) {
      return;
    }

    const wordsTotal = this.wordsPerEpoch * this.settings.epochs;
    const wordsDone = finished ? wordsTotal : this.epoch * this.wordsPerEpoch + this.pool.epochWordsDone();
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.onProgress({
      epoch: finished ? this.settings.epochs : this.epoch,
      epochs: this.settings.epochs,
      wordsDone,
      wordsTotal,
      wordsPerSecond: seconds > 0 ? wordsDone / seconds : 0,
      alpha: learningRateAt(this.settings, wordsTotal > 0 ? wordsDone / wordsTotal : 1),
      epochLosses: [...this.epochLosses],
    });
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new TrainingCancelledError();
  }
}

/** Resolves with `work`, or rejects with a `TrainingCancelledError` as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) {
    return work;
  }

  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TrainingCancelledError());
    if (signal.aborted) {
      onAbort();
      return;
    }

    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
