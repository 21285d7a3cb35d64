import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { before, test } from 'node:test';

import { Xoshiro128 } from './random';
import { loadSimdKernelModule, SIMD_KERNEL_PATH } from './simd-kernel';
import {
  assertTrainerFits,
  DEFAULT_TRAINER_SETTINGS,
  InvalidTrainingCorpusError,
  TrainerSettingsError,
  TrainingCancelledError,
  trainVectors,
} from './trainer';
import { TrainerKernelName, TrainerProgress, TrainerSettings, TrainingCorpus } from './trainer.types';

const GROUPS = 10;
const TOKENS_PER_GROUP = 8;
const KERNELS: TrainerKernelName[] = ['reference', 'simd'];

before(() => {
  // `npm test` compiles only TypeScript, so build the WebAssembly kernel here when `npm run build` has not.
  if (!existsSync(SIMD_KERNEL_PATH)) {
    execFileSync('npm', ['run', '--silent', 'build:kernel'], { stdio: 'inherit' });
  }
});

/**
 * Builds a corpus of `groups` groups of `tokensPerGroup` tokens. Each sentence draws its words from one group only,
 * so a good model puts every token's nearest neighbours in its own group. Token id = group × tokensPerGroup + k.
 */
function plantedCorpus(
  sentences: number,
  sentenceLength: number,
  groups = GROUPS,
  tokensPerGroup = TOKENS_PER_GROUP,
): TrainingCorpus {
  const random = new Xoshiro128([42, 0x1234, 0x5678, 0x9abc]);
  const vocabularySize = groups * tokensPerGroup;
  const words = new Int32Array(sentences * sentenceLength);
  const sentenceOffsets = new Int32Array(sentences + 1);
  const counts = new Float64Array(vocabularySize);

  for (let sentence = 0; sentence < sentences; sentence++) {
    const group = random.nextUint32() % groups;
    sentenceOffsets[sentence + 1] = (sentence + 1) * sentenceLength;
    for (let i = 0; i < sentenceLength; i++) {
      const token = group * tokensPerGroup + (random.nextUint32() % tokensPerGroup);
      words[sentence * sentenceLength + i] = token;
      counts[token]++;
    }
  }

  return { words, sentenceOffsets, counts };
}

function settings(overrides: Partial<TrainerSettings> = {}): TrainerSettings {
  return { ...DEFAULT_TRAINER_SETTINGS, vectorSize: 32, window: 5, negative: 5, epochs: 5, ...overrides };
}

/** Mean share of each token's 5 nearest neighbours (cosine) that belong to its own group. */
function groupPrecisionAt5(vectors: Float32Array, vectorSize: number): number {
  const tokens = vectors.length / vectorSize;
  const norms = Array.from({ length: tokens }, (_, t) =>
    Math.hypot(...vectors.subarray(t * vectorSize, (t + 1) * vectorSize)),
  );
  let hits = 0;

  for (let t = 0; t < tokens; t++) {
    const similarities: Array<[number, number]> = [];
    for (let other = 0; other < tokens; other++) {
      if (other === t) {
        continue;
      }

      let dot = 0;
      for (let i = 0; i < vectorSize; i++) {
        dot += vectors[t * vectorSize + i] * vectors[other * vectorSize + i];
      }
      similarities.push([dot / (norms[t] * norms[other]), other]);
    }

    similarities.sort((a, b) => b[0] - a[0]);
    const group = Math.floor(t / TOKENS_PER_GROUP);
    hits += similarities.slice(0, 5).filter(([, other]) => Math.floor(other / TOKENS_PER_GROUP) === group).length;
  }

  return hits / (tokens * 5);
}

test('trainVectors with one worker and one seed is deterministic', async () => {
  const corpus = plantedCorpus(300, 20);

  const first = await trainVectors(corpus, settings({ seed: 7 }), { kernel: 'reference' });
  const second = await trainVectors(corpus, settings({ seed: 7 }), { kernel: 'reference' });
  const otherSeed = await trainVectors(corpus, settings({ seed: 8 }), { kernel: 'reference' });

  assert.deepEqual(second.vectors, first.vectors);
  assert.deepEqual(second.epochLosses, first.epochLosses);
  assert.notDeepEqual(otherSeed.vectors, first.vectors);
});

