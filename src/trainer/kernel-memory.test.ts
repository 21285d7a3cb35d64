import assert from 'node:assert/strict';
import { test } from 'node:test';

import { allocateKernelMemory, fillKernelMemory, keepProbability, planKernelLayout } from './kernel-memory';
import { DEFAULT_TRAINER_SETTINGS } from './trainer.settings';

test('keepProbability follows gensim for sample below 1', () => {
  // threshold count t = 0.001 × 1,000,000 = 1000; a word seen 4000 times: (√4 + 1) × 1000 / 4000 = 0.75.
  assert.equal(keepProbability(4000, 1_000_000, 0.001), 0.75);
  assert.equal(keepProbability(500, 1_000_000, 0.001), 1);
});

test('keepProbability treats sample of 1 or more as a count', () => {
  // t = floor(10 × (3 + √5) / 2) = 26; a word seen 104 times: (√4 + 1) × 26 / 104 = 0.75, whatever the total.
  assert.equal(keepProbability(104, 1_000_000, 10), 0.75);
  assert.equal(keepProbability(104, 1_000, 10), 0.75);
});

test('keepProbability keeps everything when sample is 0', () => {
  assert.equal(keepProbability(1_000_000, 1_000_000, 0), 1);
});

test('noise table draws words in proportion to count^0.75', () => {
  const counts = new Float64Array([1000, 300, 300, 50, 7, 1, 0, 123456]);
  const layout = planKernelLayout(counts.length, 8, 1);
  const memory = allocateKernelMemory(layout);
  fillKernelMemory(memory, layout, counts, { ...DEFAULT_TRAINER_SETTINGS, vectorSize: 8 });
  const thresholds = new Uint32Array(memory.buffer, layout.noiseThresholds, counts.length);
  const aliases = new Int32Array(memory.buffer, layout.noiseAliases, counts.length);

  // A draw picks each slot with probability 1 / V, then keeps the slot with probability threshold / 2^32 and
  // otherwise takes its alias.
  const drawn = new Array<number>(counts.length).fill(0);
  for (let slot = 0; slot < counts.length; slot++) {
    const keep = thresholds[slot] / 2 ** 32;
    drawn[slot] += keep / counts.length;
    drawn[aliases[slot]] += (1 - keep) / counts.length;
  }

  const weights = Array.from(counts, (count) => count ** 0.75);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  for (let word = 0; word < counts.length; word++) {
    assert.ok(Math.abs(drawn[word] - weights[word] / total) < 1e-8, `word ${word}: ${drawn[word]}`);
  }
});

test('input vectors start in gensim range and output vectors at zero', () => {
  const vectorSize = 10;
  const layout = planKernelLayout(50, vectorSize, 2);
  const memory = allocateKernelMemory(layout);
  fillKernelMemory(memory, layout, new Float64Array(50).fill(3), { ...DEFAULT_TRAINER_SETTINGS, vectorSize });
  const input = new Float32Array(memory.buffer, layout.inputVectors, 50 * layout.rowStride);
  const output = new Float32Array(memory.buffer, layout.outputVectors, 50 * layout.rowStride);

  assert.equal(layout.rowStride, 12);
  for (let word = 0; word < 50; word++) {
    for (let i = 0; i < layout.rowStride; i++) {
      const value: number = input[word * layout.rowStride + i];
      if (i < vectorSize) {
        assert.ok(value >= -1 / vectorSize, `input ${word},${i} = ${value}`);
        assert.ok(value < 1 / vectorSize, `input ${word},${i} = ${value}`);
        assert.notEqual(value, 0, `input ${word},${i}`);
      } else {
        assert.equal(value, 0, `padding ${word},${i}`);
      }
    }
  }
  assert.ok(output.every((value) => value === 0));
});
