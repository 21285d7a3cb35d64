import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Flow } from '../captures/flow.types';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import type { VocabularyEntry } from '../training/vocabulary';
import { temporalCutoff, TemporalSplit } from './temporal-split';

const FIELDS = ['srcAddr', 'dstAddr'] as const;

function flow(startTime: number | null, srcAddr: string, dstAddr: string, label: string): Flow {
  return { startTime, srcAddr, sport: '', dstAddr, dport: '', proto: 'udp', state: '', label };
}

function entry(token: string, labelClass: VocabularyEntry['labelClass']): VocabularyEntry {
  return { token, count: 1, labelCounts: {}, labelClass };
}

describe('temporalCutoff', () => {
  it('returns the StartTime after the train share', () => {
    const times = Float64Array.from([9, 1, 8, 2, 7, 3, 6, 4, 5, 10]);
    assert.equal(temporalCutoff(times, 0.7), 8);
    assert.equal(temporalCutoff(times, 0.05), 1);
  });

  it('rejects flows without StartTime', () => {
    assert.throws(() => temporalCutoff(new Float64Array(0), 0.7), /No flow has a StartTime/);
  });
});

describe('TemporalSplit', () => {
  it('routes flows by the cutoff', () => {
    const split = new TemporalSplit(0.7, 100, FIELDS);
    assert.equal(split.accept(flow(99.9, 'a', 'b', 'Botnet')), true);
    assert.equal(split.accept(flow(null, 'a', 'b', 'Botnet')), true);
    assert.equal(split.accept(flow(100, 'a', 'b', 'Botnet')), false);
  });

  it('scores held-out flows, counting unseen as misses', async () => {
    // Tokens 0-1 point one way and are Botnet, tokens 2-3 point the other way and are Normal.
    const vectors = Float32Array.from([1, 0.1, 1, 0.2, -1, 0.1, -1, 0.2]);
    const index = await new VectorIndexRepository().build(vectors, 2, 1);
    const entries = [
      entry('b1|x', 'Botnet'),
      entry('b2|x', 'Botnet'),
      entry('n1|y', 'Normal'),
      entry('n2|y', 'Normal'),
    ];
    const split = new TemporalSplit(0.5, 10, FIELDS);

    // Held out: b1 with 2 botnet flows and 1 normal flow, n1 with 1 botnet flow, and an unseen token with 3 botnet
    // flows and 1 normal flow.
    const heldOut = [
      flow(10, 'b1', 'x', 'flow=From-Botnet-V1'),
      flow(11, 'b1', 'x', 'flow=From-Botnet-V1'),
      flow(12, 'b1', 'x', 'flow=From-Normal-V1'),
      flow(13, 'n1', 'y', 'flow=From-Botnet-V1'),
      flow(14, 'u', 'z', 'flow=From-Botnet-V1'),
      flow(15, 'u', 'z', 'flow=From-Botnet-V1'),
      flow(16, 'u', 'z', 'flow=From-Botnet-V1'),
      flow(17, 'u', 'z', 'flow=From-Normal-V1'),
    ];
    heldOut.forEach((held) => assert.equal(split.accept(held), false));
    split.accept(flow(1, 'b2', 'x', 'flow=From-Botnet-V1'));

    const result = await split.evaluate(entries, index);
    assert.equal(result.trainingFlows, 1);
    assert.equal(result.heldOutFlows, 8);

    // b1 votes Botnet (its nearest neighbour b2 is Botnet and the Normal tokens have negative similarity); n1 votes
    // Normal; u is unseen.
    assert.deepEqual(
      { ...result.byFlows },
      {
        total: 8,
        unseen: 4,
        unseenBotnet: 3,
        truePositives: 2,
        falsePositives: 1,
        falseNegatives: 1 + 3,
        precision: 2 / 3,
        recall: 2 / 6,
        f1: (2 * (2 / 3) * (2 / 6)) / (2 / 3 + 2 / 6),
      },
    );
    assert.deepEqual(
      { ...result.byTokens },
      {
        total: 3,
        unseen: 1,
        unseenBotnet: 1,
        truePositives: 1,
        falsePositives: 0,
        falseNegatives: 2,
        precision: 1,
        recall: 1 / 3,
        f1: (2 * (1 / 3)) / (1 + 1 / 3),
      },
    );
  });
});
