import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Flow } from '../captures/flow.types';
import { ModelDefinition } from '../models/model-definition';
import { CorpusBuilder } from './corpus-builder';

function definition(length: number, minCount = 1): ModelDefinition {
  return {
    tokenFields: ['srcAddr', 'dstAddr', 'dport', 'proto'],
    sentences: { mode: 'count', length },
    vocabulary: { minCount, maxFinalVocab: null },
    trainer: {
      architecture: 'skipgram',
      vectorSize: 8,
      window: 2,
      negative: 2,
      nsExponent: 0.75,
      sample: 0,
      epochs: 1,
      alpha: 0.025,
      minAlpha: 0.0001,
      workers: 1,
      seed: 1,
    },
  };
}

function flow(dstAddr: string, label: string | null = null): Flow {
  return {
    startTime: null,
    srcAddr: '10.0.0.1',
    sport: '4000',
    dstAddr,
    dport: '53',
    proto: 'udp',
    state: 'CON',
    label,
  };
}

describe('CorpusBuilder', () => {
  it('splits flows into sentences of the given length', () => {
    const builder = new CorpusBuilder(definition(3));
    ['a', 'b', 'a', 'c', 'a', 'b', 'd'].forEach((dst) => builder.addFlow(flow(dst)));
    const { corpus, vocabulary } = builder.build();

    assert.deepEqual(
      vocabulary.entries.map((entry) => entry.token),
      ['10.0.0.1|a|53|udp', '10.0.0.1|b|53|udp', '10.0.0.1|c|53|udp', '10.0.0.1|d|53|udp'],
    );
    // The last sentence holds a single flow, so it has no training pair and is dropped.
    assert.deepEqual([...corpus.words], [0, 1, 0, 2, 0, 1]);
    assert.deepEqual([...corpus.sentenceOffsets], [0, 3, 6]);
    assert.deepEqual([...corpus.counts], [3, 2, 1, 1]);
  });

  it('removes tokens below minCount from their sentences', () => {
    const builder = new CorpusBuilder(definition(4, 2));
    ['a', 'x', 'a', 'b', 'b', 'y', 'a', 'b'].forEach((dst) => builder.addFlow(flow(dst)));
    const { corpus } = builder.build();

    assert.deepEqual([...corpus.words], [0, 0, 1, 1, 0, 1]);
    assert.deepEqual([...corpus.sentenceOffsets], [0, 3, 6]);
  });

  it('counts labels per token', () => {
    const builder = new CorpusBuilder(definition(2));
    builder.addFlow(flow('a', 'flow=From-Botnet-V1'));
    builder.addFlow(flow('a', 'flow=From-Botnet-V1'));
    builder.addFlow(flow('a', 'flow=Background'));
    const [entry] = builder.build().vocabulary.entries;

    assert.deepEqual(entry.labelCounts, { 'flow=From-Botnet-V1': 2, 'flow=Background': 1 });
    assert.equal(entry.labelClass, 'Botnet');
  });
});
