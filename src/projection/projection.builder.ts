import { Injectable, Logger } from '@nestjs/common';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { AppConfig } from '../config/app-config';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import type { VocabularyEntry } from '../training/vocabulary';
import {
  DEFAULT_PROJECTION_SETTINGS,
  PROJECTION_TOP_LABELS,
  ProjectionFile,
  ProjectionSettings,
  ProjectionWorkerData,
  ProjectionWorkerMessage,
} from './projection.types';

/** Fewer tokens than this cannot form a neighbour graph, so they are laid out on a line instead. */
const MIN_UMAP_TOKENS = 4;
/** Share of the progress given to the neighbour graph; the layout epochs take the rest. */
const GRAPH_SHARE = 0.3;
/** Searches between yields to the event loop while the neighbour graph is built. */
const SEARCH_BATCH = 1000;

/**
 * Projects the most frequent tokens of a trained model to 2-D with UMAP and writes `projection.json` into the
 * model's artifact folder. The neighbour graph comes from an HNSW index over those tokens (cosine, as the
 * similarity queries use) because umap-js's own nearest-neighbour descent is much slower. The layout runs on a
 * worker thread.
 */
@Injectable()
export class ProjectionBuilder {
  private readonly logger = new Logger(ProjectionBuilder.name);

  constructor(
    private readonly artifacts: ArtifactRepository,
    private readonly vectorIndexes: VectorIndexRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * Writes the map, or nothing when PROJECTION_MAX_TOKENS is 0. `vectors` contains one row per vocabulary entry in vocabulary order (count descending), so the first rows are
   * the most frequent tokens.
   */
  async build(
    modelId: string,
    vectors: Float32Array,
    entries: VocabularyEntry[],
    options: {
      seed: number;
      signal: AbortSignal;
      onProgress: (fraction: number) => void;
      /** Folder to write `projection.json` into. Default: the version's folder, `ArtifactRepository.modelDir`. */
      directory?: string;
    },
  ): Promise<void> {
    const settings: ProjectionSettings = {
      ...DEFAULT_PROJECTION_SETTINGS,
      maxTokens: this.config.PROJECTION_MAX_TOKENS,
      seed: options.seed,
    };
    if (settings.maxTokens === 0) {
      return;
    }

    const tokenCount = Math.min(entries.length, settings.maxTokens);
    const dimensions = vectors.length / entries.length;
    const started = performance.now();

    let coordinates: Float32Array;
    if (tokenCount < MIN_UMAP_TOKENS) {
      coordinates = lineLayout(tokenCount);
    } else {
      const projected = vectors.subarray(0, tokenCount * dimensions);
      const k = Math.min(settings.nNeighbors, tokenCount - 1);
      const graph = await this.neighbourGraph(projected, dimensions, k, settings.seed, options);
      coordinates = await runLayoutThread({ tokenCount, k, ...graph, settings }, options.signal, (fraction) =>
        options.onProgress(GRAPH_SHARE + (1 - GRAPH_SHARE) * fraction),
      );
    }

    const file = projectionFile(modelId, settings, entries, tokenCount, coordinates);
    const finalPath = options.directory
      ? this.artifacts.projectionFile(options.directory)
      : this.artifacts.projectionPath(modelId);
    await this.artifacts.writeAtomically(finalPath, (path) => writeFile(path, JSON.stringify(file)));
    const seconds = (performance.now() - started) / 1000;
    this.logger.log(`Model ${modelId}: projected ${tokenCount} tokens to 2-D in ${seconds.toFixed(1)} s`);
  }

  /** Each token's `k` nearest tokens by cosine distance, itself first, as umap-js expects. */
  private async neighbourGraph(
    vectors: Float32Array,
    dimensions: number,
    k: number,
    seed: number,
    options: { signal: AbortSignal; onProgress: (fraction: number) => void },
  ): Promise<{ neighbourIds: Int32Array; neighbourDistances: Float32Array }> {
    const tokenCount = vectors.length / dimensions;
    const index = await this.vectorIndexes.build(vectors, dimensions, seed, (fraction) =>
      options.onProgress((GRAPH_SHARE / 2) * fraction),
    );
    const neighbourIds = new Int32Array(tokenCount * k);
    const neighbourDistances = new Float32Array(tokenCount * k);

    for (let row = 0; row < tokenCount; row++) {
      const others = index.search(unitRow(vectors, row, dimensions), k, 2 * k, (id) => id !== row);
      neighbourIds[row * k] = row;
      for (let column = 1; column < k; column++) {
        const neighbour = others[column - 1] ?? others[others.length - 1];
        neighbourIds[row * k + column] = neighbour.tokenId;
        neighbourDistances[row * k + column] = Math.max(0, 1 - neighbour.similarity);
      }

      if (row % SEARCH_BATCH === SEARCH_BATCH - 1) {
        options.signal.throwIfAborted();
        options.onProgress(GRAPH_SHARE / 2 + (GRAPH_SHARE / 2) * ((row + 1) / tokenCount));
        await yieldToEventLoop();
      }
    }

    return { neighbourIds, neighbourDistances };
  }
}

function runLayoutThread(
  data: ProjectionWorkerData,
  signal: AbortSignal,
  onProgress: (fraction: number) => void,
): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'projection.worker.js'), { workerData: data });
    const onAbort = () => {
      void worker.terminate();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: ProjectionWorkerMessage) => {
      if (message.kind === 'progress') {
        onProgress(message.fraction);
        return;
      }

      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(message.coordinates);
    });
    worker.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

function lineLayout(tokenCount: number): Float32Array {
  const coordinates = new Float32Array(tokenCount * 2);
  for (let row = 0; row < tokenCount; row++) {
    coordinates[row * 2] = row;
  }

  return coordinates;
}

function projectionFile(
  modelId: string,
  settings: ProjectionSettings,
  entries: VocabularyEntry[],
  tokenCount: number,
  coordinates: Float32Array,
): ProjectionFile {
  const projected = entries.slice(0, tokenCount);
  const round = (value: number) => Math.round(value * 1e4) / 1e4;

  return {
    modelId,
    method: 'umap',
    settings,
    vocabularySize: entries.length,
    tokens: projected.map((entry) => entry.token),
    x: projected.map((_, row) => round(coordinates[row * 2])),
    y: projected.map((_, row) => round(coordinates[row * 2 + 1])),
    counts: projected.map((entry) => entry.count),
    labelClasses: projected.map((entry) => entry.labelClass),
    labels: projected.map((entry) =>
      Object.entries(entry.labelCounts)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, PROJECTION_TOP_LABELS),
    ),
  };
}

/** Row `row` of a row-major matrix scaled to unit length, as the index's cosine search expects. */
function unitRow(vectors: Float32Array, row: number, dimensions: number): Float64Array {
  const unit = Float64Array.from(vectors.subarray(row * dimensions, (row + 1) * dimensions));
  const norm = Math.hypot(...unit) || 1;
  for (let i = 0; i < dimensions; i++) {
    unit[i] /= norm;
  }

  return unit;
}
