import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MODEL_DEFINITION, toModelDefinition } from './model-settings.dto';

describe('toModelDefinition', () => {
  it('fills defaults', () => {
    assert.deepEqual(toModelDefinition({}), DEFAULT_MODEL_DEFINITION);
  });

  it('retraining keeps unnamed settings of the base', () => {
    const base = toModelDefinition({
      sentences: { mode: 'host', length: 50, seconds: 120 },
      trainer: { epochs: 2, minCount: 3 },
      includeLabel: true,
    });
    const next = toModelDefinition({ trainer: { seed: 9 } }, base);

    assert.deepEqual(next.sentences, { mode: 'host', length: 50, seconds: 120 });
    assert.equal(next.trainer.epochs, 2);
    assert.equal(next.trainer.seed, 9);
    assert.equal(next.vocabulary.minCount, 3);
    assert.equal(next.includeLabel, true);
  });

  it('a changed mode starts from mode defaults', () => {
    const base = toModelDefinition({ sentences: { mode: 'host', length: 50, seconds: 120 } });
    const next = toModelDefinition({ sentences: { mode: 'time' } }, base);

    assert.deepEqual(next.sentences, { mode: 'time', length: 30, seconds: 60 });
  });
});
