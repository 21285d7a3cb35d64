import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Flow } from '../captures/flow.types';
import { ModelDefinition } from '../models/model-definition';
import { CorpusBuilder } from './corpus-builder';

function definition(length: number, minCount = 1): ModelDefinition {
  return {
    tokenFields: ['srcAddr', 'dstAddr', 'dport', 'proto'],
    includeLabel: false,
    sentences: { mode: 'count', length, seconds: 60 },
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
    clustering: { k: 2, maxIterations: 10 },
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

function timedFlow(srcAddr: string, startTime: number | null, dstAddr: string): Flow {
  return { ...flow(dstAddr), srcAddr, startTime };
}

function sentencesOf(builder: CorpusBuilder): string[][] {
  const { corpus, vocabulary } = builder.build();
  const sentences: string[][] = [];
  for (let s = 0; s + 1 < corpus.sentenceOffsets.length; s++) {
    const words = corpus.words.subarray(corpus.sentenceOffsets[s], corpus.sentenceOffsets[s + 1]);
    sentences.push([...words].map((id) => vocabulary.entries[id].token.split('|')[1]));
  }
  return sentences;
}

describe('CorpusBuilder sentence modes', () => {
  it('time mode sorts by StartTime and buckets', () => {
    const builder = new CorpusBuilder({ ...definition(30), sentences: { mode: 'time', length: 30, seconds: 10 } });
    // File order is not time order; a flow without StartTime is left out.
    [
      [12, 'c'],
      [1, 'a'],
      [9.5, 'b'],
      [null, 'x'],
      [15, 'd'],
      [25, 'e'],
    ].forEach(([time, dst]) => builder.addFlow(timedFlow('10.0.0.1', time as number | null, dst as string)));

    // Buckets [0,10): a b; [10,20): c d; [20,30): e alone, dropped.
    assert.deepEqual(sentencesOf(builder), [
      ['a', 'b'],
      ['c', 'd'],
    ]);
    assert.equal(builder.build().flowsWithoutStartTime, 1);
  });

  it('host mode splits on source, gap and length', () => {
    const builder = new CorpusBuilder({ ...definition(30), sentences: { mode: 'host', length: 3, seconds: 5 } });
    [
      ['h2', 1, 'p'],
      ['h1', 0, 'a'],
      ['h1', 2, 'b'],
      ['h2', 3, 'q'],
      ['h1', 4, 'c'],
      ['h1', 5, 'd'],
      ['h1', 6, 'e'],
      ['h1', 20, 'f'],
      ['h1', 21, 'g'],
    ].forEach(([src, time, dst]) => builder.addFlow(timedFlow(src as string, time as number, dst as string)));

    // Sources come in the order they first appear. h2: p q. h1: a b c (length 3), d e, a gap of 14 s, f g.
    assert.deepEqual(sentencesOf(builder), [
      ['p', 'q'],
      ['a', 'b', 'c'],
      ['d', 'e'],
      ['f', 'g'],
    ]);
  });

  it('long sentences are split, not truncated', () => {
    const builder = new CorpusBuilder({ ...definition(30), sentences: { mode: 'time', length: 30, seconds: 1e6 } });
    for (let i = 0; i < 25_000; i++) {
      builder.addFlow(timedFlow('10.0.0.1', i, `d${i % 7}`));
    }
    const { corpus } = builder.build();

    assert.deepEqual([...corpus.sentenceOffsets], [0, 10_000, 20_000, 25_000]);
  });

  it('includeLabel appends the label to each token', () => {
    const builder = new CorpusBuilder({ ...definition(2), includeLabel: true });
    builder.addFlow(flow('a', 'flow=From-Botnet V1'));
    builder.addFlow(flow('a', null));
    const tokens = builder.build().vocabulary.entries.map((entry) => entry.token);

    assert.deepEqual(tokens.sort(), ['10.0.0.1|a|53|udp|', '10.0.0.1|a|53|udp|flow=From-Botnet_V1']);
  });
});
