import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { CONTROL_EPOCH_WORDS_DONE, CONTROL_NEXT_JOB, EpochDoneMessage, TrainerWorkerData } from './trainer.worker';

interface PendingEpoch {
  epoch: number;
  losses: number[];
  resolve: (loss: number) => void;
  reject: (error: Error) => void;
}

/**
 * The worker threads of one training run. Epochs run one at a time: every thread claims jobs until the epoch's
 * jobs are gone, then reports its loss. A thread that fails or exits fails the epoch in progress.
 */
export class TrainerThreadPool {
  private readonly workers: Worker[];
  private readonly control: Int32Array;
  private pending: PendingEpoch | null = null;
  private failure: Error | null = null;

  constructor(threadData: TrainerWorkerData[]) {
    this.control = threadData[0].control;
    this.workers = threadData.map((data) => this.startWorker(data));
  }

  /** Words handed out in the epoch in progress, before down-sampling. */
  epochWordsDone(): number {
    return Atomics.load(this.control, CONTROL_EPOCH_WORDS_DONE);
  }

  /** Trains one epoch on all threads and returns its loss. */
  runEpoch(epoch: number): Promise<number> {
    if (this.failure !== null) {
      return Promise.reject(this.failure);
    }

    Atomics.store(this.control, CONTROL_NEXT_JOB, 0);
    Atomics.store(this.control, CONTROL_EPOCH_WORDS_DONE, 0);

    return new Promise((resolve, reject) => {
      this.pending = { epoch, losses: [], resolve, reject };
      for (const worker of this.workers) {
        worker.postMessage({ epoch });
      }
    });
  }

  /** Stops every thread, even in the middle of a job, and resolves when all have exited. */
  async terminate(): Promise<void> {
    this.failure ??= new Error('The trainer threads were terminated.');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private startWorker(data: TrainerWorkerData): Worker {
    // The thread script is the compiled trainer.worker.js next to this file.
    const worker = new Worker(join(__dirname, 'trainer.worker.js'), { workerData: data });
    worker.on('message', (message: EpochDoneMessage) => this.onEpochDone(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`A trainer thread exited with code ${code} during training.`)));

    return worker;
  }

  private onEpochDone(message: EpochDoneMessage): void {
    const pending = this.pending;
    if (pending === null || pending.epoch !== message.epoch) {
      return;
    }

    pending.losses.push(message.loss);
    if (pending.losses.length === this.workers.length) {
      this.pending = null;
      pending.resolve(pending.losses.reduce((sum, loss) => sum + loss, 0));
    }
  }

  private fail(error: Error): void {
    if (this.failure !== null) {
      return;
    }

    this.failure = error;
    this.pending?.reject(error);
    this.pending = null;
  }
}
