import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import {
  CaptureFormatError,
  CaptureLimitError,
  detectCaptureFormat,
  parseCapture,
  parseCaptureBuffer,
  type ParsedFlow,
} from './capture-parser';
import type { CaptureFormat, Flow } from './flow.types';

/** Repository root, from `dist/src/captures` where the compiled test runs. */
const REPO_ROOT = path.resolve(__dirname, '../../..');

function fixture(name: string): Buffer {
  return readFileSync(path.join(REPO_ROOT, 'test/fixtures/captures', name));
}

/** Epoch seconds of a UTC time on 2011-08-16, the day of the fixtures. */
function at(hours: number, minutes: number, seconds: number): number {
  return Date.UTC(2011, 7, 16, hours, minutes, seconds) / 1000;
}

function lines(parsed: ParsedFlow[]): number[] {
  return parsed.map((row) => row.line);
}

/** Streams `data` in chunks of `size` bytes, as an upload arrives. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let start = 0; start < data.length; start += size) {
    chunks.push(data.subarray(start, start + size));
  }

  return Readable.from(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }

  assert.fail('expected the parse to reject');
}

const STANDARD_FLOWS: Flow[] = [
  {
    startTime: at(10, 1, 46) + 0.972101,
    srcAddr: '192.0.2.10',
    sport: '51234',
    dstAddr: '198.51.100.7',
    dport: '443',
    proto: 'tcp',
    state: 'FSPA_FSPA',
    label: 'flow=Background-TCP-Established',
  },
  {
    startTime: at(10, 1, 47),
    srcAddr: '192.0.2.66',
    sport: '40001',
    dstAddr: '203.0.113.53',
    dport: '53',
    proto: 'udp',
    state: 'CON',
    label: 'flow=From-Botnet-V99-UDP-DNS',
  },
  {
    startTime: at(10, 1, 48) + 0.5,
    srcAddr: '192.0.2.20',
    sport: '8',
    dstAddr: '198.51.100.1',
    dport: '771',
    proto: 'icmp',
    state: 'ECO',
    label: 'flow=Background',
  },
  {
    startTime: at(10, 2, 0) + 0.25,
    srcAddr: '192.0.2.30',
    sport: '',
    dstAddr: '192.0.2.1',
    dport: '',
    proto: 'arp',
    state: 'INT',
    label: 'flow=Background',
  },
  {
    startTime: at(10, 2, 1) + 0.000001,
    srcAddr: 'fe80::1',
    sport: '135',
    dstAddr: '2001:db8::a:1',
    dport: '0',
    proto: 'ipv6-icmp',
    state: 'INT',
    label: 'flow=Background',
  },
  {
    startTime: at(10, 3, 10) + 0.123456,
    srcAddr: '192.0.2.40',
    sport: '60000',
    dstAddr: '198.51.100.80',
    dport: '80',
    proto: 'tcp',
    state: 'SRPA_SPA',
    label: 'flow=Normal-V99-HTTP',
  },
  {
    startTime: at(10, 4, 0),
    srcAddr: '192.0.2.50',
    sport: '',
    dstAddr: '198.51.100.90',
    dport: '538990973',
    proto: 'esp',
    state: 'INT',
    label: 'flow=Background',
  },
  {
    startTime: at(10, 5, 59) + 0.999999,
    srcAddr: '2001:db8::5',
    sport: '443',
    dstAddr: '2001:db8:ffff::6',
    dport: '50000',
    proto: 'tcp',
    state: 'PA_PA',
    label: 'flow=Background',
  },
];

describe('parseCapture on binetflow', () => {
  it('reads every field of a standard Argus file', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('argus-standard.binetflow'));

    assert.deepEqual(
      flows.map((row) => row.flow),
      STANDARD_FLOWS,
    );
    assert.deepEqual(lines(flows), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(summary.format, 'binetflow');
    assert.equal(summary.flows, 8);
    assert.equal(summary.rejected, 0);
    assert.deepEqual(summary.rejectedRows, []);
    assert.deepEqual(summary.labelClassCounts, { Botnet: 1, Normal: 1, Background: 6 });
    assert.deepEqual(summary.protocolCounts, { tcp: 3, udp: 1, icmp: 1, arp: 1, 'ipv6-icmp': 1, esp: 1 });
    assert.equal(summary.firstStartTime, at(10, 1, 46) + 0.972101);
    assert.equal(summary.lastStartTime, at(10, 5, 59) + 0.999999);
    assert.equal(summary.decompressedBytes, fixture('argus-standard.binetflow').length);
  });

  it('reads reordered, padded and partial columns', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('argus-reordered.binetflow'));

    assert.deepEqual(
      flows.map((row) => row.flow),
      [
        {
          startTime: null,
          srcAddr: '192.0.2.66',
          sport: '',
          dstAddr: '203.0.113.53',
          dport: '53',
          proto: 'udp',
          state: '',
          label: 'flow=From-Botnet-V99-UDP-DNS',
        },
        {
          startTime: null,
          srcAddr: '192.0.2.40',
          sport: '',
          dstAddr: '198.51.100.80',
          dport: '80',
          proto: 'tcp',
          state: '',
          label: 'flow=Normal-V99-HTTP',
        },
        {
          startTime: null,
          srcAddr: '192.0.2.20',
          sport: '',
          dstAddr: '198.51.100.1',
          dport: '771',
          proto: 'icmp',
          state: '',
          label: 'flow=Background',
        },
      ],
    );
    assert.equal(summary.firstStartTime, null);
    assert.equal(summary.lastStartTime, null);
  });

  it('reads quoted fields and re-saved numbers', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('argus-resaved.csv'));

    assert.equal(summary.rejected, 0);
    assert.deepEqual(
      flows.map((row) => row.flow),
      [
        {
          startTime: at(10, 1, 46) + 0.972101,
          srcAddr: '192.0.2.10',
          sport: '51234',
          dstAddr: '198.51.100.7',
          dport: '443',
          proto: 'tcp',
          state: 'FSPA_FSPA',
          label: 'flow=Background-TCP-Established',
        },
        {
          startTime: at(10, 1, 47),
          srcAddr: '192.0.2.66',
          sport: '40001',
          dstAddr: '203.0.113.53',
          dport: '53',
          proto: 'udp',
          state: 'CON',
          label: 'flow=From-Botnet-V99-UDP-DNS, copied',
        },
        {
          startTime: 1313488910.25,
          srcAddr: '192.0.2.40',
          sport: '80',
          dstAddr: '198.51.100.80',
          dport: '80',
          proto: 'tcp',
          state: 'SRPA_SPA',
          label: 'flow=Normal-V99-"HTTP"',
        },
        {
          startTime: at(10, 1, 50) + 0.5,
          srcAddr: '192.0.2.70',
          sport: '5353',
          dstAddr: '198.51.100.251',
          dport: '5353',
          proto: 'udp',
          state: 'INT',
          label: 'flow=Background-mDNS',
        },
      ],
    );
    assert.deepEqual(summary.labelClassCounts, { Botnet: 1, Normal: 1, Background: 2 });
  });

  it('reads CRLF line ends and a byte order mark', async () => {
    const text = fixture('argus-standard.binetflow').toString('utf8').replace(/\n/g, '\r\n');
    const { summary, flows } = await parseCaptureBuffer(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    );

    assert.deepEqual(
      flows.map((row) => row.flow),
      STANDARD_FLOWS,
    );
    assert.deepEqual(lines(flows), [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(summary.rejected, 0);
  });

  it('reads a file whose last line has no line end', async () => {
    const text = fixture('argus-standard.binetflow').toString('utf8').trimEnd();
    const { flows } = await parseCaptureBuffer(text);

    assert.deepEqual(
      flows.map((row) => row.flow),
      STANDARD_FLOWS,
    );
  });

  it('reads a file split into one-byte chunks', async () => {
    const data = Buffer.from(`\ufeff${fixture('argus-standard.binetflow').toString('utf8')}`.replace(/\n/g, '\r\n'));
    const flows: Flow[] = [];
    const summary = await parseCapture(chunked(data, 1), (flow) => flows.push(flow));

    assert.deepEqual(flows, STANDARD_FLOWS);
    assert.equal(summary.decompressedBytes, data.length);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const label = 'flow=Normal-V99-café→ü';
    const data = Buffer.from(`SrcAddr,DstAddr,Dport,Proto,Label\n192.0.2.1,192.0.2.2,80,tcp,${label}\n`);
    const flows: Flow[] = [];
    await parseCapture(chunked(data, 1), (flow) => flows.push(flow));

    assert.equal(flows.length, 1);
    assert.equal(flows[0].label, label);
  });

  it('counts and records rejected rows by line', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('argus-bad-rows.binetflow'));

    assert.deepEqual(lines(flows), [2, 11]);
    assert.equal(summary.flows, 2);
    assert.equal(summary.rejected, 7);
    assert.deepEqual(summary.rejectedRows, [
      { line: 3, reason: 'expected 9 fields as in the header, found 8' },
      { line: 4, reason: 'invalid Dport "http"' },
      { line: 5, reason: 'missing SrcAddr' },
      { line: 6, reason: 'invalid StartTime "2011/08/16 25:01:50.000000"' },
      { line: 7, reason: 'unterminated quoted field' },
      { line: 8, reason: 'invalid Dport "99999999999"' },
      { line: 9, reason: 'invalid Sport "0x1ffffffff"' },
    ]);
  });

  it('skips copies of the header inside the file', async () => {
    const text = fixture('argus-standard.binetflow').toString('utf8');
    const { summary, flows } = await parseCaptureBuffer(text + text);

    assert.equal(summary.flows, 16);
    assert.equal(summary.rejected, 0);
    assert.deepEqual(lines(flows).slice(7, 9), [9, 11]);
  });

  it('reads a stream of text chunks', async () => {
    const text = fixture('argus-standard.binetflow').toString('utf8');
    const flows: Flow[] = [];
    await parseCapture(Readable.from(text.match(/[^]{1,50}/g) ?? []), (flow) => flows.push(flow));

    assert.deepEqual(flows, STANDARD_FLOWS);
  });

  it('records only the first 20 rejected rows', async () => {
    const header = 'SrcAddr,DstAddr,Dport,Proto\n';
    const bad = Array.from({ length: 30 }, () => '192.0.2.1,192.0.2.2,bad,tcp\n').join('');
    const { summary } = await parseCaptureBuffer(`${header}${bad}192.0.2.1,192.0.2.2,80,tcp\n`);

    assert.equal(summary.flows, 1);
    assert.equal(summary.rejected, 30);
    assert.equal(summary.rejectedRows.length, 20);
    assert.deepEqual(summary.rejectedRows[19], { line: 21, reason: 'invalid Dport "bad"' });
  });

  it('rejects a header without the required columns', async () => {
    const error = await rejection(
      parseCaptureBuffer('StartTime,Proto,SrcAddr,Sport\n2011/08/16 10:01:46,tcp,192.0.2.1,80\n'),
    );

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'MISSING_COLUMNS');
    assert.match(error.message, /missing the column\(s\) DstAddr, Dport/);
    assert.match(error.message, /SrcAddr, DstAddr, Dport, Proto/);
  });

  it('rejects a file whose rows are all invalid', async () => {
    const error = await rejection(parseCaptureBuffer('SrcAddr,DstAddr,Dport,Proto\n192.0.2.1,192.0.2.2,80\n'));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'NO_FLOWS');
    assert.match(error.message, /line 2 \(expected 4 fields as in the header, found 3\)/);
  });

  it('rejects a header without rows', async () => {
    const error = await rejection(parseCaptureBuffer('SrcAddr,DstAddr,Dport,Proto\n'));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'NO_FLOWS');
  });
});

describe('parseCapture on Zeek conn.log', () => {
  it('reads TSV with directives', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('zeek-conn.log'));

    assert.equal(summary.format, 'zeek-tsv');
    assert.deepEqual(lines(flows), [9, 10, 11, 13]);
    assert.deepEqual(
      flows.map((row) => row.flow),
      [
        {
          startTime: 1313488906.972101,
          srcAddr: '192.0.2.10',
          sport: '51234',
          dstAddr: '198.51.100.7',
          dport: '443',
          proto: 'tcp',
          state: 'SF',
          label: null,
        },
        {
          startTime: 1313488907,
          srcAddr: '192.0.2.66',
          sport: '40001',
          dstAddr: '203.0.113.53',
          dport: '53',
          proto: 'udp',
          state: 'SF',
          label: null,
        },
        {
          startTime: 1313488908.5,
          srcAddr: '192.0.2.20',
          sport: '8',
          dstAddr: '198.51.100.1',
          dport: '0',
          proto: 'icmp',
          state: 'OTH',
          label: null,
        },
        {
          startTime: null,
          srcAddr: '192.0.2.30',
          sport: '',
          dstAddr: '192.0.2.1',
          dport: '',
          proto: 'unknown_transport',
          state: '',
          label: null,
        },
      ],
    );
    assert.deepEqual(summary.rejectedRows, [{ line: 12, reason: 'expected 20 fields as in #fields, found 19' }]);
    assert.deepEqual(summary.labelClassCounts, { Botnet: 0, Normal: 0, Background: 4 });
  });

  it('reads JSON lines, flat and nested', async () => {
    const { summary, flows } = await parseCaptureBuffer(fixture('zeek-conn.json'));

    assert.equal(summary.format, 'zeek-json');
    assert.deepEqual(
      flows.map((row) => row.flow),
      [
        {
          startTime: 1313488906.972101,
          srcAddr: '192.0.2.10',
          sport: '51234',
          dstAddr: '198.51.100.7',
          dport: '443',
          proto: 'tcp',
          state: 'SF',
          label: null,
        },
        {
          startTime: at(10, 1, 47),
          srcAddr: '192.0.2.66',
          sport: '40001',
          dstAddr: '203.0.113.53',
          dport: '53',
          proto: 'udp',
          state: 'SF',
          label: null,
        },
        {
          startTime: 1313488908.5,
          srcAddr: '2001:db8::5',
          sport: '8',
          dstAddr: '2001:db8:ffff::6',
          dport: '0',
          proto: 'icmp',
          state: '',
          label: null,
        },
      ],
    );
    assert.deepEqual(summary.rejectedRows, [
      { line: 4, reason: 'invalid JSON' },
      { line: 5, reason: 'missing id.resp_h' },
    ]);
  });

  it('rejects a TSV row before the #fields line', async () => {
    const error = await rejection(parseCaptureBuffer('#separator \\x09\n1313488906.9\t192.0.2.1\n'));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'UNRECOGNISED_FORMAT');
  });

  it('rejects a #fields line without the required fields', async () => {
    const error = await rejection(parseCaptureBuffer('#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\n'));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'MISSING_COLUMNS');
    assert.match(error.message, /missing id\.resp_p, proto/);
  });
});

describe('parseCapture format detection', () => {
  it('rejects text that is no capture', async () => {
    const error = await rejection(parseCaptureBuffer('hello world\nsecond line\n'));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'UNRECOGNISED_FORMAT');
    assert.match(error.message, /"hello world"/);
    assert.match(error.message, /SrcAddr, DstAddr, Dport, Proto/);
  });

  it('rejects an empty capture', async () => {
    const error = await rejection(parseCaptureBuffer(''));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'UNRECOGNISED_FORMAT');
  });

  it('uses an explicit format over detection', async () => {
    const error = await rejection(parseCaptureBuffer(fixture('argus-standard.binetflow'), { format: 'zeek-json' }));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'NO_FLOWS');
    assert.match(error.message, /9 row\(s\) rejected, the first at line 1 \(invalid JSON\)/);
  });

  it('detects each format from its first line', () => {
    assert.equal(detectCaptureFormat(' StartTime ,Proto,SrcAddr'), 'binetflow');
    assert.equal(detectCaptureFormat('"SrcAddr","DstAddr"'), 'binetflow');
    assert.equal(detectCaptureFormat('#separator \\x09'), 'zeek-tsv');
    assert.equal(detectCaptureFormat('{"ts":1}'), 'zeek-json');
    assert.equal(detectCaptureFormat('a,b,c'), null);
    assert.equal(detectCaptureFormat('SrcAddr DstAddr'), null);
  });
});

describe('parseCapture on gzip', () => {
  it('reads a gzip capture like the plain one', async () => {
    const plain = fixture('argus-standard.binetflow');
    const { summary, flows } = await parseCaptureBuffer(gzipSync(plain));

    assert.deepEqual(
      flows.map((row) => row.flow),
      STANDARD_FLOWS,
    );
    assert.equal(summary.decompressedBytes, plain.length);
  });

  it('reads every member of a multi-member gzip', async () => {
    const text = fixture('argus-standard.binetflow').toString('utf8');
    const cut = text.indexOf('\n', text.length / 2) + 1;
    const data = Buffer.concat([gzipSync(text.slice(0, cut)), gzipSync(text.slice(cut))]);
    const flows: Flow[] = [];
    await parseCapture(chunked(data, 7), (flow) => flows.push(flow));

    assert.deepEqual(flows, STANDARD_FLOWS);
  });

  it('rejects truncated gzip', async () => {
    const data = gzipSync(fixture('argus-standard.binetflow'));
    const error = await rejection(parseCaptureBuffer(data.subarray(0, data.length - 12)));

    assert.ok(error instanceof CaptureFormatError);
    assert.equal(error.code, 'INVALID_GZIP');
  });

  it('stops an endless gzip bomb early', { timeout: 10_000 }, async () => {
    const row = '192.0.2.1,192.0.2.2,80,tcp\n';
    const member = gzipSync(row.repeat(40_000));
    async function* bomb(): AsyncGenerator<Buffer> {
      yield gzipSync('SrcAddr,DstAddr,Dport,Proto\n');
      for (;;) {
        yield member;
      }
    }

    let flows = 0;
    const error = await rejection(parseCapture(bomb(), () => flows++));

    assert.ok(error instanceof CaptureLimitError);
    assert.equal(error.code, 'DECOMPRESSION_RATIO');
    assert.ok(error.decompressedBytes < 8 * 1024 * 1024, `stopped after ${error.decompressedBytes} bytes`);
    assert.ok(flows > 0);
  });

  it('accepts a highly compressed capture below the ratio limit', async () => {
    const row = '192.0.2.1,192.0.2.2,80,tcp\n';
    const data = gzipSync(`SrcAddr,DstAddr,Dport,Proto\n${row.repeat(100_000)}`);
    const { summary } = await parseCaptureBuffer(data, { maxDecompressionRatio: 10_000 });

    assert.equal(summary.flows, 100_000);
  });
});

describe('parseCapture limits and failures', () => {
  it('rejects a line longer than maxLineLength', async () => {
    const error = await rejection(
      parseCaptureBuffer(`SrcAddr,DstAddr,Dport,Proto\n${'x'.repeat(2000)}\n`, { maxLineLength: 1000 }),
    );

    assert.ok(error instanceof CaptureLimitError);
    assert.equal(error.code, 'LINE_TOO_LONG');
    assert.equal(error.line, 2);
  });

  it('stops an endless line early', { timeout: 10_000 }, async () => {
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.from('SrcAddr,DstAddr,Dport,Proto\n');
      const filler = Buffer.alloc(4096, 'x');
      for (;;) {
        yield filler;
      }
    }

    const error = await rejection(parseCapture(endless(), () => undefined, { maxLineLength: 100_000 }));

    assert.ok(error instanceof CaptureLimitError);
    assert.equal(error.code, 'LINE_TOO_LONG');
    assert.equal(error.line, 2);
    assert.ok(error.decompressedBytes < 200_000);
  });

  it('accepts a line of exactly maxLineLength', async () => {
    const header = 'SrcAddr,DstAddr,Dport,Proto';
    const row = '192.0.2.1,192.0.2.2,80,tcp';
    const crlf = `${header}\r\n${row}\r\n${row}`;
    const summary = await parseCapture(chunked(Buffer.from(crlf), header.length + 1), () => undefined, {
      maxLineLength: header.length,
    });

    assert.equal(summary.flows, 2);
  });

  it('rejects invalid options', async () => {
    const data = fixture('argus-standard.binetflow');
    const invalid = [{ maxLineLength: 0 }, { maxLineLength: 1.5 }, { maxDecompressionRatio: Number.NaN }];

    for (const options of invalid) {
      await assert.rejects(parseCaptureBuffer(data, options), RangeError, JSON.stringify(options));
    }

    await assert.rejects(parseCaptureBuffer(data, { format: 'csv' as CaptureFormat }), /Invalid capture format "csv"/);
  });

  it('waits for an async onFlow per chunk', async () => {
    const data = fixture('argus-standard.binetflow');
    const started: number[] = [];
    const finished: number[] = [];
    const summary = await parseCapture(chunked(data, 300), async (_flow, line) => {
      started.push(line);
      await new Promise<void>((resolve) => setImmediate(resolve));
      finished.push(line);
    });

    assert.equal(summary.flows, 8);
    assert.deepEqual(started, [2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(finished, started);
  });

  it('passes on a rejection of an async onFlow', async () => {
    const failure = new Error('database unavailable');
    const error = await rejection(
      parseCapture(chunked(fixture('argus-standard.binetflow'), 300), async (_flow, line) => {
        if (line === 5) {
          throw failure;
        }
      }),
    );

    assert.equal(error, failure);
  });

  it('leaves no unhandled rejection after a failure', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);

    try {
      const text = `SrcAddr,DstAddr,Dport,Proto\n192.0.2.1,192.0.2.2,80,tcp\n${'x'.repeat(200)}\n`;
      const source = Readable.from([Buffer.from(text)]);
      const error = await rejection(
        parseCapture(source, () => Promise.reject(new Error('late')), { maxLineLength: 100 }),
      );
      await new Promise<void>((resolve) => setImmediate(resolve));

      assert.ok(error instanceof CaptureLimitError);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('passes on an error of the source', async () => {
    const failure = new Error('upload aborted');
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('SrcAddr,DstAddr,Dport,Proto\n192.0.2.1,192.0.2.2,80,tcp\n');
      throw failure;
    }

    assert.equal(await rejection(parseCapture(failing(), () => undefined)), failure);
  });

  for (const [kind, data] of [
    ['plain', fixture('argus-standard.binetflow')],
    ['gzip', gzipSync(fixture('argus-standard.binetflow'))],
  ] as const) {
    it(`passes on an onFlow error and destroys the ${kind} source`, async () => {
      const failure = new Error('store full');
      const source = chunked(data, 64);
      const error = await rejection(
        parseCapture(source, () => {
          throw failure;
        }),
      );

      assert.equal(error, failure);
      assert.equal(source.destroyed, true);
    });
  }
});
