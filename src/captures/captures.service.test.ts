import { Logger } from '@nestjs/common';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
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
