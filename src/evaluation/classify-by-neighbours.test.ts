import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyByNeighbours } from './classify-by-neighbours';

describe('classifyByNeighbours', () => {
  it('lets similarity outweigh head count', () => {
    const result = classifyByNeighbours([
      { labelClass: 'Botnet', similarity: 0.9 },
      { labelClass: 'Normal', similarity: 0.2 },
      { labelClass: 'Normal', similarity: 0.3 },
    ]);

    assert.equal(result?.labelClass, 'Botnet');
    assert.ok(Math.abs((result?.confidence ?? 0) - 0.9 / 1.4) < 1e-12);
  });

  it('ignores negative similarities', () => {
    const result = classifyByNeighbours([
      { labelClass: 'Background', similarity: 0.4 },
      { labelClass: 'Botnet', similarity: -0.9 },
      { labelClass: 'Botnet', similarity: -0.8 },
    ]);

    assert.equal(result?.labelClass, 'Background');
    assert.equal(result?.confidence, 1);
  });

  it('counts heads when no similarity is positive', () => {
    const result = classifyByNeighbours([
      { labelClass: 'Normal', similarity: -0.1 },
      { labelClass: 'Normal', similarity: 0 },
      { labelClass: 'Botnet', similarity: -0.05 },
    ]);

    assert.equal(result?.labelClass, 'Normal');
    assert.ok(Math.abs((result?.confidence ?? 0) - 2 / 3) < 1e-12);
  });

  it('breaks ties in label class order', () => {
    const result = classifyByNeighbours([
      { labelClass: 'Normal', similarity: 0.5 },
      { labelClass: 'Botnet', similarity: 0.5 },
    ]);

    assert.equal(result?.labelClass, 'Botnet');
    assert.equal(result?.confidence, 0.5);
  });

  it('returns null without neighbours', () => {
    assert.equal(classifyByNeighbours([]), null);
  });
});
