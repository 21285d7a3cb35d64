import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { clusterVectors, ClusterOptions } from './kmeans';
import { apportion, partitionForSeeding, partitionGroupCount, SeedingGroup } from './kmeans-seeding';
import { ExactCentroidSearch } from './kmeans-centroid-search';
import { MiniBatchKMeans } from './kmeans-mini-batch';
import { createRandom, normaliseRows } from './kmeans-vectors';

/** Builds `blobs` tight groups of `perBlob` vectors around random directions. Blob b owns rows b·perBlob onward. */
function plantBlobs(blobs: number, perBlob: number, dim: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const vectors = new Float32Array(blobs * perBlob * dim);
  for (let b = 0; b < blobs; b++) {
    const centre = Array.from({ length: dim }, gaussian);
    const norm = Math.hypot(...centre);
    for (let p = 0; p < perBlob; p++) {
      const offset = (b * perBlob + p) * dim;
      for (let j = 0; j < dim; j++) {
        vectors[offset + j] = centre[j] / norm + 0.005 * gaussian();
      }
    }
  }

  return vectors;
}

/** Checks whether the two labelings split the rows into the same groups, whatever the label numbers. */
function isSamePartition(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const aToB = new Map<number, number>();
  const bToA = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if ((aToB.get(a[i]) ?? b[i]) !== b[i] || (bToA.get(b[i]) ?? a[i]) !== a[i]) {
      return false;
    }
    aToB.set(a[i], b[i]);
    bToA.set(b[i], a[i]);
  }

  return true;
}

function blobOfEachRow(blobs: number, perBlob: number): Int32Array {
  return Int32Array.from({ length: blobs * perBlob }, (_, row) => Math.floor(row / perBlob));
}

function unit(row: number[]): number[] {
  const norm = Math.hypot(...row);
  return row.map((x) => x / norm);
}

