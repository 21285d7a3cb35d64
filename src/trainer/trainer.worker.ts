import { parentPort, workerData } from 'node:worker_threads';

import { MAX_JOB_WORDS } from './kernel-memory';
import { ReferenceKernel } from './reference-kernel';
import { SimdKernel } from './simd-kernel';
import { TrainerKernelName } from './trainer.types';
import { learningRateAt } from './training-jobs';
import { KernelConfig, TrainingKernel } from './training-kernel';
import { WasmMemory, WasmModule } from './webassembly';

/** Slots of the shared control array that all threads of a run update with `Atomics`. */
export const CONTROL_NEXT_JOB = 0;
export const CONTROL_EPOCH_WORDS_DONE = 1;
export const CONTROL_SLOTS = 2;

export interface TrainerWorkerData {
  kernel: TrainerKernelName;
  /** The compiled SIMD kernel; present when `kernel` is `simd`. */
  wasmModule?: WasmModule;
  memory: WasmMemory;
  config: KernelConfig;
  corpusWords: Int32Array;
  pieceOffsets: Int32Array;
  jobFirstPiece: Int32Array;
  control: Int32Array;
  epochs: number;
  alpha: number;
  minAlpha: number;
}

export interface EpochRequest {
  epoch: number;
}

export interface EpochDoneMessage {
  epoch: number;
  loss: number;
}

/**
 * Entry point of one trainer thread. For each epoch request it claims jobs from the shared counter until none is
 * left, trains them on the shared weights without locks (Hogwild!), and replies with its share of the loss.
 */
function runTrainerThread(data: TrainerWorkerData): void {
  const kernel = createKernel(data);
  const thread = data.config.layout.threads[data.config.thread];
  const buffer = data.memory.buffer;
  const jobWords = new Int32Array(buffer, thread.jobWords, MAX_JOB_WORDS);
  const jobSentenceOffsets = new Int32Array(buffer, thread.jobSentenceOffsets, MAX_JOB_WORDS + 1);
  const jobCount = data.jobFirstPiece.length - 1;
  const wordsPerEpoch = data.corpusWords.length;

  parentPort!.on('message', ({ epoch }: EpochRequest) => {
    let loss = 0;
    for (let job = Atomics.add(data.control, CONTROL_NEXT_JOB, 1); job < jobCount;) {
      const firstPiece = data.jobFirstPiece[job];
      const endPiece = data.jobFirstPiece[job + 1];
      const start = data.pieceOffsets[firstPiece];
      const end = data.pieceOffsets[endPiece];

      jobWords.set(data.corpusWords.subarray(start, end));
      for (let piece = firstPiece; piece <= endPiece; piece++) {
        jobSentenceOffsets[piece - firstPiece] = data.pieceOffsets[piece] - start;
      }

      const progress = (epoch * wordsPerEpoch + start) / (data.epochs * wordsPerEpoch);
      loss += kernel.trainJob(endPiece - firstPiece, learningRateAt(data, progress));
      Atomics.add(data.control, CONTROL_EPOCH_WORDS_DONE, end - start);
      job = Atomics.add(data.control, CONTROL_NEXT_JOB, 1);
    }

    const reply: EpochDoneMessage = { epoch, loss };
    parentPort!.postMessage(reply);
  });
}

function createKernel(data: TrainerWorkerData): TrainingKernel {
  switch (data.kernel) {
    case 'reference':
      return new ReferenceKernel(data.memory, data.config);
    case 'simd':
      return new SimdKernel(data.wasmModule!, data.memory, data.config);
  }
}

if (parentPort !== null && workerData !== null) {
  runTrainerThread(workerData as TrainerWorkerData);
}
