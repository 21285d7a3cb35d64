import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LabelClass } from '../captures/label-class';
import { ExactCosineNeighbourLookup } from './neighbour-lookup';
import { detectByNeighbourVote } from './neighbour-vote-detection';

const DIM = 3;
const TOKENS = 24;
const CLASS_CYCLE: LabelClass[] = ['Botnet', 'Normal', 'Background', 'Background'];
const CLASS_OF: LabelClass[] = Array.from({ length: TOKENS }, (_, token) => CLASS_CYCLE[token % 4]);
const COUNTS = Array.from({ length: TOKENS }, (_, token) => (token % 5) + 1);

function makeVectors(): Float32Array {
  let state = 99;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296 - 0.5;
  };

  return Float32Array.from({ length: TOKENS * DIM }, (_, i) => {
    const token = Math.floor(i / DIM);
    return random() + (CLASS_OF[token] === 'Botnet' && i % DIM === 0 ? 0.5 : 0);
  });
}

/** Counts the confusion of Botnet detection by a similarity-weighted vote of the k nearest others, all by brute force. */
function bruteForceConfusion(vectors: Float32Array, k: number, counts: number[] | null) {
  const row = (i: number) => Array.from(vectors.subarray(i * DIM, (i + 1) * DIM));
  const cosine = (a: number, b: number) =>
    row(a).reduce((sum, x, j) => sum + x * row(b)[j], 0) / (Math.hypot(...row(a)) * Math.hypot(...row(b)));

  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (let token = 0; token < TOKENS; token++) {
    const nearest = Array.from({ length: TOKENS }, (_, other) => other)
      .filter((other) => other !== token)
      .sort((a, b) => cosine(token, b) - cosine(token, a))
      .slice(0, k);
    const votes: Record<string, number> = { Botnet: 0, Normal: 0, Background: 0 };
    nearest.forEach((other) => (votes[CLASS_OF[other]] += Math.max(0, cosine(token, other))));
    const predictedBotnet = votes.Botnet >= votes.Normal && votes.Botnet >= votes.Background;
    const weight = counts === null ? 1 : counts[token];

    if (predictedBotnet && CLASS_OF[token] === 'Botnet') {
      truePositives += weight;
    } else if (predictedBotnet) {
      falsePositives += weight;
    } else if (CLASS_OF[token] === 'Botnet') {
      falseNegatives += weight;
    }
  }

  return { truePositives, falsePositives, falseNegatives };
}

describe('detectByNeighbourVote', () => {
  const vectors = makeVectors();
  const lookup = new ExactCosineNeighbourLookup(vectors, DIM);

  for (const counts of [null, COUNTS]) {
    it(`matches brute force ${counts === null ? 'per token' : 'weighted by counts'}`, () => {
      const expected = bruteForceConfusion(vectors, 5, counts);
      const precision = expected.truePositives / (expected.truePositives + expected.falsePositives);
      const recall = expected.truePositives / (expected.truePositives + expected.falseNegatives);

      const result = detectByNeighbourVote(
        lookup,
        { labelClassOf: (token) => CLASS_OF[token], counts: counts ?? undefined },
        5,
      );

      assert.equal(result.truePositives, expected.truePositives);
      assert.equal(result.falsePositives, expected.falsePositives);
      assert.equal(result.falseNegatives, expected.falseNegatives);
      assert.ok(expected.truePositives > 0, 'fixture has no true positive');
      assert.ok(expected.falseNegatives + expected.falsePositives > 0, 'fixture has no error');
      assert.ok(Math.abs((result.precision ?? NaN) - precision) < 1e-12);
      assert.ok(Math.abs((result.recall ?? NaN) - recall) < 1e-12);
      assert.ok(Math.abs((result.f1 ?? NaN) - (2 * precision * recall) / (precision + recall)) < 1e-12);
    });
  }

  it('reports null precision when nothing is predicted', () => {
    const result = detectByNeighbourVote(lookup, { labelClassOf: (token) => (token === 0 ? 'Botnet' : 'Normal') }, 3);

    assert.equal(result.truePositives, 0);
    assert.equal(result.falseNegatives, 1);
    assert.equal(result.precision, null);
    assert.equal(result.recall, 0);
    assert.equal(result.f1, null);
  });
});
