import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { AppConfig } from '../config/app-config';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import { randomStateFor, Xoshiro128 } from '../trainer/random';
import type { VocabularyEntry } from '../training/vocabulary';
import { ProjectionBuilder } from './projection.builder';
import { ProjectionFile } from './projection.types';

/** Two tight groups of vectors far apart: tokens `a*` around +1 in every dimension, `b*` around -1. */
function twoGroups(perGroup: number, dimensions: number): { vectors: Float32Array; entries: VocabularyEntry[] } {
  const random = new Xoshiro128(randomStateFor(7, 0));
  const vectors = new Float32Array(perGroup * 2 * dimensions);
  const entries: VocabularyEntry[] = [];
  for (let row = 0; row < perGroup * 2; row++) {
    const group = row % 2 === 0 ? 'a' : 'b';
    for (let d = 0; d < dimensions; d++) {
      vectors[row * dimensions + d] = (group === 'a' ? 1 : -1) + (random.nextFloat() - 0.5) * 0.2;
    }
    entries.push({
      token: `${group}${row}`,
      count: 1000 - row,
      labelCounts: group === 'a' ? { 'flow=Botnet': 3, 'flow=Background': 1 } : { 'flow=Background': 5 },
      labelClass: group === 'a' ? 'Botnet' : 'Background',
    });
  }

  return { vectors, entries };
}

const config = { PROJECTION_MAX_TOKENS: 20_000 } as AppConfig;

async function withArtifacts(run: (artifacts: ArtifactRepository) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flow2vec-projection-'));
  const artifacts = new ArtifactRepository({ DATA_DIR: dataDir } as AppConfig);
  await artifacts.ensureLayout();
  try {
    await run(artifacts);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('projection keeps separate groups apart', async () => {
  await withArtifacts(async (artifacts) => {
    const { vectors, entries } = twoGroups(60, 16);
    const fractions: number[] = [];
    await mkdir(artifacts.modelDir('m1'), { recursive: true });

    await new ProjectionBuilder(artifacts, new VectorIndexRepository(), config).build('m1', vectors, entries, {
      seed: 1,
      signal: new AbortController().signal,
      onProgress: (fraction) => fractions.push(fraction),
    });
    const file = JSON.parse(await readFile(artifacts.projectionPath('m1'), 'utf8')) as ProjectionFile;

    assert.equal(file.tokens.length, 120);
    assert.equal(file.x.length, 120);
    assert.equal(file.vocabularySize, 120);
    assert.deepEqual(file.labels[0], [
      ['flow=Botnet', 3],
      ['flow=Background', 1],
    ]);
    assert.equal(file.labelClasses[1], 'Background');
    assert.ok(fractions.length > 0, 'no progress reported');
    assert.ok(fractions.every((fraction) => fraction >= 0 && fraction <= 1));

    for (let row = 0; row < 120; row++) {
      let nearest = -1;
      let nearestDistance = Infinity;
      for (let other = 0; other < 120; other++) {
        const distance = (file.x[row] - file.x[other]) ** 2 + (file.y[row] - file.y[other]) ** 2;
        if (other !== row && distance < nearestDistance) {
          nearest = other;
          nearestDistance = distance;
        }
      }
      assert.equal(file.tokens[nearest][0], file.tokens[row][0], `nearest point to ${file.tokens[row]}`);
    }
  });
});

test('projection of a tiny vocabulary', async () => {
  await withArtifacts(async (artifacts) => {
    const { vectors, entries } = twoGroups(1, 4);
    await mkdir(artifacts.modelDir('m2'), { recursive: true });

    await new ProjectionBuilder(artifacts, new VectorIndexRepository(), config).build('m2', vectors, entries, {
      seed: 1,
      signal: new AbortController().signal,
      onProgress: () => undefined,
    });
    const file = JSON.parse(await readFile(artifacts.projectionPath('m2'), 'utf8')) as ProjectionFile;

    assert.deepEqual(file.tokens, ['a0', 'b1']);
    assert.deepEqual(file.x, [0, 1]);
  });
});
