import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { VectorIndexRepository } from '../../src/similarity/vector-index.repository';
import type { TestServer } from './test-server';

export interface FixtureToken {
  tokenId: number;
  token: string;
  count: number;
  labelCounts: Record<string, number>;
  labelClass: 'Botnet' | 'Normal' | 'Background';
  cluster: number | null;
}

export interface QueryFixture {
  modelId: string;
  dimensions: number;
  tokens: FixtureToken[];
  /** Raw (not normalised) vectors, row-major by token id, as written to vectors.f32. */
  vectors: Float32Array;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SOURCES = ['147.32.84.165', '147.32.84.191', '10.0.0.5', '2001:db8::1'];
const PORTS = ['53', '80', '443', '25', '6667'];
const PROTOCOLS = ['udp', 'tcp'];
const CLASSES = ['Botnet', 'Normal', 'Background'] as const;

/**
 * Writes a ready model straight into the test server's database and artifact directory: a vocabulary of
 * `size` default-field tokens with random vectors, their HNSW index and label counts. It replaces a trained
 * model, so that query tests do not wait for training.
 */
export async function createQueryFixture(
  server: TestServer,
  options: { size?: number; dimensions?: number; seed?: number; minCount?: number } = {},
): Promise<QueryFixture> {
  const { size = 400, dimensions = 16, seed = 1, minCount = 3 } = options;
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];

  const names = new Set<string>();
  while (names.size < size) {
    names.add(`${pick(SOURCES)}|147.32.80.${Math.floor(random() * 250)}|${pick(PORTS)}|${pick(PROTOCOLS)}`);
  }
  const tokens: FixtureToken[] = [...names].map((token, tokenId) => {
    const labelClass = pick(CLASSES);
    const count = minCount + Math.floor(random() * 50);
    return {
      tokenId,
      token,
      count,
      labelCounts: { [`flow=${labelClass}-fixture`]: count },
      labelClass,
      cluster: tokenId % 7 === 6 ? null : tokenId % 5,
    };
  });

  const vectors = new Float32Array(size * dimensions).map(() => random() * 2 - 1);
  const modelId = randomUUID();
  await insertModel(server, modelId, tokens, dimensions, minCount);
  await writeArtifacts(server.dataDir, modelId, vectors, dimensions);
  return { modelId, dimensions, tokens, vectors };
}

async function insertModel(
  server: TestServer,
  modelId: string,
  tokens: FixtureToken[],
  dimensions: number,
  minCount: number,
): Promise<void> {
  const definition = {
    tokenFields: ['srcAddr', 'dstAddr', 'dport', 'proto'],
    sentences: { mode: 'count', length: 30 },
    vocabulary: { minCount, maxFinalVocab: null },
    trainer: { vectorSize: dimensions, seed: 1 },
  };
  await server.query(`INSERT INTO models (id, name) VALUES ($1, 'query fixture')`, [modelId]);
  // The first version of a model shares the model's id, as the training pipeline lays it out.
  await server.query(
    `INSERT INTO model_versions (id, "modelId", version, status, "captureIds", definition, "vocabularySize", "readyAt")
     VALUES ($1, $1, 1, 'ready', '{}', $2, $3, now())`,
    [modelId, JSON.stringify(definition), tokens.length],
  );
  await server.query(
    `INSERT INTO tokens ("modelId", "tokenId", token, count, "labelCounts", "labelClass", cluster)
     SELECT $1, t."tokenId", t.token, t.count, t."labelCounts", t."labelClass", t.cluster
     FROM jsonb_to_recordset($2::jsonb)
       AS t("tokenId" int, token text, count int, "labelCounts" jsonb, "labelClass" text, cluster int)`,
    [modelId, JSON.stringify(tokens)],
  );
}

/** Writes vectors.f32 and index.hnsw for a model, as the training pipeline lays them out. */
export async function writeArtifacts(
  dataDir: string,
  modelId: string,
  vectors: Float32Array,
  dimensions: number,
): Promise<void> {
  const directory = join(dataDir, 'models', modelId);
  await mkdir(directory, { recursive: true });
  await writeFile(
    join(directory, 'vectors.f32'),
    new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength),
  );
  const index = await new VectorIndexRepository().build(vectors, dimensions, 1);
  await index.writeTo(join(directory, 'index.hnsw'));
}

/** Exact cosine similarities of `query` to every row, best first, computed in float64. */
export function exactRanking(
  fixture: QueryFixture,
  query: number[],
  exclude: ReadonlySet<number> = new Set(),
): { tokenId: number; similarity: number }[] {
  const { vectors, dimensions } = fixture;
  const queryNorm = Math.hypot(...query);
  const ranking: { tokenId: number; similarity: number }[] = [];
  for (const { tokenId } of fixture.tokens) {
    if (exclude.has(tokenId)) {
      continue;
    }
    const row = Array.from(vectors.subarray(tokenId * dimensions, (tokenId + 1) * dimensions));
    const dot = row.reduce((sum, value, i) => sum + value * query[i], 0);
    ranking.push({ tokenId, similarity: dot / (queryNorm * Math.hypot(...row)) });
  }
  return ranking.sort((a, b) => b.similarity - a.similarity);
}

/** The unit vector of a fixture token, as a plain array. */
export function unitVector(fixture: QueryFixture, tokenId: number): number[] {
  const row = Array.from(fixture.vectors.subarray(tokenId * fixture.dimensions, (tokenId + 1) * fixture.dimensions));
  const norm = Math.hypot(...row);
  return row.map((value) => value / norm);
}
