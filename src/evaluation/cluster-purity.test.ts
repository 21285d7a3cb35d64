import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LabelClass } from '../captures/label-class';
import { clusterPurity } from './cluster-purity';

const CLASS_OF: LabelClass[] = ['Botnet', 'Botnet', 'Normal', 'Background', 'Background', 'Normal', 'Botnet', 'Normal'];
const ASSIGNMENTS = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2]);
const COUNTS = [1, 1, 1, 4, 1, 5, 3, 1];

describe('clusterPurity', () => {
  it('matches majority counts per cluster', () => {
    const result = clusterPurity(ASSIGNMENTS, 4, { labelClassOf: (token) => CLASS_OF[token] });

    // Cluster 0: 2 Botnet of 3; cluster 1: 2 Background of 2; cluster 2: 2 Normal of 3; cluster 3: empty.
    assert.equal(result.purity, (2 + 2 + 2) / 8);
    assert.deepEqual(result.clusters[0], {
      size: 3,
      composition: { Botnet: 2, Normal: 1, Background: 0 },
      majorityClass: 'Botnet',
    });
    assert.equal(result.clusters[1].majorityClass, 'Background');
    assert.equal(result.clusters[2].majorityClass, 'Normal');
    assert.equal(result.clusters[3].size, 0);
    assert.equal(result.clusters[3].majorityClass, null);
  });

  it('weights tokens by their counts', () => {
    const result = clusterPurity(ASSIGNMENTS, 4, { labelClassOf: (token) => CLASS_OF[token], counts: COUNTS });

    // Cluster 2 weighs Normal 5 + 1 against Botnet 3; total weight 17.
    assert.equal(result.purity, (2 + 5 + 6) / 17);
    assert.deepEqual(result.clusters[2].composition, { Botnet: 3, Normal: 6, Background: 0 });
  });

  it('rejects a cluster outside 0..k-1', () => {
    assert.throws(
      () => clusterPurity(Int32Array.from([0, 3]), 3, { labelClassOf: () => 'Normal' }),
      /Invalid cluster 3 of token 1/,
    );
  });

  it('reports null purity without tokens', () => {
    assert.equal(clusterPurity(new Int32Array(0), 2, { labelClassOf: () => 'Normal' }).purity, null);
  });
});
