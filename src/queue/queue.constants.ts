export const TRAINING_QUEUE = 'training';

/** Payload of a training job on the queue. The model and job rows in PostgreSQL hold everything else. */
export interface TrainingJobData {
  jobId: string;
  modelId: string;
}
