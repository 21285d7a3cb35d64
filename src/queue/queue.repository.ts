import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { TRAINING_QUEUE, TrainingJobData } from './queue.constants';

/** The BullMQ side of the system: enqueuing training jobs. Workers are created by `TrainingWorker`. */
@Injectable()
export class QueueRepository implements OnModuleDestroy {
  private readonly logger = new Logger(QueueRepository.name);
  private readonly connection: IORedis;
  private readonly trainingQueue: Queue<TrainingJobData>;

  constructor(private readonly config: AppConfig) {
    this.connection = createRedisConnection(config);
    this.trainingQueue = new Queue<TrainingJobData>(TRAINING_QUEUE, {
      connection: this.connection,
      prefix: config.QUEUE_PREFIX,
    });
  }

  async enqueueTraining(data: TrainingJobData): Promise<void> {
    await this.trainingQueue.add('train', data, {
      jobId: data.jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
    this.logger.log(`Queued training job ${data.jobId} for model ${data.modelId}`);
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
