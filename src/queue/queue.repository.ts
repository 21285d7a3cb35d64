import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import {
  CLASSIFY_JOB_NAME,
  ClassificationJobData,
  TRAIN_JOB_NAME,
  TRAINING_ATTEMPTS,
  TRAINING_QUEUE,
  TrainingJobData,
} from './queue.constants';

/**
 * The BullMQ side of the system: enqueuing, inspecting and removing training and classification jobs.
 * `TrainingWorker` runs both kinds.
 */
@Injectable()
export class QueueRepository implements OnModuleDestroy {
  private readonly logger = new Logger(QueueRepository.name);
  private readonly connection: IORedis;
  private readonly trainingQueue: Queue<TrainingJobData | ClassificationJobData>;

  constructor(private readonly config: AppConfig) {
    this.connection = createRedisConnection(config);
    this.trainingQueue = new Queue<TrainingJobData | ClassificationJobData>(TRAINING_QUEUE, {
      connection: this.connection,
      prefix: config.QUEUE_PREFIX,
    });
  }

  async enqueueTraining(data: TrainingJobData): Promise<void> {
    await this.trainingQueue.add(TRAIN_JOB_NAME, data, this.jobOptions(data.jobId));
    this.logger.log(`Queued training job ${data.jobId} for model ${data.modelId}`);
  }

  async enqueueClassification(data: ClassificationJobData): Promise<void> {
    await this.trainingQueue.add(CLASSIFY_JOB_NAME, data, this.jobOptions(data.jobId));
    this.logger.log(
      `Queued classification job ${data.jobId} of capture ${data.captureId} with model ${data.modelId} ` +
        `version ${data.versionId}`,
    );
  }

  /**
   * Removes a job that no worker holds (waiting, or delayed before a retry). Returns false when a worker is running
   * it; that worker notices the cancellation in PostgreSQL and stops it.
   */
  async removeJob(jobId: string): Promise<boolean> {
    const job = await this.trainingQueue.getJob(jobId);
    if (!job) {
      return true;
    }

    if (await job.isActive()) {
      return false;
    }

    try {
      await job.remove();
      return true;
    } catch (error) {
      // A worker took the job between the two calls; it is stopped through PostgreSQL like any active job.
      this.logger.warn(`Job ${jobId} could not be removed from the queue: ${(error as Error).message}`);
      return false;
    }
  }

  /** The job's BullMQ state, or `missing` when Redis has no such job (removed, or Redis lost its keys). */
  async jobState(jobId: string): Promise<string> {
    const state = await this.trainingQueue.getJobState(jobId);
    return state === 'unknown' ? 'missing' : state;
  }

  /** Returns the options of every job. The BullMQ job id is the `jobs` row's id, so a job is never queued twice. */
  private jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: TRAINING_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.RETRY_DELAY_MS },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.trainingQueue.close();
    this.connection.disconnect();
  }
}

/** A Redis connection configured as BullMQ requires for blocking commands. */
export function createRedisConnection(config: AppConfig): IORedis {
  return new IORedis({
    host: config.REDIS_HOST,
    port: config.REDIS_PORT,
    password: config.REDIS_PASSWORD || undefined,
    maxRetriesPerRequest: null,
  });
}
