import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HierarchicalNSW } from 'hnswlib-node';

import { ExactCosineNeighbourLookup, HnswNeighbourLookup, precomputeNeighbours } from './neighbour-lookup';

const DIM = 3;
const VECTORS = Float32Array.from([1, 0, 0, 0.9, 0.1, 0, 0, 1, 0, 0, 0.8, 0.3, -1, 0, 0, 0.5, 0.5, 0.5, 2, 0.1, 0]);

/** Computes the cosine similarity of `token` to every other token and sorts them by a full sort. */
function bruteForceNeighbours(token: number): { token: number; similarity: number }[] {
  const row = (i: number) => Array.from(VECTORS.subarray(i * DIM, (i + 1) * DIM));
  const cosine = (a: number[], b: number[]) =>
    a.reduce((sum, x, j) => sum + x * b[j], 0) / (Math.hypot(...a) * Math.hypot(...b));

  const others = [];
  for (let other = 0; other < VECTORS.length / DIM; other++) {
    if (other !== token) {
      others.push({ token: other, similarity: cosine(row(token), row(other)) });
    }
  }

  return others.sort((a, b) => b.similarity - a.similarity || a.token - b.token);
}

describe('ExactCosineNeighbourLookup', () => {
  it('matches a full sort for every token', () => {
    const lookup = new ExactCosineNeighbourLookup(VECTORS, DIM);

    for (let token = 0; token < 7; token++) {
      const expected = bruteForceNeighbours(token).slice(0, 3);
      const actual = lookup.neighboursOf(token, 3);

      assert.deepEqual(
        actual.map((neighbour) => neighbour.token),
        expected.map((neighbour) => neighbour.token),
        `token ${token}`,
      );
      actual.forEach((neighbour, i) => assert.ok(Math.abs(neighbour.similarity - expected[i].similarity) < 1e-6));
    }
  });

  it('returns all others when count exceeds them', () => {
    const lookup = new ExactCosineNeighbourLookup(VECTORS, DIM);

    const neighbours = lookup.neighboursOf(2, 50);

    assert.equal(neighbours.length, 6);
    assert.ok(neighbours.every((neighbour) => neighbour.token !== 2));
  });
});

describe('HnswNeighbourLookup', () => {
  it('matches exact search on a small cosine index', () => {
    const index = new HierarchicalNSW('cosine', DIM);
    index.initIndex({ maxElements: 7, randomSeed: 1 });
    for (let token = 0; token < 7; token++) {
      index.addPoint(Array.from(VECTORS.subarray(token * DIM, (token + 1) * DIM)), token);
    }
    const lookup = new HnswNeighbourLookup(index, VECTORS, DIM);

    for (let token = 0; token < 7; token++) {
      const expected = bruteForceNeighbours(token).slice(0, 3);
      const actual = lookup.neighboursOf(token, 3);

      assert.deepEqual(
        actual.map((neighbour) => neighbour.token).sort(),
        expected.map((neighbour) => neighbour.token).sort(),
        `token ${token}`,
      );
      actual.forEach((neighbour) => {
        const same = expected.find((candidate) => candidate.token === neighbour.token);
        assert.ok(Math.abs(neighbour.similarity - (same?.similarity ?? NaN)) < 1e-5);
      });
    }
  });
});

describe('precomputeNeighbours', () => {
  it('serves the same lists as the lookup', () => {
    const lookup = new ExactCosineNeighbourLookup(VECTORS, DIM);

    const precomputed = precomputeNeighbours(lookup, 4);

    assert.equal(precomputed.tokenCount, 7);
    assert.deepEqual(precomputed.neighboursOf(5, 4), lookup.neighboursOf(5, 4));
    assert.deepEqual(precomputed.neighboursOf(5, 2), lookup.neighboursOf(5, 2));
  });
});
