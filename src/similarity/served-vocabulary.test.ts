import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedVocabulary } from './served-vocabulary';

describe('ServedVocabulary.details', () => {
  const vocabulary = ServedVocabulary.fromRows(
    [
      {
        tokenId: 1,
        token: '147.32.84.165|147.32.80.9|53|udp',
        count: 9,
        labelCountsJson: '{"flow=Background-UDP": 2, "flow=From-Botnet-V47-UDP-DNS": 5, "flow=Background": 2}',
        labelClass: 'Botnet',
        cluster: 3,
      },
      {
        tokenId: 0,
        token: '10.0.0.1|147.32.80.9|25|tcp',
        count: 4,
        labelCountsJson: '{}',
        labelClass: 'Normal',
        cluster: null,
      },
    ],
    2,
  );

  it('orders label counts by count, then label', () => {
    assert.deepEqual(vocabulary.details(1).labelCounts, [
      { label: 'flow=From-Botnet-V47-UDP-DNS', count: 5 },
      { label: 'flow=Background', count: 2 },
      { label: 'flow=Background-UDP', count: 2 },
    ]);
  });

  it('returns every field of the token', () => {
    assert.deepEqual(vocabulary.details(0), {
      token: '10.0.0.1|147.32.80.9|25|tcp',
      count: 4,
      labelCounts: [],
      labelClass: 'Normal',
      cluster: null,
    });
  });

  it('returns a new label array per call', () => {
    const first = vocabulary.details(1).labelCounts;
    first.pop();

    assert.equal(vocabulary.details(1).labelCounts.length, 3);
  });
});
