import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { splitQuotedCsvLine } from './binetflow-csv';
import { normalizePort, parseStartTime } from './capture-parse-fields';

describe('normalizePort', () => {
  const cases: [string, string | null][] = [
    ['80', '80'],
    ['0', '0'],
    ['65535', '65535'],
    ['080', '80'],
    ['', ''],
    ['0x0303', '771'],
    ['0x0008', '8'],
    ['0X00ff', '255'],
    ['0x2020597d', '538990973'],
    ['0xffffffff', '4294967295'],
    ['80.0', '80'],
    ['443.000', '443'],
    ['53.', '53'],
    ['4294967295', '4294967295'],
    ['4294967296', null],
    ['0x100000000', null],
    ['80.5', null],
    ['http', null],
    ['0x', null],
    ['0xzz', null],
    ['-1', null],
    ['.0', null],
    [' 80', null],
  ];

  for (const [raw, expected] of cases) {
    it(`reads ${JSON.stringify(raw)}`, () => {
      assert.equal(normalizePort(raw), expected);
    });
  }
});

describe('parseStartTime', () => {
  const base = Date.UTC(2011, 7, 16, 10, 1, 46) / 1000;
  const cases: [string, number][] = [
    ['2011/08/16 10:01:46.972101', base + 0.972101],
    ['2011/08/16 10:01:46', base],
    ['2011/08/16 10:01:46.5', base + 0.5],
    ['2011-08-16 10:01:46.972101', base + 0.972101],
    ['2011-08-16T10:01:46.972101Z', base + 0.972101],
    ['2011-08-16T12:01:46+02:00', base],
    ['2011-08-16T05:01:46-0500', base],
    ['2011/08/16 10:01:46.1234567890123456789', base + 0.1234567890123456789],
    ['1313488906.972101', 1313488906.972101],
    ['1313488906', 1313488906],
    ['2012/02/29 00:00:00', Date.UTC(2012, 1, 29) / 1000],
  ];

  for (const [raw, expected] of cases) {
    it(`reads ${JSON.stringify(raw)}`, () => {
      assert.equal(parseStartTime(raw), expected);
    });
  }

  it('reads rows that alternate between dates', () => {
    assert.equal(parseStartTime('2011/08/16 10:01:46'), base);
    assert.equal(parseStartTime('2011/08/17 10:01:46'), base + 86400);
    assert.equal(parseStartTime('2011/08/16 10:01:46.25'), base + 0.25);
  });

  const invalid = [
    'yesterday',
    '2011/08/16',
    '2011/13/16 10:01:46',
    '2011/08/32 10:01:46',
    '2011/08/16 24:00:00',
    '2011/08/16 10:61:46',
    '2011/08/16 10:01:46.',
    '2011/08/16 10:01:46.5x',
    '2011/08/16 10:01:46+2',
    '2011/08-16 10:01:46',
    '2011/08/16_10:01:46',
    '-1313488906',
  ];

  for (const raw of invalid) {
    it(`rejects ${JSON.stringify(raw)}`, () => {
      assert.ok(Number.isNaN(parseStartTime(raw)));
    });
  }
});

describe('splitQuotedCsvLine', () => {
  const cases: [string, string[] | null][] = [
    ['"a","b"', ['a', 'b']],
    ['"a,b",c', ['a,b', 'c']],
    ['a,"b ""q"" c",d', ['a', 'b "q" c', 'd']],
    ['"",x,""', ['', 'x', '']],
    ['a,b"c,d', ['a', 'b"c', 'd']],
    ['"a"tail,b', ['atail', 'b']],
    ['a,"b', null],
    ['"a""', null],
    ['a,', ['a', '']],
  ];

  for (const [line, expected] of cases) {
    it(`splits ${JSON.stringify(line)}`, () => {
      assert.deepEqual(splitQuotedCsvLine(line), expected);
    });
  }
});
