export const TRAINING_QUEUE = 'training';

/** Attempts of a training job before it fails for good; a failure that retrying cannot fix is not retried. */
export const TRAINING_ATTEMPTS = 3;

/** Payload of a training job on the queue. The model and job rows in PostgreSQL hold everything else. */
export interface TrainingJobData {
  jobId: string;
  modelId: string;
  /** The model version the job trains. */
  versionId: string;
}
