import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEntry, formatHeader, Word2VecFormat, Word2VecFormatError, Word2VecReader } from './word2vec-format';

const TOKENS = ['147.32.84.165|147.32.80.9|53|udp', '10.0.0.1|10.0.0.2|80|tcp', 'ü|x'];
const VECTORS = [
  new Float32Array([0.1, -2.5e-8, 3.4028234e38]),
  new Float32Array([1, 0, -1]),
  new Float32Array([Math.fround(Math.PI), -0, 1e-3]),
];

function write(format: Word2VecFormat, withNewlines = true): Buffer {
  const parts: Buffer[] = [Buffer.from(formatHeader(TOKENS.length, 3))];
  TOKENS.forEach((token, i) => {
    const entry = formatEntry(format, token, VECTORS[i]);
    parts.push(withNewlines ? entry : entry.subarray(0, entry.length - 1));
  });
  return Buffer.concat(parts);
}

function read(bytes: Buffer, format?: Word2VecFormat, chunkSize = 7) {
  const entries: { token: string; vector: number[] }[] = [];
  const reader = new Word2VecReader(
    format,
    () => undefined,
    (token, vector) => entries.push({ token, vector: [...vector] }),
  );
  for (let start = 0; start < bytes.length; start += chunkSize) {
    reader.push(bytes.subarray(start, start + chunkSize));
  }
  const header = reader.end();
  return { header, entries };
}

describe('word2vec format', () => {
  for (const format of ['text', 'binary'] as const) {
    it(`${format} round trip keeps every float32`, () => {
      const { header, entries } = read(write(format));
      assert.deepEqual(header, { vocabularySize: 3, vectorSize: 3 });
      assert.deepEqual(
        entries.map((entry) => entry.token),
        TOKENS,
      );
      entries.forEach((entry, i) => assert.deepEqual(entry.vector, [...VECTORS[i]]));
    });
  }

  it('binary without newlines is read (gensim 4 style)', () => {
    const { entries } = read(write('binary', false), 'binary');
    assert.deepEqual(
      entries.map((entry) => entry.token),
      TOKENS,
    );
    assert.deepEqual(entries[2].vector, [...VECTORS[2]]);
  });

  it('text entries have the header vector size', () => {
    const bytes = Buffer.from('2 3\na 1 2 3\nb 1 2\n');
    assert.throws(() => read(bytes), /Entry 2 \("b"\) has 2 values; the header announces 3/);
  });

  it('missing entries are rejected', () => {
    const bytes = Buffer.from('3 2\na 1 2\nb 1 2\n');
    assert.throws(() => read(bytes), /announces 3 tokens but the file contains 2/);
  });

  it('a file without a header is rejected', () => {
    assert.throws(() => read(Buffer.from('a 1 2\n')), Word2VecFormatError);
  });

  it('text values are written in shortest form', () => {
    assert.equal(formatEntry('text', 't', new Float32Array([0.1, 1, -0.5])).toString(), 't 0.1 1 -0.5\n');
  });
});
