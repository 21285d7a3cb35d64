import { Logger } from '@nestjs/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { loadConfig } from '../config/app-config';
import type { CaptureEntity } from '../entities/capture.entity';
import type { CaptureRepository } from './capture.repository';
import { CapturesService } from './captures.service';

const CAPTURE =
  'StartTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,Label\n' +
  '2011/08/16 10:00:01.000000,udp,10.0.0.1,40000,<->,10.0.0.53,53,CON,flow=Background\n';
const SHA256 = createHash('sha256').update(CAPTURE).digest('hex');

/** The calls to `CaptureRepository` that `ingest` makes, each replaced by the test. */
interface FakeCaptureRepository {
  findBySha256(sha256: string): Promise<CaptureEntity | null>;
  insertOrGet(): Promise<{ capture: CaptureEntity; created: boolean }>;
}

/** Returns a function whose calls resolve with `values` in turn, or reject with a value that is an Error. */
function resolvesInTurn<T>(...values: (T | Error)[]): () => Promise<T> {
  return async () => {
    const value = values.shift();
    if (value === undefined) {
      throw new Error('called more often than the test expects');
    }

    if (value instanceof Error) {
      throw value;
    }

    return value;
  };
}

describe('CapturesService.ingest on database failure', () => {
  let dataDir: string;
  let artifacts: ArtifactRepository;

  const ingestWith = (repository: FakeCaptureRepository) => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const service = new CapturesService(config, repository as unknown as CaptureRepository, artifacts);
    return service.ingest({ stream: Readable.from([Buffer.from(CAPTURE)]), fileName: 'one.binetflow' });
  };
  const folder = (name: string) => readdir(join(dataDir, name));

  before(async () => {
    Logger.overrideLogger(false);
    dataDir = await mkdtemp(join(tmpdir(), 'flow2vec-captures-service-'));
    artifacts = new ArtifactRepository(loadConfig({ DATA_DIR: dataDir }));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const emptyLayout = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await artifacts.ensureLayout();
  };

  it('removes the file no row has', async () => {
    await emptyLayout();
    const insertError = new Error('insert failed');

    await assert.rejects(
      ingestWith({ findBySha256: resolvesInTurn(null, null), insertOrGet: () => Promise.reject(insertError) }),
      insertError,
    );
    assert.deepEqual(await folder('captures'), []);
    assert.deepEqual(await folder('tmp'), []);
  });

  it('keeps the file another row has', async () => {
    await emptyLayout();
    const insertError = new Error('insert failed');
    const other = { id: 'a concurrent upload', sha256: SHA256 } as CaptureEntity;

    await assert.rejects(
      ingestWith({ findBySha256: resolvesInTurn(null, other), insertOrGet: () => Promise.reject(insertError) }),
      insertError,
    );
    assert.deepEqual(await folder('captures'), [SHA256]);
    assert.deepEqual(await folder('tmp'), []);
  });

  it('keeps the file when the check fails', async () => {
    await emptyLayout();
    const insertError = new Error('insert failed');

    await assert.rejects(
      ingestWith({
        findBySha256: resolvesInTurn<CaptureEntity | null>(null, new Error('connection lost')),
        insertOrGet: () => Promise.reject(insertError),
      }),
      insertError,
    );
    assert.deepEqual(await folder('captures'), [SHA256]);
  });

  it('removes the temporary file when the lookup fails', async () => {
    await emptyLayout();
    const lookupError = new Error('connection lost');

    await assert.rejects(
      ingestWith({
        findBySha256: resolvesInTurn<CaptureEntity | null>(lookupError),
        insertOrGet: () => assert.fail('no insert expected'),
      }),
      lookupError,
    );
    assert.deepEqual(await folder('captures'), []);
    assert.deepEqual(await folder('tmp'), []);
  });
});

/** A capture file with a 1-byte buffer whose writes complete on a later turn, recording its largest listener counts. */
class SlowFile extends Writable {
  readonly maxListeners = { drain: 0, error: 0, close: 0 };
  writes = 0;

  constructor(private readonly failOnWrite?: { write: number; error: Error }) {
    super({ highWaterMark: 1 });
  }

  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes++;
    for (const event of ['drain', 'error', 'close'] as const) {
      this.maxListeners[event] = Math.max(this.maxListeners[event], this.listenerCount(event));
    }

    if (this.writes === this.failOnWrite?.write) {
      setImmediate(() => this.destroy(this.failOnWrite?.error));
      return;
    }

    setImmediate(callback);
  }
}

describe('CapturesService.ingest back-pressure', () => {
  const ROWS = 200;
  const rows = Array.from(
    { length: ROWS },
    (_, i) => `2011/08/16 10:00:01.000000,udp,10.0.0.${i % 250},40000,<->,10.0.0.53,53,CON,flow=Background\n`,
  );
  const chunks = [CAPTURE.slice(0, CAPTURE.indexOf('\n') + 1), ...rows].map((line) => Buffer.from(line));
  const existing = { id: 'an earlier upload of the same bytes' } as CaptureEntity;
  let dataDir: string;

  const ingestInto = (file: SlowFile) => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const artifacts = new ArtifactRepository(config);
    artifacts.openWrite = () => file;
    const repository = { findBySha256: async () => existing, insertOrGet: () => assert.fail('no insert expected') };
    const service = new CapturesService(config, repository as unknown as CaptureRepository, artifacts);
    return service.ingest({ stream: Readable.from(chunks), fileName: 'slow.binetflow' });
  };

  before(async () => {
    Logger.overrideLogger(false);
    dataDir = await mkdtemp(join(tmpdir(), 'flow2vec-captures-backpressure-'));
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps listener counts bounded', async () => {
    const file = new SlowFile();

    const result = await ingestInto(file);

    assert.equal(result.capture, existing);
    assert.equal(file.writes, chunks.length);
    assert.ok(file.maxListeners.drain <= 1, `up to ${file.maxListeners.drain} drain listeners`);
    assert.ok(file.maxListeners.error <= 2, `up to ${file.maxListeners.error} error listeners`);
    assert.ok(file.maxListeners.close <= 1, `up to ${file.maxListeners.close} close listeners`);
    assert.equal(file.listenerCount('drain'), 0);
    assert.equal(file.listenerCount('close'), 0);
  });

  it('rejects with a write error while waiting', async () => {
    const writeError = new Error('disk full');
    const file = new SlowFile({ write: 10, error: writeError });

    await assert.rejects(ingestInto(file), writeError);
    assert.equal(file.writes, 10);
  });
});