for (const kernel of KERNELS) {
  test(`trainVectors separates planted groups on two workers, ${kernel} kernel`, async () => {
    const corpus = plantedCorpus(2000, 20);

    const result = await trainVectors(corpus, settings({ workers: 2 }), { kernel });

    assert.equal(result.vectors.length, GROUPS * TOKENS_PER_GROUP * 32);
    assert.ok(groupPrecisionAt5(result.vectors, 32) >= 0.9, `precision@5 ${groupPrecisionAt5(result.vectors, 32)}`);
  });
}

test('trainVectors separates planted groups with per-pair negatives', async () => {
  const corpus = plantedCorpus(2000, 20);

  const result = await trainVectors(corpus, settings({ sharedNegatives: false }), { kernel: 'reference' });

  assert.ok(groupPrecisionAt5(result.vectors, 32) >= 0.9, `precision@5 ${groupPrecisionAt5(result.vectors, 32)}`);
});

test('trainVectors trains CBOW on planted groups', async () => {
  const corpus = plantedCorpus(2000, 20);

  const result = await trainVectors(corpus, settings({ architecture: 'cbow', epochs: 10 }), { kernel: 'reference' });

  assert.ok(groupPrecisionAt5(result.vectors, 32) >= 0.9, `precision@5 ${groupPrecisionAt5(result.vectors, 32)}`);
});

test('epoch loss is finite and decreasing', async () => {
  // 1000 tokens, so the loss keeps falling for several epochs; 80 tokens plateau after two.
  const corpus = plantedCorpus(1000, 20, 50, 20);

  const { epochLosses } = await trainVectors(corpus, settings({ epochs: 5 }), { kernel: 'reference' });

  assert.equal(epochLosses.length, 5);
  for (const loss of epochLosses) {
    assert.ok(Number.isFinite(loss), `loss ${loss}`);
    assert.ok(loss > 0, `loss ${loss}`);
  }
  for (let epoch = 1; epoch < epochLosses.length; epoch++) {
    assert.ok(epochLosses[epoch] < epochLosses[epoch - 1], `losses ${epochLosses.join(', ')}`);
  }
});

test('progress follows epochs and alpha decay', async () => {
  // About a second of training on the reference kernel, so the 250 ms progress timer fires while epochs run.
  const corpus = plantedCorpus(6000, 20);
  const wordsPerEpoch = corpus.words.length;
  const trainerSettings = settings({ epochs: 3, alpha: 0.05, minAlpha: 0.001 });
  const { epochs, alpha, minAlpha } = trainerSettings;
  const wordsTotal = wordsPerEpoch * epochs;
  const reports: TrainerProgress[] = [];

  const result = await trainVectors(corpus, trainerSettings, {
    kernel: 'reference',
    onProgress: (progress) => reports.push(progress),
  });

  const last = reports[reports.length - 1];
  const during = reports.slice(0, -1);
  assert.ok(during.length >= 1, 'no progress report while training ran');
  assert.equal(last.epoch, epochs);
  assert.equal(last.wordsDone, wordsTotal);
  assert.ok(last.wordsPerSecond > 0);
  assert.ok(Math.abs(last.alpha - minAlpha) < 1e-12, `final alpha ${last.alpha}`);
  assert.deepEqual(last.epochLosses, result.epochLosses);

  let previous = reports[0];
  for (const report of during) {
    const where = `report at epoch ${report.epoch}, ${report.wordsDone} words`;
    assert.equal(report.epochs, epochs);
    assert.equal(report.wordsTotal, wordsTotal);
    assert.ok(report.epoch >= previous.epoch, `${where}: epoch went back from ${previous.epoch}`);
    assert.ok(report.wordsDone >= previous.wordsDone, `${where}: words went back from ${previous.wordsDone}`);
    assert.ok(report.epoch < epochs, where);
    assert.ok(report.wordsDone >= report.epoch * wordsPerEpoch, `${where}: words before the epoch's start`);
    assert.ok(report.wordsDone <= (report.epoch + 1) * wordsPerEpoch, `${where}: words past the epoch's end`);

    // gensim's linear decay over all epochs, written out here so that a change to the trainer's schedule fails.
    const expectedAlpha = alpha - ((alpha - minAlpha) * report.wordsDone) / wordsTotal;
    assert.ok(
      Math.abs(report.alpha - expectedAlpha) < 1e-12,
      `${where}: alpha ${report.alpha}, expected ${expectedAlpha}`,
    );

    // Only finished epochs have a loss, and it does not change once reported.
    assert.deepEqual(report.epochLosses, result.epochLosses.slice(0, report.epoch), where);
    previous = report;
  }
  assert.ok(
    during.some((report) => report.alpha < alpha && report.alpha > minAlpha),
    `no report between alpha and minAlpha: ${during.map((report) => report.alpha).join(', ')}`,
  );

  assert.equal(result.epochLosses.length, epochs);
  for (const loss of result.epochLosses) {
    assert.ok(Number.isFinite(loss), `loss ${loss}`);
    assert.ok(loss > 0, `loss ${loss}`);
  }
  // Every epoch trains the same number of words from better vectors, so a loss summed over epochs would grow.
  for (let epoch = 1; epoch < epochs; epoch++) {
    assert.ok(
      result.epochLosses[epoch] < result.epochLosses[0],
      `epoch ${epoch} loss is above the first epoch's, as if it were cumulative: ${result.epochLosses.join(', ')}`,
    );
  }
});

