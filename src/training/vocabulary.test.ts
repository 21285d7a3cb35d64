import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildVocabulary, CountedToken, majorityLabelClass } from './vocabulary';

const counted = (token: string, count: number, labels: Record<string, number> = { '': count }): CountedToken => ({
  token,
  count,
  labelCounts: new Map(Object.entries(labels)),
});

describe('buildVocabulary', () => {
  it('orders by count descending then token', () => {
    const vocabulary = buildVocabulary([counted('b', 2), counted('c', 5), counted('a', 2)], 1, null);
    assert.deepEqual(
      vocabulary.entries.map((entry) => entry.token),
      ['c', 'a', 'b'],
    );
    assert.deepEqual([...vocabulary.idOfCounted], [2, 0, 1]);
  });

  it('drops tokens below minCount', () => {
    const vocabulary = buildVocabulary([counted('a', 1), counted('b', 3)], 2, null);
    assert.deepEqual(
      vocabulary.entries.map((entry) => entry.token),
      ['b'],
    );
    assert.equal(vocabulary.idOfCounted[0], -1);
    assert.deepEqual(vocabulary.cut, [{ token: 'a', count: 1 }]);
  });

  it('raises minCount to honour maxFinalVocab, keeping ties together', () => {
    const vocabulary = buildVocabulary([counted('a', 5), counted('b', 3), counted('c', 3), counted('d', 1)], 1, 2);
    assert.equal(vocabulary.effectiveMinCount, 4);
    assert.deepEqual(
      vocabulary.entries.map((entry) => entry.token),
      ['a'],
    );
    assert.deepEqual(vocabulary.cut, [
      { token: 'b', count: 3 },
      { token: 'c', count: 3 },
      { token: 'd', count: 1 },
    ]);
  });

  it('keeps everything when maxFinalVocab is not reached', () => {
    const vocabulary = buildVocabulary([counted('a', 5), counted('b', 3)], 1, 2);
    assert.equal(vocabulary.entries.length, 2);
    assert.equal(vocabulary.effectiveMinCount, 1);
    assert.deepEqual(vocabulary.cut, []);
  });
});

describe('majorityLabelClass', () => {
  it('picks the class with most flows', () => {
    const labels = new Map([
      ['flow=From-Botnet-V47-TCP-Attempt-SPAM', 3],
      ['flow=Background-TCP-Established', 2],
    ]);
    assert.equal(majorityLabelClass(labels), 'Botnet');
  });

  it('sums labels of one class before comparing', () => {
    const labels = new Map([
      ['flow=Background-A', 2],
      ['flow=Background-B', 2],
      ['flow=To-Normal-1', 3],
    ]);
    assert.equal(majorityLabelClass(labels), 'Background');
  });

  it('treats unlabelled flows as Background', () => {
    assert.equal(majorityLabelClass(new Map([['', 4]])), 'Background');
  });
});
