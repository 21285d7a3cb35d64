import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LABEL_CLASSES, LabelClass } from '../captures/label-class';
import { labelAgreementAt } from './label-agreement';
import { ExactCosineNeighbourLookup } from './neighbour-lookup';

const DIM = 4;
const TOKENS = 30;
const CLASS_OF: LabelClass[] = Array.from({ length: TOKENS }, (_, token) => LABEL_CLASSES[token % 3]);
const COUNTS = Array.from({ length: TOKENS }, (_, token) => 1 + (token % 4));

/** Vectors whose direction depends partly on the class, so that agreement lies strictly between 0 and 1. */
function makeVectors(): Float32Array {
  let state = 12345;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296 - 0.5;
  };

  return Float32Array.from({ length: TOKENS * DIM }, (_, i) => {
    const token = Math.floor(i / DIM);
    return random() + (i % DIM === token % 3 ? 0.6 : 0);
  });
}

/** Lists the k most cosine-similar other tokens of each token, by a full sort. */
function bruteForceNeighbours(vectors: Float32Array, k: number): number[][] {
  const row = (i: number) => Array.from(vectors.subarray(i * DIM, (i + 1) * DIM));
  const cosine = (a: number[], b: number[]) =>
    a.reduce((sum, x, j) => sum + x * b[j], 0) / (Math.hypot(...a) * Math.hypot(...b));

  return Array.from({ length: TOKENS }, (_, token) =>
    Array.from({ length: TOKENS }, (_, other) => other)
      .filter((other) => other !== token)
      .sort((a, b) => cosine(row(token), row(b)) - cosine(row(token), row(a)) || a - b)
      .slice(0, k),
  );
}

describe('labelAgreementAt', () => {
  const vectors = makeVectors();
  const lookup = new ExactCosineNeighbourLookup(vectors, DIM);
  const neighbours = bruteForceNeighbours(vectors, 10);

  it('matches a brute-force mean per class', () => {
    const result = labelAgreementAt(lookup, { labelClassOf: (token) => CLASS_OF[token] }, 10);

    for (const labelClass of LABEL_CLASSES) {
      const members = CLASS_OF.flatMap((c, token) => (c === labelClass ? [token] : []));
      const shares = members.map((token) => neighbours[token].filter((o) => CLASS_OF[o] === labelClass).length / 10);
      const expected = shares.reduce((a, b) => a + b, 0) / members.length;

      assert.equal(result[labelClass].tokens, 10);
      assert.ok(Math.abs((result[labelClass].agreement ?? NaN) - expected) < 1e-12, `${labelClass}`);
      assert.ok(expected > 0, `fixture gives ${labelClass} agreement ${expected}`);
      assert.ok(expected < 1, `fixture gives ${labelClass} agreement ${expected}`);
    }
  });

  it('weights tokens by their counts', () => {
    const result = labelAgreementAt(lookup, { labelClassOf: (token) => CLASS_OF[token], counts: COUNTS }, 10);

    for (const labelClass of LABEL_CLASSES) {
      let weighted = 0;
      let weight = 0;
      CLASS_OF.forEach((c, token) => {
        if (c === labelClass) {
          weighted += (COUNTS[token] * neighbours[token].filter((o) => CLASS_OF[o] === labelClass).length) / 10;
          weight += COUNTS[token];
        }
      });

      assert.equal(result[labelClass].weight, weight);
      assert.ok(Math.abs((result[labelClass].agreement ?? NaN) - weighted / weight) < 1e-12, `${labelClass}`);
    }
  });

  it('reports null for a class without tokens', () => {
    const result = labelAgreementAt(lookup, { labelClassOf: (token) => (token % 2 ? 'Botnet' : 'Normal') }, 5);

    assert.equal(result.Background.tokens, 0);
    assert.equal(result.Background.agreement, null);
  });
});