/**
 * Settings under which every score looks up σ(0): output vectors start at zero, and a learning rate of 1e-20 keeps
 * every dot product so small that dot + MAX_EXP rounds to MAX_EXP. Each scored word (the target and each noise
 * word) then adds -log σ(0) = log 2 to the loss, so loss / log 2 counts the scored words.
 */
function countingSettings(overrides: Partial<TrainerSettings>): TrainerSettings {
  return settings({ vectorSize: 8, negative: 1, epochs: 1, alpha: 1e-20, minAlpha: 1e-20, ...overrides });
}

/** Expected (context, centre) pairs in a sentence of `length` words when each centre's reach is uniform in 1..window. */
function expectedSkipGramPairs(length: number, window: number): number {
  let pairs = 0;
  for (let centre = 0; centre < length; centre++) {
    for (let reach = 1; reach <= window; reach++) {
      pairs += (Math.min(length - 1, centre + reach) - Math.max(0, centre - reach)) / window;
    }
  }

  return pairs;
}

for (const kernel of KERNELS) {
  test(`skip-gram draws each window from 1..window, ${kernel} kernel`, async () => {
    const sentences = 2000;
    const corpus = plantedCorpus(sentences, 20, 100, 10);

    const { epochLosses } = await trainVectors(corpus, countingSettings({ window: 5, sample: 0 }), { kernel });

    // Each pair scores its target and one noise word; a noise word equal to the target (1 in 1000) is dropped.
    const scoredWords = epochLosses[0] / Math.LN2;
    const expected = 2 * sentences * expectedSkipGramPairs(20, 5);
    // A fixed reach of 5 would give 1.6 times as many pairs, a reach drawn from 0..4 two thirds as many.
    assert.ok(Math.abs(scoredWords / expected - 1) < 0.02, `${scoredWords} scored words, expected ${expected}`);
  });

  test(`sample >= 1 is an absolute count, ${kernel} kernel`, async () => {
    // Each sentence: 5 words seen once each and 20 occurrences of word 0, the only frequent word.
    const sentences = 2000;
    const words = new Int32Array(sentences * 25);
    const sentenceOffsets = Int32Array.from({ length: sentences + 1 }, (_, sentence) => sentence * 25);
    const counts = new Float64Array(1 + sentences * 5);
    for (let i = 0; i < words.length; i++) {
      words[i] = i % 5 === 0 ? 1 + i / 5 : 0;
      counts[words[i]]++;
    }
    const frequentCount = counts[0];

    const { epochLosses } = await trainVectors(
      { words, sentenceOffsets, counts },
      countingSettings({ architecture: 'cbow', window: 5, sample: 10 }),
      { kernel },
    );

    // gensim 4: sample >= 1 sets the threshold count to floor(sample × (3 + √5) / 2) = 26, and a word seen c
    // times is kept with probability (√(c / 26) + 1) × 26 / c. Words seen once are always kept.
    const thresholdCount = Math.floor((10 * (3 + Math.sqrt(5))) / 2);
    const keepProbability = (Math.sqrt(frequentCount / thresholdCount) + 1) * (thresholdCount / frequentCount);
    const expectedKept = frequentCount * keepProbability;
    // Every sentence keeps its 5 rare words, so every kept word is a CBOW centre with context. Each centre scores
    // itself and one noise word, which is dropped when it equals the centre: word 0 is 22% of the noise weight.
    const noiseWeights = Array.from(counts, (count) => count ** 0.75);
    const frequentNoiseShare = noiseWeights[0] / noiseWeights.reduce((sum, weight) => sum + weight, 0);
    const rareScored = 2 * (counts.length - 1);
    const frequentKept = (epochLosses[0] / Math.LN2 - rareScored) / (2 - frequentNoiseShare);
    // Reading sample as a share of all words would keep all 40000; a threshold of 10 would keep about 640.
    assert.ok(
      Math.abs(frequentKept / expectedKept - 1) < 0.15,
      `kept about ${frequentKept} of ${frequentCount} occurrences of the frequent word, expected ${expectedKept}`,
    );
  });
}

