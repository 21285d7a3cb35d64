import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { centroidSimilarities, clusterCount } from './model-clustering.service';

describe('clusterCount', () => {
  it('defaults to one cluster per five tokens', () => {
    assert.equal(clusterCount({ k: null, maxIterations: 10 }, 142_012), 28_402);
    assert.equal(clusterCount({ k: null, maxIterations: 10 }, 12), 2);
  });

  it('keeps at least one and at most n clusters', () => {
    assert.equal(clusterCount({ k: null, maxIterations: 10 }, 2), 1);
    assert.equal(clusterCount({ k: 50, maxIterations: 10 }, 7), 7);
    assert.equal(clusterCount({ k: 50, maxIterations: 10 }, 700), 50);
  });
});

describe('centroidSimilarities', () => {
  it('returns the cosine to the own centroid', () => {
    const vectors = Float32Array.from([3, 4, 0, 2, 5, 0]);
    const centroids = Float32Array.from([1, 0, 0, 1]);
    const similarities = centroidSimilarities(vectors, 2, Int32Array.from([0, 1, 1]), centroids);
    assert.ok(Math.abs(similarities[0] - 0.6) < 1e-6);
    assert.ok(Math.abs(similarities[1] - 1) < 1e-6);
    assert.equal(similarities[2], 0);
  });
});
