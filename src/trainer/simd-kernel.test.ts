import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { before, test } from 'node:test';

import { allocateKernelMemory, fillKernelMemory, planKernelLayout } from './kernel-memory';
import { Xoshiro128 } from './random';
import { ReferenceKernel } from './reference-kernel';
import { loadSimdKernelModule, SIMD_KERNEL_PATH, SimdKernel } from './simd-kernel';
import { DEFAULT_TRAINER_SETTINGS, trainVectors } from './trainer';
import { TrainerKernelName, TrainerSettings, TrainingCorpus } from './trainer.types';
import { KernelConfig } from './training-kernel';

/** Builds a Zipf-like corpus over `vocabularySize` words in sentences of 1 to 40 words, the same on every call. */
function zipfCorpus(sentences: number, vocabularySize: number): TrainingCorpus {
  const random = new Xoshiro128([11, 22, 33, 44]);
  const sentenceOffsets = new Int32Array(sentences + 1);
  const words: number[] = [];
  const counts = new Float64Array(vocabularySize);

  for (let sentence = 0; sentence < sentences; sentence++) {
    const length = 1 + (random.nextUint32() % 40);
    const topic = random.nextUint32() % 16;
    for (let i = 0; i < length; i++) {
      const rank = Math.floor(vocabularySize ** random.nextFloat()) - 1;
      const word = (rank + topic * 37) % vocabularySize;
      words.push(word);
      counts[word]++;
    }
    sentenceOffsets[sentence + 1] = words.length;
  }

  return { words: Int32Array.from(words), sentenceOffsets, counts };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }

  return dot / Math.sqrt(normA * normB);
}

before(() => {
  // `npm test` compiles only TypeScript, so build the WebAssembly kernel here when `npm run build` has not.
  if (!existsSync(SIMD_KERNEL_PATH)) {
    execFileSync('npm', ['run', '--silent', 'build:kernel'], { stdio: 'inherit' });
  }
});

const AGREEMENT_CASES: Array<Pick<TrainerSettings, 'architecture' | 'sharedNegatives'>> = [
  { architecture: 'skipgram', sharedNegatives: true },
  { architecture: 'skipgram', sharedNegatives: false },
  { architecture: 'cbow', sharedNegatives: false },
];

for (const { architecture, sharedNegatives } of AGREEMENT_CASES) {
  test(`SIMD kernel matches reference for ${architecture}, sharedNegatives ${sharedNegatives}`, async () => {
    const corpus = zipfCorpus(1500, 300);
    const settings: TrainerSettings = {
      ...DEFAULT_TRAINER_SETTINGS,
      architecture,
      sharedNegatives,
      vectorSize: 30,
      window: 6,
      negative: 7,
      sample: 0.01,
      epochs: 3,
    };

    const reference = await trainVectors(corpus, settings, { kernel: 'reference' });
    const simd = await trainVectors(corpus, settings, { kernel: 'simd' });

    assert.equal(simd.epochLosses.length, reference.epochLosses.length);
    for (let epoch = 0; epoch < reference.epochLosses.length; epoch++) {
      const relativeDifference = Math.abs(simd.epochLosses[epoch] / reference.epochLosses[epoch] - 1);
      assert.ok(
        relativeDifference < 1e-3,
        `epoch ${epoch}: ${simd.epochLosses[epoch]} vs ${reference.epochLosses[epoch]}`,
      );
    }
    for (let word = 0; word < 300; word++) {
      const row = (vectors: Float32Array): Float32Array => vectors.subarray(word * 30, (word + 1) * 30);
      const similarity = cosine(row(simd.vectors), row(reference.vectors));
      assert.ok(similarity > 0.99, `word ${word}: cosine ${similarity}`);
    }
  });
}

test('SIMD kernel is deterministic on one worker', async () => {
  const corpus = zipfCorpus(500, 200);
  const settings = { ...DEFAULT_TRAINER_SETTINGS, vectorSize: 20, seed: 3 };

  const first = await trainVectors(corpus, settings, { kernel: 'simd' });
  const second = await trainVectors(corpus, settings, { kernel: 'simd' });

  assert.deepEqual(second.vectors, first.vectors);
});

test('SIMD kernel trains on two workers', async () => {
  const corpus = zipfCorpus(2000, 300);

  const result = await trainVectors(corpus, { ...DEFAULT_TRAINER_SETTINGS, workers: 2, epochs: 3 }, { kernel: 'simd' });

  assert.equal(result.epochLosses.length, 3);
  assert.ok(result.epochLosses.every(Number.isFinite), `losses ${result.epochLosses.join(', ')}`);
  assert.ok(result.vectors.every(Number.isFinite));
});

/**
 * Trains the two-word sentence [0, 1] once with window 1, after setting input vector 1 and output vector 0 so that
 * the pair (1 → 0) scores `dot` exactly. Returns the job's loss and the first component of output vector 0.
 */
async function trainPairWithScore(kernelName: TrainerKernelName, dot: number): Promise<[number, number]> {
  const settings = { ...DEFAULT_TRAINER_SETTINGS, vectorSize: 4, window: 1, negative: 1, sample: 0 };
  const layout = planKernelLayout(2, 4, 1);
  const memory = allocateKernelMemory(layout);
  fillKernelMemory(memory, layout, new Float64Array([1, 1]), settings);
  const input = new Float32Array(memory.buffer, layout.inputVectors, 8);
  const output = new Float32Array(memory.buffer, layout.outputVectors, 8);
  input.fill(0);
  input[4] = dot;
  output[0] = 1;
  const thread = layout.threads[0];
  new Int32Array(memory.buffer, thread.jobWords, 2).set([0, 1]);
  new Int32Array(memory.buffer, thread.jobSentenceOffsets, 2).set([0, 2]);
  const config: KernelConfig = {
    layout,
    thread: 0,
    architecture: 'skipgram',
    window: 1,
    negative: 1,
    sharedNegatives: true,
    downsample: false,
    randomState: [1, 2, 3, 4],
  };

  const kernel =
    kernelName === 'simd'
      ? new SimdKernel(await loadSimdKernelModule(), memory, config)
      : new ReferenceKernel(memory, config);
  const loss = kernel.trainJob(1, 0.025);

  return [loss, output[0]];
}

test('SIMD kernel matches reference for a score just below MAX_EXP', async () => {
  // In float32, (dot + 6) × (1000 / 12) rounds to 1000, one past the end of each sigmoid table.
  const dot = Math.fround(6 - 2 ** -21);

  const [referenceLoss, referenceOutput] = await trainPairWithScore('reference', dot);
  const [simdLoss, simdOutput] = await trainPairWithScore('simd', dot);

  assert.ok(Number.isFinite(simdLoss), `SIMD loss ${simdLoss}, reference loss ${referenceLoss}`);
  assert.ok(Math.abs(simdLoss - referenceLoss) < 1e-4, `SIMD loss ${simdLoss}, reference loss ${referenceLoss}`);
  assert.ok(Math.abs(simdOutput - referenceOutput) < 1e-4, `output ${simdOutput}, reference ${referenceOutput}`);
});