/** Threads of this process as Linux lists them, or undefined on other systems. */
function osThreadCount(): number | undefined {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined;
}

for (const kernel of KERNELS) {
  test(`abort stops training within a second, ${kernel} kernel`, async () => {
    const workers = 2;
    const corpus = plantedCorpus(200_000, 20);
    const controller = new AbortController();
    // Loads the SIMD kernel first, because reading its file may start libuv's thread pool.
    await loadSimdKernelModule();
    const threadsBefore = osThreadCount();
    let threadsWhileTraining: number | undefined;
    let abortedAt = 0;
    const onProgress = (progress: TrainerProgress): void => {
      if (progress.wordsDone > 0 && abortedAt === 0) {
        threadsWhileTraining = osThreadCount();
        abortedAt = performance.now();
        controller.abort();
      }
    };

    const training = trainVectors(corpus, settings({ workers, epochs: 50 }), {
      kernel,
      signal: controller.signal,
      onProgress,
    });

    await assert.rejects(training, TrainingCancelledError);
    const stoppedAfter = performance.now() - abortedAt;
    assert.ok(abortedAt > 0);
    assert.ok(stoppedAfter < 1000, `stopped after ${stoppedAfter} ms`);
    if (threadsBefore !== undefined) {
      // The count during training shows that /proc/self/task lists the trainer threads.
      assert.ok(threadsWhileTraining! >= threadsBefore + workers, `${threadsWhileTraining} threads while training`);
      assert.ok(osThreadCount()! <= threadsBefore, `${osThreadCount()} threads after abort, ${threadsBefore} before`);
    }
  });
}

test('an aborted signal rejects before training', async () => {
  const controller = new AbortController();
  controller.abort();

  await assert.rejects(
    trainVectors(plantedCorpus(10, 5), settings(), { signal: controller.signal }),
    TrainingCancelledError,
  );
});

test('assertTrainerFits rejects weights beyond 4 GiB', () => {
  assert.doesNotThrow(() => assertTrainerFits(1_000_000, settings({ vectorSize: 300 })));

  assert.throws(
    () => assertTrainerFits(6_000_000, settings({ vectorSize: 100 })),
    (error: unknown) =>
      error instanceof TrainerSettingsError && error.setting === 'vectorSize' && /vectorSize 100/.test(error.message),
  );
});

test('trainVectors rejects an oversized model up front', async () => {
  const corpus = {
    words: new Int32Array([0, 1]),
    sentenceOffsets: new Int32Array([0, 2]),
    counts: new Float64Array(6_000_000).fill(1),
  };

  await assert.rejects(trainVectors(corpus, settings({ vectorSize: 100 })), TrainerSettingsError);
});

test('trainVectors rejects invalid settings by name', async () => {
  const corpus = plantedCorpus(10, 5);

  await assert.rejects(trainVectors(corpus, settings({ window: 0 })), {
    name: 'TrainerSettingsError',
    setting: 'window',
  });
  await assert.rejects(trainVectors(corpus, settings({ sample: -1 })), {
    name: 'TrainerSettingsError',
    setting: 'sample',
  });
  await assert.rejects(trainVectors(corpus, settings({ workers: 1.5 })), {
    name: 'TrainerSettingsError',
    setting: 'workers',
  });
});

test('trainVectors rejects word ids outside the vocabulary', async () => {
  const corpus = {
    words: new Int32Array([0, 3]),
    sentenceOffsets: new Int32Array([0, 2]),
    counts: new Float64Array([1, 1]),
  };

  await assert.rejects(trainVectors(corpus, settings()), InvalidTrainingCorpusError);
});
