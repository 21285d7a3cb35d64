import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { CaptureParseSummary } from '../captures/capture-parse-summary';
import type { LabelClass } from '../captures/label-class';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import { CaptureClassificationInput, classifyCaptureAsCsv, FlowClassification } from './capture-classification';

const HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';
const TOKENS = ['10.0.0.1|192.0.2.1|53|udp', '10.0.0.2|192.0.2.1|53|udp', '10.0.0.3|192.0.2.1|53|udp'];
const OTHER_TOKENS = ['10.9.0.1|198.51.100.1|443|tcp', '10.9.0.2|198.51.100.1|443|tcp'];
/** Two-dimensional vectors of tokens 0-4. Tokens 0-2 point one way and 3-4 roughly the other. */
const VECTORS = Float32Array.from([1, 0.1, 0.9, 0.2, 0.95, 0.15, -0.1, 1, 0.1, 0.9]);
const LABEL_CLASSES: LabelClass[] = ['Botnet', 'Botnet', 'Normal', 'Background', 'Background'];

/** Cosine similarity of tokens `a` and `b`, computed here without the index. */
function cosine(a: number, b: number): number {
  const [ax, ay, bx, by] = [VECTORS[2 * a], VECTORS[2 * a + 1], VECTORS[2 * b], VECTORS[2 * b + 1]];
  return (ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by));
}

function row(token: string, label: string): string {
  const [src, dst, dport, proto] = token.split('|');
  return `2011/08/16 10:00:00.000000,0.1,${proto},${src},1234,  <->,${dst},${dport},CON,0,0,2,200,100,${label}`;
}

async function classificationInput(
  source: AsyncIterable<string>,
  overrides: Partial<CaptureClassificationInput> = {},
): Promise<CaptureClassificationInput> {
  const index = await new VectorIndexRepository().build(VECTORS, 2, 1);
  const vocabulary = [...TOKENS, ...OTHER_TOKENS];
  return {
    source,
    format: 'binetflow',
    tokenFields: ['srcAddr', 'dstAddr', 'dport', 'proto'],
    idOf: new Map(vocabulary.map((token, id) => [token, id])),
    labelClassOf: (tokenId) => LABEL_CLASSES[tokenId],
    index,
    k: 2,
    ...overrides,
  };
}

