import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exactSearch } from './exact-search';
import { combineQueryVectors, normalizeInPlace } from './query-vector';
import { ServedVocabulary } from './served-vocabulary';
import { compileTokenFilter, parseCidr } from './token-filter';

describe('combineQueryVectors', () => {
  it('averages weighted vectors to unit length', () => {
    const query = combineQueryVectors(
      [
        { vector: [1, 0, 0], weight: 1 },
        { vector: [0, 1, 0], weight: 1 },
        { vector: [0, 0, 1], weight: -1 },
      ],
      3,
    );
    const third = 1 / Math.sqrt(3);
    assert.ok(query);
    assert.deepEqual(
      Array.from(query).map((value) => Number(value.toFixed(6))),
      [third, third, -third].map((value) => Number(value.toFixed(6))),
    );
  });

  it('returns null for a zero mean', () => {
    const query = combineQueryVectors(
      [
        { vector: [0.6, 0.8], weight: 1 },
        { vector: [0.6, 0.8], weight: -1 },
      ],
      2,
    );
    assert.equal(query, null);
  });

  it('normalizeInPlace leaves a zero vector', () => {
    const zero = new Float32Array(4);
    assert.equal(normalizeInPlace(zero), false);
    assert.deepEqual(Array.from(zero), [0, 0, 0, 0]);
  });
});

describe('exactSearch', () => {
  const vectors = new Float32Array([1, 0, 0.8, 0.6, 0, 1, -1, 0, 0.6, 0.8]);

  it('ranks by dot product, best first', () => {
    const result = exactSearch([1, 0], vectors, 2, 3);
    assert.deepEqual(
      result.map((n) => n.tokenId),
      [0, 1, 4],
    );
    assert.ok(Math.abs(result[1].similarity - 0.8) < 1e-6);
  });

  it('skips rejected rows and returns all when k is large', () => {
    const result = exactSearch([1, 0], vectors, 2, 10, (tokenId) => tokenId !== 0);
    assert.deepEqual(
      result.map((n) => n.tokenId),
      [1, 4, 2, 3],
    );
  });
});

describe('compileTokenFilter', () => {
  const vocabulary = ServedVocabulary.fromRows(
    [
      ['147.32.84.165|147.32.80.9|53|udp', 'Botnet', 1],
      ['147.32.84.165|8.8.8.8|53|udp', 'Background', null],
      ['10.0.0.1|147.32.80.9|25|tcp', 'Normal', 1],
      ['2001:db8::5|2001:db8::1|443|tcp', 'Background', 2],
    ].map(([token, labelClass, cluster], tokenId) => ({
      tokenId,
      token: token as string,
      count: 1,
      labelCountsJson: '{}',
      labelClass: labelClass as 'Botnet',
      cluster: cluster as number | null,
    })),
    4,
  );
  const fields = ['srcAddr', 'dstAddr', 'dport', 'proto'] as const;
  const matching = (filter: Parameters<typeof compileTokenFilter>[0]) => {
    const accept = compileTokenFilter(filter, vocabulary, fields);
    return [0, 1, 2, 3].filter(accept);
  };

  it('applies each condition', () => {
    assert.deepEqual(matching({ labelClass: 'Botnet' }), [0]);
    assert.deepEqual(matching({ proto: 'TCP' }), [2, 3]);
    assert.deepEqual(matching({ dport: 53 }), [0, 1]);
    assert.deepEqual(matching({ srcCidr: '147.32.84.0/24' }), [0, 1]);
    assert.deepEqual(matching({ dstCidr: '147.32.80.0/24' }), [0, 2]);
    assert.deepEqual(matching({ dstCidr: '2001:db8::/32' }), [3]);
    assert.deepEqual(matching({ cluster: 1 }), [0, 2]);
    assert.deepEqual(matching({ cluster: 1, proto: 'udp' }), [0]);
  });

  it('rejects a field the tokens lack', () => {
    assert.throws(() => compileTokenFilter({ dport: 53 }, vocabulary, ['srcAddr', 'dstAddr']), /without dport/);
  });

  it('parseCidr rejects bad ranges', () => {
    for (const cidr of ['10.0.0.0', '10.0.0.0/33', 'x/8', '::/129', '10.0.0.0/-1']) {
      assert.throws(() => parseCidr('srcCidr', cidr), /srcCidr must be an address range/, cidr);
    }
    assert.ok(parseCidr('srcCidr', '::/0').check('2001:db8::1', 'ipv6'));
  });
});
