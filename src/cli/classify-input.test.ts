import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binetflowBatches, parseFlowFlag } from './classify-input';

const HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,Label';

function row(i: number): string {
  return `2011/08/16 10:00:${String(i % 60).padStart(2, '0')}.0,0.1,udp,10.0.0.${i % 250},4000,  <->,192.0.2.1,53,CON,x`;
}

async function* linesOf(lines: string[]): AsyncGenerator<string> {
  yield* lines;
}

async function batchesOf(lines: string[], maxRows: number, maxBytes: number): Promise<string[]> {
  const batches: string[] = [];
  for await (const batch of binetflowBatches(linesOf(lines), maxRows, maxBytes)) {
    batches.push(batch);
  }
  return batches;
}

test('batches split by row count', async () => {
  const rows = Array.from({ length: 2500 }, (_, i) => row(i));

  const batches = await batchesOf([HEADER, ...rows], 1000, 1_000_000);

  assert.deepEqual(
    batches.map((batch) => batch.trimEnd().split('\n').length - 1),
    [1000, 1000, 500],
  );
  assert.ok(batches.every((batch) => batch.startsWith(`${HEADER}\n`)));
  assert.deepEqual(
    batches.flatMap((batch) => batch.trimEnd().split('\n').slice(1)),
    rows,
  );
});

test('batches split by byte size', async () => {
  const rows = Array.from({ length: 50 }, (_, i) => row(i));
  const maxBytes = HEADER.length + 1 + 10 * (row(0).length + 1);

  const batches = await batchesOf([HEADER, ...rows], 1000, maxBytes);

  assert.ok(batches.length >= 5);
  assert.ok(batches.every((batch) => Buffer.byteLength(batch) <= maxBytes));
  assert.deepEqual(
    batches.flatMap((batch) => batch.trimEnd().split('\n').slice(1)),
    rows,
  );
});

test('batches skip blank lines', async () => {
  const batches = await batchesOf(['', HEADER, row(1), '  ', row(2), ''], 1000, 1_000_000);

  assert.deepEqual(batches, [`${HEADER}\n${row(1)}\n${row(2)}\n`]);
});

test('batches of header only are empty', async () => {
  assert.deepEqual(await batchesOf([HEADER], 1000, 1_000_000), []);
});

test('batches reject an oversized line', async () => {
  await assert.rejects(batchesOf([HEADER, 'x'.repeat(200)], 1000, 100), /Line 2 is longer than 100 bytes/);
});

test('flow flag parses named fields', () => {
  const flows = parseFlowFlag('SrcAddr=10.0.0.1, dstaddr=192.0.2.1,Dport=53,proto=udp', []);

  assert.deepEqual(flows, [{ srcAddr: '10.0.0.1', dstAddr: '192.0.2.1', dport: '53', proto: 'udp' }]);
});

test('flow flag appends to earlier flows', () => {
  const first = parseFlowFlag('srcAddr=a,dstAddr=b,proto=tcp', []);

  assert.equal(parseFlowFlag('srcAddr=c,dstAddr=d,proto=udp,state=CON', first).length, 2);
});

test('flow flag rejects unknown and missing fields', () => {
  assert.throws(() => parseFlowFlag('srcAddr=a,dstAddr=b,proto=tcp,colour=red', []), /"colour=red" is not NAME=VALUE/);
  assert.throws(() => parseFlowFlag('srcAddr=a,dport=53', []), /missing dstAddr, proto/);
});