describe('classifyCaptureAsCsv', () => {
  it('writes one row per flow', async () => {
    const flows: FlowClassification[] = [];
    let summary: CaptureParseSummary | undefined;
    const capture = [
      HEADER,
      row(TOKENS[0], 'flow=From-Botnet-1'),
      row('10.7.7.7|203.0.113.9|9|udp', '"flow=odd,label"'),
      '2011/08/16 10:00:01.000000,not-a-number',
      row(TOKENS[0], 'flow=again'),
      row(OTHER_TOKENS[0], 'flow=Background'),
    ].join('\n');
    const input = await classificationInput(Readable.from([capture]), {
      onFlow: (flow) => flows.push(flow),
      onParsed: (parsed) => (summary = parsed),
    });

    const lines = (await text(classifyCaptureAsCsv(input))).trimEnd().split('\n');

    // Token 0's two nearest neighbours are token 2 (Normal) and token 1 (Botnet); token 3's are 4 and 1.
    const firstConfidence = cosine(0, 2) / (cosine(0, 2) + cosine(0, 1));
    const lastConfidence = cosine(3, 4) / (cosine(3, 4) + cosine(3, 1));
    const fields = lines.map((line) => line.split(','));
    assert.equal(lines[0], 'line,token,status,labelClass,confidence,label');
    assert.deepEqual(fields[1].slice(0, 4), ['2', TOKENS[0], 'known', 'Normal']);
    assert.ok(Math.abs(Number(fields[1][4]) - firstConfidence) < 1e-6, lines[1]);
    assert.equal(fields[1][5], 'flow=From-Botnet-1');
    assert.equal(lines[2], '3,10.7.7.7|203.0.113.9|9|udp,unseen,,,"flow=odd,label"');
    assert.deepEqual(fields[3], ['5', ...fields[1].slice(1, 5), 'flow=again']);
    assert.deepEqual(fields[4].slice(0, 4), ['6', OTHER_TOKENS[0], 'known', 'Background']);
    assert.ok(Math.abs(Number(fields[4][4]) - lastConfidence) < 1e-6, lines[4]);
    assert.equal(lines.length, 5);
    assert.deepEqual(flows, [
      { status: 'known', labelClass: 'Normal' },
      { status: 'unseen', labelClass: null },
      { status: 'known', labelClass: 'Normal' },
      { status: 'known', labelClass: 'Background' },
    ]);
    assert.equal(summary?.rejected, 1);
  });

  it('abort destroys stream and stops parsing', async () => {
    const controller = new AbortController();
    let flowsRead = 0;
    const chunks = (async function* () {
      yield `${HEADER}\n`;
      for (let i = 0; i < 1000; i++) {
        yield `${row(TOKENS[i % 3], 'flow=x')}\n`;
      }
    })();
    const input = await classificationInput(chunks, {
      signal: controller.signal,
      onFlow: () => {
        flowsRead++;
        if (flowsRead === 10) {
          controller.abort(new Error('stop here'));
        }
      },
    });

    await assert.rejects(text(classifyCaptureAsCsv(input)), /stop here/);
    assert.ok(flowsRead < 1000, `parsing went on for ${flowsRead} flows after the abort`);
  });

  it('keeps listener counts bounded under back-pressure', async () => {
    const rowsPerChunk = 2000;
    const chunk = Array.from({ length: rowsPerChunk }, (_, i) => `${row(TOKENS[i % 3], 'flow=x')}\n`).join('');
    const controller = new AbortController();
    const maxListeners = { drain: 0, error: 0, abort: 0 };
    let output: PassThrough | undefined;
    let flowsRead = 0;
    const input = await classificationInput(Readable.from([`${HEADER}\n`, chunk, chunk]), {
      signal: controller.signal,
      onFlow: () => {
        flowsRead++;
        assert.ok(output);
        maxListeners.drain = Math.max(maxListeners.drain, output.listenerCount('drain'));
        maxListeners.error = Math.max(maxListeners.error, output.listenerCount('error'));
        maxListeners.abort = Math.max(maxListeners.abort, getEventListeners(controller.signal, 'abort').length);
      },
    });
    output = classifyCaptureAsCsv(input) as PassThrough;

    const lines = (await text(output)).trimEnd().split('\n');

    assert.equal(flowsRead, 2 * rowsPerChunk);
    assert.equal(lines.length, 1 + 2 * rowsPerChunk);
    // One of the 'error' listeners is the reader's: `text()` adds it while it consumes the stream.
    assert.ok(maxListeners.drain <= 1, `up to ${maxListeners.drain} drain listeners`);
    assert.ok(maxListeners.error <= 2, `up to ${maxListeners.error} error listeners`);
    assert.ok(maxListeners.abort <= 1, `up to ${maxListeners.abort} abort listeners`);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('stops parsing when reader destroys stream', async () => {
    const rowsPerChunk = 2000;
    const chunk = Array.from({ length: rowsPerChunk }, (_, i) => `${row(TOKENS[i % 3], 'flow=x')}\n`).join('');
    let chunksRead = 0;
    let sourceClosed = false;
    const source = (async function* () {
      try {
        yield `${HEADER}\n`;
        for (; chunksRead < 50; chunksRead++) {
          yield chunk;
        }
      } finally {
        sourceClosed = true;
      }
    })();
    const output = classifyCaptureAsCsv(await classificationInput(source));

    for await (const _ of output) {
      output.destroy();
      break;
    }
    for (let waited = 0; !sourceClosed && waited < 2000; waited += 10) {
      await sleep(10);
    }

    assert.ok(sourceClosed, `the source was still open after ${chunksRead} chunks`);
    assert.ok(chunksRead < 50, `parsing went on for ${chunksRead} chunks after the stream was destroyed`);
  });
});
