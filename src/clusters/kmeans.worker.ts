import { parentPort, workerData } from 'node:worker_threads';
import { ClusterOptions, clusterVectors, ClusterProgress, ClusterResult } from './kmeans';

export interface KMeansWorkerData {
  vectors: Float32Array;
  dim: number;
  options: Omit<ClusterOptions, 'onProgress'>;
}

export type KMeansWorkerMessage = { progress: ClusterProgress } | { result: ClusterResult };

/** Entry point of the thread that `clusterInThread` starts: one k-means run, then the thread ends. */
if (parentPort) {
  const port = parentPort;
  const { vectors, dim, options } = workerData as KMeansWorkerData;
  const result = clusterVectors(vectors, dim, {
    ...options,
    onProgress: (progress) => port.postMessage({ progress } satisfies KMeansWorkerMessage),
  });
  port.postMessage({ result } satisfies KMeansWorkerMessage, [
    result.assignments.buffer as ArrayBuffer,
    result.centroids.buffer as ArrayBuffer,
    result.sizes.buffer as ArrayBuffer,
  ]);
}
