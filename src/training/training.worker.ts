import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { JobPhase, JobProgress } from '../entities/job.entity';
import { JobRepository } from '../jobs/job.repository';
import { ModelRepository } from '../models/model.repository';
import { TRAINING_QUEUE, TrainingJobData } from '../queue/queue.constants';
import { createRedisConnection } from '../queue/queue.repository';
import { PermanentTrainingError, TrainingPipeline } from './training.pipeline';

/** Minimum time between two progress writes of one job to PostgreSQL, in milliseconds. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * Runs training jobs from BullMQ and mirrors each job's state, phase and progress to the `jobs` table.
 * The CPU-heavy work runs on worker threads, so this process's event loop stays free to renew job locks.
 */
@Injectable()
export class TrainingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TrainingWorker.name);
  private connection: IORedis;
  private worker: Worker<TrainingJobData>;
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly config: AppConfig,
    private readonly pipeline: TrainingPipeline,
    private readonly jobs: JobRepository,
    private readonly models: ModelRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.connection = createRedisConnection(this.config);
    this.worker = new Worker<TrainingJobData>(TRAINING_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.QUEUE_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
    });
    this.worker.on('error', (error) => this.logger.error(`Queue error: ${error.message}`, error.stack));
    this.logger.log(`Worker started on queue ${this.config.QUEUE_PREFIX}:${TRAINING_QUEUE}`);
  }

  async onApplicationShutdown(): Promise<void> {
    // Running trainings are stopped so that the jobs fail now and are retried by another worker,
    // instead of holding the shutdown until they finish.
    for (const controller of this.running.values()) {
      controller.abort(new Error('the worker process is shutting down'));
    }
    await this.worker?.close();
    this.connection?.disconnect();
    this.logger.log('Worker stopped');
  }

  private async process(job: Job<TrainingJobData>): Promise<void> {
    const { jobId, modelId } = job.data;
    const controller = new AbortController();
    this.running.set(jobId, controller);
    this.logger.log(`Job ${jobId} started for model ${modelId} (attempt ${job.attemptsMade + 1})`);
    await this.jobs.update(jobId, {
      state: 'active',
      phase: 'reading',
      startedAt: new Date(),
      attempts: job.attemptsMade + 1,
      error: null,
    });

    const reporter = this.progressReporter(job);
    try {
      await this.pipeline.run(modelId, reporter.report, controller.signal);
      await reporter.flush();
      await this.jobs.update(jobId, {
        state: 'completed',
        phase: 'done',
        progress: { fraction: 1 },
        finishedAt: new Date(),
      });
      this.logger.log(`Job ${jobId} completed; model ${modelId} is ready`);
    } catch (error) {
      await reporter.flush();
      await this.recordFailure(job, error as Error);
      throw error instanceof PermanentTrainingError ? new UnrecoverableError(error.message) : error;
    } finally {
      this.running.delete(jobId);
    }
  }

  private async recordFailure(job: Job<TrainingJobData>, error: Error): Promise<void> {
    const { jobId, modelId } = job.data;
    const permanent = error instanceof PermanentTrainingError;
    const willRetry = !permanent && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    const reason = error.message;

    if (willRetry) {
      this.logger.warn(`Job ${jobId} attempt ${job.attemptsMade + 1} failed, retrying: ${reason}`);
      await this.jobs.update(jobId, { state: 'queued', phase: 'queued', error: reason });
      await this.models.update(modelId, { status: 'queued', error: reason });
      return;
    }

    this.logger.error(`Job ${jobId} failed for model ${modelId}: ${reason}`, permanent ? undefined : error.stack);
    await this.jobs.update(jobId, { state: 'failed', error: reason, finishedAt: new Date() });
    await this.models.update(modelId, { status: 'failed', error: reason });
  }

  /**
   * Mirrors progress to PostgreSQL and BullMQ at most once a second, and at every phase change. Writes are
   * chained, so `flush` guarantees that no late progress write lands after the job's final state.
   */
  private progressReporter(job: Job<TrainingJobData>) {
    let lastWrite = 0;
    let lastPhase: JobPhase | undefined;
    let pending: Promise<void> = Promise.resolve();

    const report = (phase: JobPhase, progress: JobProgress): void => {
      const now = Date.now();
      if (phase === lastPhase && now - lastWrite < PROGRESS_WRITE_INTERVAL_MS) {
        return;
      }

      lastWrite = now;
      lastPhase = phase;
      pending = pending
        .then(() => this.jobs.update(job.data.jobId, { phase, progress }))
        .then(() => job.updateProgress({ phase, ...progress }))
        .catch((error: Error) => this.logger.warn(`Job ${job.data.jobId}: progress not saved: ${error.message}`));
    };

    return { report, flush: () => pending };
  }
}