describe('clusterVectors', () => {
  it('recovers planted blobs with Lloyd and exact search', () => {
    const vectors = plantBlobs(8, 50, 16, 1);

    const result = clusterVectors(vectors, 16, { k: 8, seed: 3, update: 'lloyd', search: 'exact', seeding: 'plain' });

    assert.ok(isSamePartition(result.assignments, blobOfEachRow(8, 50)));
    assert.deepEqual([...result.sizes], new Array(8).fill(50));
    assert.ok(result.inertia < 400 * 16 * 0.005 ** 2 * 2, `inertia ${result.inertia}`);
  });

  it('recovers planted blobs with mini-batch, HNSW and partitioned seeding', () => {
    const vectors = plantBlobs(40, 30, 16, 2);
    const options: ClusterOptions = { k: 40, seed: 5, update: 'mini-batch', search: 'hnsw', seeding: 'partitioned' };

    const result = clusterVectors(vectors, 16, { ...options, batchSize: 100 });

    assert.ok(isSamePartition(result.assignments, blobOfEachRow(40, 30)));
    assert.equal(result.k, 40);
  });

  it('gives identical results for equal seeds', () => {
    const vectors = plantBlobs(30, 20, 8, 3);
    vectors.forEach((_, i) => (vectors[i] += Math.sin(i) * 0.3));
    const options: ClusterOptions = { k: 25, seed: 11, update: 'mini-batch', search: 'hnsw', seeding: 'partitioned' };

    const first = clusterVectors(vectors, 8, options);
    const second = clusterVectors(vectors, 8, options);

    assert.deepEqual(first.assignments, second.assignments);
    assert.deepEqual(first.centroids, second.centroids);
    assert.equal(first.inertia, second.inertia);
    assert.equal(first.iterations, second.iterations);
  });

  it('puts every vector alone when k >= n', () => {
    const vectors = Float32Array.from([3, 4, 0, 2, 1, 1, -1, 0, 5, 5, 5, 5]);

    const result = clusterVectors(vectors, 2, { k: 10, seed: 1 });

    assert.equal(result.k, 6);
    assert.deepEqual([...result.assignments], [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(
      [...result.centroids.subarray(0, 4)].map((x) => Math.round(x * 1e6) / 1e6),
      [0.6, 0.8, 0, 1],
    );
    assert.equal(result.inertia, 0);
  });

  it('places one centroid at the mean when k = 1', () => {
    const rows = [
      [1, 0, 0],
      [0, 2, 0],
      [0, 0, 3],
      [1, 1, 0],
    ];
    const unitRows = rows.map(unit);
    const mean = [0, 1, 2].map((j) => unitRows.reduce((sum, row) => sum + row[j], 0) / rows.length);
    const expectedInertia = unitRows.reduce((sum, row) => sum + row.reduce((s, x, j) => s + (x - mean[j]) ** 2, 0), 0);

    const result = clusterVectors(Float32Array.from(rows.flat()), 3, { k: 1, seed: 9 });

    assert.deepEqual([...result.assignments], [0, 0, 0, 0]);
    result.centroids.forEach((x, j) => assert.ok(Math.abs(x - mean[j]) < 1e-6, `centroid[${j}] ${x} vs ${mean[j]}`));
    assert.ok(Math.abs(result.inertia - expectedInertia) < 1e-5);
  });

  it('re-seeds clusters left empty by duplicate vectors', () => {
    const rows = [];
    for (let i = 0; i < 10; i++) {
      rows.push(i % 2 === 0 ? [1, 0] : [0, 1]);
    }

    const result = clusterVectors(Float32Array.from(rows.flat()), 2, { k: 4, seed: 2, update: 'lloyd' });

    assert.equal(result.sizes.length, 4);
    for (const size of result.sizes) {
      assert.ok(size >= 1, `sizes ${result.sizes}`);
    }
    assert.equal(
      result.sizes.reduce((a, b) => a + b, 0),
      10,
    );
    assert.equal(result.inertia, 0);
  });

  it('keeps zero vectors without NaN', () => {
    const vectors = Float32Array.from([0, 0, 1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]);

    const result = clusterVectors(vectors, 2, { k: 2, seed: 4 });

    assert.ok(result.centroids.every(Number.isFinite));
    assert.ok(Number.isFinite(result.inertia));
    assert.equal(result.assignments[1], result.assignments[2]);
    assert.equal(result.assignments[3], result.assignments[4]);
    assert.notEqual(result.assignments[1], result.assignments[3]);
  });

  it('reports progress for every pass', () => {
    const phases: string[] = [];

    const result = clusterVectors(plantBlobs(4, 10, 4, 6), 4, {
      k: 4,
      seed: 1,
      onProgress: (progress) => phases.push(progress.phase),
    });

    assert.equal(phases[0], 'seeded');
    assert.equal(phases.filter((phase) => phase === 'iterated').length, result.iterations);
    assert.equal(phases.at(-1), 'assigned');
  });

  it('rejects vectors whose length is not a multiple of dim', () => {
    assert.throws(
      () => clusterVectors(new Float32Array(7), 3, { k: 2, seed: 1 }),
      /length 7 is not a multiple of dim 3/,
    );
  });

  it('rejects a negative tolerance', () => {
    assert.throws(
      () => clusterVectors(new Float32Array(6), 3, { k: 1, seed: 1, tolerance: -1 }),
      /Invalid tolerance -1/,
    );
  });

  it('rejects k below 1', () => {
    assert.throws(() => clusterVectors(new Float32Array(6), 3, { k: 0, seed: 1 }), /Invalid k 0/);
  });
});

describe('MiniBatchKMeans', () => {
  it('moves a single centroid to the running mean', () => {
    const vectors = Float32Array.from([1, 0, 0, 1, 1, 1, 2, 0]);
    const centroids = Float32Array.from([5, 5]);
    const miniBatch = new MiniBatchKMeans(vectors, 2, 1, centroids, 3, createRandom(1), new Int32Array(4).fill(-1));

    const outcome = miniBatch.runPass(new ExactCentroidSearch(vectors, centroids, 1, 2));

    assert.equal(outcome.changed, 4);
    assert.ok(Math.abs(centroids[0] - 1) < 1e-6);
    assert.ok(Math.abs(centroids[1] - 0.5) < 1e-6);
  });
});

describe('apportion', () => {
  it('splits in proportion with largest remainders', () => {
    assert.deepEqual(apportion([50, 30, 20], 10), [5, 3, 2]);
    assert.deepEqual(apportion([1, 1, 1], 2), [1, 1, 0]);
    assert.deepEqual(apportion([7, 2, 1], 4), [3, 1, 0]);
  });

  it('never gives a group more than its size', () => {
    const shares = apportion([3, 0, 1, 6], 10);

    assert.deepEqual(shares, [3, 0, 1, 6]);
  });
});

describe('partitionForSeeding', () => {
  /** Checks that the groups contain every row once, share out k centres and stay within twice the average size. */
  function checkGroups(groups: SeedingGroup[], n: number, k: number, groupCount: number): void {
    const seen = new Uint8Array(n);
    for (const { members, quota } of groups) {
      members.forEach((row) => seen[row]++);
      assert.ok(quota <= members.length, `quota ${quota} above group size ${members.length}`);
    }
    assert.ok(
      seen.every((count) => count === 1),
      'every row in exactly one group',
    );
    assert.equal(
      groups.reduce((sum, group) => sum + group.quota, 0),
      k,
    );
    const largest = Math.max(...groups.map((group) => group.members.length));
    assert.ok(
      largest <= Math.ceil((2 * n) / groupCount),
      `largest group ${largest} of ${n} rows, ${groupCount} groups`,
    );
  }

  it('splits an oversized dense group', () => {
    // Two dense clusters of 500 vectors each among 2,000 random directions. A coarse k-means puts each dense
    // cluster into one group, about nine times the average group size.
    const dim = 100;
    const random = createRandom(4);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const n = 3000;
    const vectors = new Float32Array(n * dim);
    const centres = [0, 1].map(() => Array.from({ length: dim }, gaussian));
    for (let row = 0; row < n; row++) {
      for (let j = 0; j < dim; j++) {
        vectors[row * dim + j] = row < 1000 ? centres[row % 2][j] + 0.05 * gaussian() : gaussian();
      }
    }
    const k = 600;
    const groupCount = partitionGroupCount(k);

    const groups = partitionForSeeding(normaliseRows(vectors, dim), dim, k, groupCount, createRandom(5));

    checkGroups(groups, n, k, groupCount);
  });

  it('cuts a group of equal vectors', () => {
    const dim = 4;
    const n = 1000;
    const vectors = new Float32Array(n * dim);
    for (let row = 0; row < n; row++) {
      // Rows 0..899 are all (1, 0, 0, 0), and the rest point along the other three axes.
      const axis = row < 900 ? 0 : 1 + (row % 3);
      vectors[row * dim + axis] = 1;
    }
    const k = 200;
    const groupCount = partitionGroupCount(k);

    const groups = partitionForSeeding(vectors, dim, k, groupCount, createRandom(6));

    checkGroups(groups, n, k, groupCount);
  });
});
