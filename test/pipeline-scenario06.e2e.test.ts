import assert from 'node:assert/strict';
import { createReadStream, openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { createGunzip } from 'node:zlib';
import { json, SHARED_DATA, startTestServer, TestServer, waitFor } from './support/test-server';

const CAPTURE = join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const FLOWS = 558_919;
const INFECTED_HOST = '147.32.84.165';
/** The corpus builder's maximum sentence length. */
const MAX_SENTENCE = 10_000;

interface CaptureRow {
  time: number;
  srcAddr: string;
}

/** Reads StartTime and SrcAddr of every row, independently of the server's parser. */
async function readRows(): Promise<CaptureRow[]> {
  const rows: CaptureRow[] = [];
  const lines = createInterface({ input: createReadStream(CAPTURE).pipe(createGunzip()) });
  let header: string[] | undefined;
  for await (const line of lines) {
    const fields = line.split(',');
    if (!header) {
      header = fields.map((field) => field.trim());
      continue;
    }

    const [date, clock] = fields[header.indexOf('StartTime')].split(' ');
    const [whole, fraction = '0'] = clock.split('.');
    const time = Date.parse(`${date.replaceAll('/', '-')}T${whole}Z`) / 1000 + Number(`0.${fraction}`);
    rows.push({ time, srcAddr: fields[header.indexOf('SrcAddr')] });
  }
  return rows;
}

/** Sentences and words that survive from groups of flows: pieces of at most MAX_SENTENCE, each with two or more. */
function countPieces(groupSizes: number[]): { sentences: number; words: number } {
  let sentences = 0;
  let words = 0;
  for (const size of groupSizes) {
    for (let start = 0; start < size; start += MAX_SENTENCE) {
      const piece = Math.min(MAX_SENTENCE, size - start);
      if (piece >= 2) {
        sentences++;
        words += piece;
      }
    }
  }
  return { sentences, words };
}

function timeGroups(rows: CaptureRow[], seconds: number): number[] {
  const buckets = new Map<number, number>();
  for (const row of rows) {
    const bucket = Math.floor(row.time / seconds);
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
  }
  return [...buckets.values()];
}

function hostGroups(rows: CaptureRow[], seconds: number, length: number): number[] {
  const byHost = new Map<string, number[]>();
  for (const row of rows) {
    const times = byHost.get(row.srcAddr);
    if (times) {
      times.push(row.time);
    } else {
      byHost.set(row.srcAddr, [row.time]);
    }
  }

  const groups: number[] = [];
  for (const times of byHost.values()) {
    times.sort((a, b) => a - b);
    let size = 1;
    for (let i = 1; i < times.length; i++) {
      if (size === length || times[i] - times[i - 1] > seconds) {
        groups.push(size);
        size = 0;
      }
      size++;
    }
    groups.push(size);
  }
  return groups;
}

/** Small, fast settings: the sentence modes are under test here, not vector quality. */
const TRAINER = { vectorSize: 32, window: 5, negative: 5, epochs: 1, workers: 2, seed: 11 };

describe('scenario 6 sentence modes', () => {
  let server: TestServer;
  let captureId: string;
  let rows: CaptureRow[];

  before(async () => {
    server = await startTestServer();
    const form = new FormData();
    form.append('file', await openAsBlob(CAPTURE), 'scenario06_capture20110816.binetflow.gz');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.ok([200, 201].includes(upload.status), JSON.stringify(capture));
    captureId = capture.id;
    rows = await readRows();
    assert.equal(rows.length, FLOWS);
  });

  after(async () => {
    await server?.stop();
  });

  async function train(sentences: Record<string, unknown>) {
    const response = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ captureIds: [captureId], sentences, trainer: TRAINER }),
    });
    const created = await json(response);
    assert.equal(response.status, 202, JSON.stringify(created));

    const job = await waitFor(
      async () => {
        const body = await json(await server.fetch(`/api/v1/jobs/${created.job.id}`));
        return ['completed', 'failed'].includes(body.state) ? body : undefined;
      },
      20 * 60_000,
      () => `job ${created.job.id} did not finish:\n${server.output().slice(-3000)}`,
    );
    assert.equal(job.state, 'completed', job.error);
    return json(await server.fetch(`/api/v1/models/${created.model.id}`));
  }

  it('time mode buckets by StartTime', { timeout: 25 * 60_000 }, async () => {
    const model = await train({ mode: 'time', seconds: 60 });
    const expected = countPieces(timeGroups(rows, 60));

    assert.deepEqual(model.sentences, { mode: 'time', length: 30, seconds: 60 });
    assert.equal(model.sentenceCount, expected.sentences);
    assert.equal(model.corpusWords, expected.words);
  });

  it('host mode follows each source address', { timeout: 25 * 60_000 }, async () => {
    const model = await train({ mode: 'host', seconds: 60, length: 30 });
    const expected = countPieces(hostGroups(rows, 60, 30));

    assert.equal(model.sentenceCount, expected.sentences);
    assert.equal(model.corpusWords, expected.words);

    const [{ token }] = await server.query<{ token: string }>(
      `SELECT token FROM tokens WHERE "modelId" = $1 AND token LIKE $2 ORDER BY count DESC, token LIMIT 1`,
      [model.versionId, `${INFECTED_HOST}|%`],
    );
    const similar = await server.fetch(`/api/v1/models/${model.id}/similar?token=${encodeURIComponent(token)}&k=10`);
    assert.equal(similar.status, 200);
    assert.equal((await json(similar)).neighbours.length, 10);
  });
});
