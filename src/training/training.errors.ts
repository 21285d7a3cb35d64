/** A failure that retrying cannot fix, such as a model whose settings cannot fit in memory. */
export class PermanentTrainingError extends Error {}

/** The job was cancelled through the API while it ran; it ends without a retry. */
export class JobCancelledError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} was cancelled`);
  }
}

/** The worker process is stopping; the job goes back to the queue for another worker. */
export class WorkerShutdownError extends Error {
  constructor() {
    super('the worker process stopped before the job finished; the job was returned to the queue');
  }
}
