import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ClusterOptions, ClusterProgress, ClusterResult } from './kmeans';
import type { KMeansWorkerData, KMeansWorkerMessage } from './kmeans.worker';

/**
 * Runs `clusterVectors` on a worker thread, so the calling process keeps its event loop (and its BullMQ job lock)
 * alive through a k-means run of minutes. Aborting `signal` terminates the thread and rejects with its reason.
 */
export function clusterInThread(
  vectors: Float32Array,
  dim: number,
  options: Omit<ClusterOptions, 'onProgress'>,
  onProgress: (progress: ClusterProgress) => void,
  signal: AbortSignal,
): Promise<ClusterResult> {
  signal.throwIfAborted();
  const data: KMeansWorkerData = { vectors, dim, options };
  const worker = new Worker(join(__dirname, 'kmeans.worker.js'), { workerData: data });

  return new Promise<ClusterResult>((resolve, reject) => {
    let result: ClusterResult | undefined;
    const onAbort = () => {
      reject(signal.reason);
      void worker.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: KMeansWorkerMessage) => {
      if ('progress' in message) {
        onProgress(message.progress);
      } else {
        result = message.result;
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      signal.removeEventListener('abort', onAbort);
      if (result) {
        resolve(result);
      } else {
        reject(new Error(`The k-means thread exited with code ${code} before returning a result`));
      }
    });
  });
}
