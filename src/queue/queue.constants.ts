/**
 * The one queue of worker jobs. Training and classification jobs share it, and the BullMQ job name is the kind.
 * The queue keeps the name it had when it held training jobs only, so jobs already in Redis are still found.
 */
export const TRAINING_QUEUE = 'training';

/** BullMQ job name of a training job. */
export const TRAIN_JOB_NAME = 'train';
/** BullMQ job name of a classification job. */
export const CLASSIFY_JOB_NAME = 'classify';

/** Attempts of a job before it fails for good; a failure that retrying cannot fix is not retried. */
export const TRAINING_ATTEMPTS = 3;

/** Payload of a training job on the queue. The model and job rows in PostgreSQL hold everything else. */
export interface TrainingJobData {
  jobId: string;
  modelId: string;
  /** The model version the job trains. */
  versionId: string;
}

/** Payload of a classification job on the queue. */
export interface ClassificationJobData {
  jobId: string;
  modelId: string;
  /** The ready model version that classifies the capture. */
  versionId: string;
  captureId: string;
  /** Neighbours that vote on each known flow. */
  k: number;
}
