import type { Writable } from 'node:stream';

/**
 * Waits until back-pressure on `stream` clears. Resolves on its 'drain' or 'close' event, rejects with the error of
 * its 'error' event, and rejects with `signal.reason` when `signal` aborts. Resolves at once when the stream is
 * already destroyed or has no pending drain. Every listener it adds is removed when the wait ends, so calling it once
 * per write does not accumulate listeners on the stream or the signal.
 */
export function waitForDrain(stream: Writable, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) {
    return Promise.reject(signal.reason);
  }

  if (stream.destroyed || !stream.writableNeedDrain) {
    return Promise.resolve();
  }

  return new Promise<void>((resolve, reject) => {
    const removeListeners = () => {
      stream.off('drain', onDrainOrClose);
      stream.off('close', onDrainOrClose);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDrainOrClose = () => {
      removeListeners();
      resolve();
    };
    const onError = (error: Error) => {
      removeListeners();
      reject(error);
    };
    const onAbort = () => {
      removeListeners();
      reject(signal?.reason);
    };

    stream.on('drain', onDrainOrClose);
    stream.on('close', onDrainOrClose);
    stream.on('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}
