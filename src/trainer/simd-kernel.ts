import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { KernelConfig, TrainingKernel } from './training-kernel';
import { WasmMemory, WasmModule, webAssembly } from './webassembly';

/** Built from assembly/sgns-kernel.ts by `npm run build:kernel`, which `npm run build` runs first. */
export const SIMD_KERNEL_PATH = join(__dirname, 'sgns-kernel.wasm');

interface SimdKernelExports {
  configure(
    vocabularySize: number,
    rowStride: number,
    window: number,
    negative: number,
    sharedNegatives: boolean,
    cbow: boolean,
    downsample: boolean,
    ...offsets: number[]
  ): void;
  setRandomState(s0: number, s1: number, s2: number, s3: number): void;
  trainJob(sentenceCount: number, alpha: number): number;
}

let compiledKernel: Promise<WasmModule> | null = null;

/** Compiles the SIMD kernel once per process; the module is then posted to every worker thread. */
export function loadSimdKernelModule(): Promise<WasmModule> {
  compiledKernel ??= readFile(SIMD_KERNEL_PATH).then(
    (bytes) => webAssembly.compile(bytes),
    (error: NodeJS.ErrnoException) => {
      compiledKernel = null;
      if (error.code === 'ENOENT') {
        throw new Error(`The SIMD kernel ${SIMD_KERNEL_PATH} is missing: run \`npm run build\` to build it.`);
      }

      throw error;
    },
  );

  return compiledKernel;
}

/** The WebAssembly SIMD kernel of one worker thread, instantiated on the shared kernel memory. */
export class SimdKernel implements TrainingKernel {
  private readonly kernel: SimdKernelExports;

  constructor(module: WasmModule, memory: WasmMemory, config: KernelConfig) {
    const { layout } = config;
    const thread = layout.threads[config.thread];

    this.kernel = new webAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernelExports;
    this.kernel.configure(
      layout.vocabularySize,
      layout.rowStride,
      config.window,
      config.negative,
      config.sharedNegatives,
      config.architecture === 'cbow',
      config.downsample,
      layout.sigmoidTable,
      layout.logSigmoidTable,
      layout.keepThresholds,
      layout.noiseThresholds,
      layout.noiseAliases,
      layout.inputVectors,
      layout.outputVectors,
      thread.jobWords,
      thread.jobSentenceOffsets,
      thread.keptWords,
      thread.work,
      thread.hidden,
      thread.targets,
      thread.gradients,
    );
    this.kernel.setRandomState(...config.randomState);
  }

  trainJob(sentenceCount: number, alpha: number): number {
    return this.kernel.trainJob(sentenceCount, alpha);
  }
}
