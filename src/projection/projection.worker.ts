import { parentPort, workerData } from 'node:worker_threads';
import { UMAP } from 'umap-js';
import { randomStateFor, Xoshiro128 } from '../trainer/random';
import { ProjectionWorkerData, ProjectionWorkerMessage } from './projection.types';

/**
 * Lays out the neighbour graph in 2-D with UMAP on its own thread, so the worker process's event loop stays free
 * to renew BullMQ job locks. Posts the share of layout epochs done, then the coordinates as `tokenCount × 2` floats.
 */
function layOut(data: ProjectionWorkerData): Float32Array {
  const { tokenCount, k, neighbourIds, neighbourDistances, settings } = data;
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let row = 0; row < tokenCount; row++) {
    knnIndices.push(Array.from(neighbourIds.subarray(row * k, (row + 1) * k)));
    knnDistances.push(Array.from(neighbourDistances.subarray(row * k, (row + 1) * k)));
  }

  const random = new Xoshiro128(randomStateFor(settings.seed, 0));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: k,
    minDist: settings.minDist,
    nEpochs: settings.nEpochs,
    random: () => random.nextFloat(),
  });
  umap.setPrecomputedKNN(knnIndices, knnDistances);

  // With a precomputed graph, umap-js reads only the number of rows of its input.
  const epochs = umap.initializeFit(Array.from({ length: tokenCount }, () => []));
  for (let epoch = 0; epoch < epochs; epoch++) {
    umap.step();
    if (epoch % 10 === 0) {
      post({ kind: 'progress', fraction: epoch / epochs });
    }
  }

  const coordinates = new Float32Array(tokenCount * 2);
  umap.getEmbedding().forEach(([x, y], row) => {
    coordinates[row * 2] = x;
    coordinates[row * 2 + 1] = y;
  });
  return coordinates;
}

function post(message: ProjectionWorkerMessage): void {
  parentPort!.postMessage(message);
}

post({ kind: 'done', coordinates: layOut(workerData as ProjectionWorkerData) });
