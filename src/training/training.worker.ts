import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { ClassificationJobRunner } from '../classification/classification-job.runner';
import { AppConfig } from '../config/app-config';
import { NotificationListener } from '../database/notification-listener';
import { JobRepository } from '../jobs/job.repository';
import { ModelRepository } from '../models/model.repository';
import { CLASSIFY_JOB_NAME, ClassificationJobData, TRAINING_QUEUE, TrainingJobData } from '../queue/queue.constants';
import { createRedisConnection } from '../queue/queue.repository';
import { JobProgressReporter } from './job-progress.reporter';
import { JobCancelledError, PermanentTrainingError, WorkerShutdownError } from './training.errors';
import { TrainingPipeline } from './training.pipeline';

/** The channel the `jobs_cancelled` trigger notifies; see migrations/1765500000000-job-cancellation-notify.ts. */
export const JOB_CANCELLED_CHANNEL = 'job_cancelled';
/**
 * How often a running job also reads its state from PostgreSQL, in milliseconds. Cancellations normally arrive
 * at once on JOB_CANCELLED_CHANNEL, so this poll only covers the time the listening connection is down.
 */
const CANCEL_POLL_INTERVAL_MS = 5000;
/** Delay before a job returned to the queue at shutdown may start again, in milliseconds. */
const SHUTDOWN_REQUEUE_DELAY_MS = 1000;

type QueuedJobData = TrainingJobData | ClassificationJobData;
/** A job on the queue. Its BullMQ job name is its kind. */
type QueuedJob = Job<TrainingJobData> | Job<ClassificationJobData>;

/**
 * Runs training and classification jobs from BullMQ and mirrors each job's state, phase and progress to the `jobs`
 * table. Classification jobs run in `ClassificationJobRunner` and change no model version.
 * The CPU-heavy training runs on worker threads and the index build yields every few thousand points, so this
 * process's event loop stays free to renew each job's lock. A job is taken for stalled only when its worker died.
 * A cancellation reaches the running job through a PostgreSQL notification, with a slower poll as a fallback.
 */
@Injectable()
export class TrainingWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TrainingWorker.name);
  private connection: IORedis;
  private worker: Worker<QueuedJobData>;
  private cancellations: NotificationListener;
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly config: AppConfig,
    private readonly pipeline: TrainingPipeline,
    private readonly jobs: JobRepository,
    private readonly models: ModelRepository,
    private readonly classification: ClassificationJobRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.cancellations = new NotificationListener(this.config, JOB_CANCELLED_CHANNEL, this.logger, {
      onNotification: (jobId) => this.stopCancelled(jobId),
      // Notifications sent while the connection was down are lost, so read the state of every running job.
      onListening: () => {
        for (const [jobId, controller] of this.running) {
          void this.checkCancelled(jobId, controller);
        }
      },
    });
    await this.cancellations.start();

    this.connection = createRedisConnection(this.config);
    this.worker = new Worker<QueuedJobData>(TRAINING_QUEUE, (job, token) => this.process(job as QueuedJob, token), {
      connection: this.connection,
      prefix: this.config.QUEUE_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration: this.config.JOB_LOCK_MS,
      stalledInterval: this.config.JOB_LOCK_MS,
      // A job whose worker died is started again once; one that kills its worker twice fails.
      maxStalledCount: 1,
    });
    this.worker.on('error', (error) => this.logger.error(`Queue error: ${error.message}`, error.stack));
    this.worker.on('stalled', (jobId) =>
      this.logger.warn(`Job ${jobId} stalled: its worker stopped renewing the lock`),
    );
    this.logger.log(`Worker started on queue ${this.config.QUEUE_PREFIX}:${TRAINING_QUEUE}`);
  }

  /**
   * Stops taking jobs, returns each running job to the queue with the reason, and waits for that to be recorded.
   * This runs before Nest closes the database connection.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`Worker stopping${signal ? ` on ${signal}` : ''}; ${this.running.size} job(s) running`);
    const closing = this.worker?.close();
    for (const controller of this.running.values()) {
      controller.abort(new WorkerShutdownError());
    }
    await closing;
    await this.cancellations?.stop();
    this.connection?.disconnect();
    this.logger.log('Worker stopped');
  }

  private async process(job: QueuedJob, token?: string): Promise<void> {
    const { jobId, modelId, versionId } = job.data;
    const attempt = job.attemptsStarted;
    const started = await this.jobs.transition(jobId, ['queued', 'active'], {
      state: 'active',
      phase: isClassification(job) ? 'classifying' : 'reading',
      startedAt: new Date(),
      attempts: attempt,
      error: null,
      phaseSeconds: {},
    });
    if (!started) {
      this.logger.log(`Job ${jobId} is no longer queued (cancelled or finished); skipped`);
      return;
    }

    this.logger.log(`Job ${jobId} started for model ${modelId} version ${versionId} (attempt ${attempt})`);
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const reporter = new JobProgressReporter(job, this.jobs, this.logger);
    const cancelCheck = setInterval(() => void this.checkCancelled(jobId, controller), CANCEL_POLL_INTERVAL_MS);
    try {
      if (isClassification(job)) {
        const classified = await this.classification.run(job.data, reporter.report, controller.signal);
        const phaseSeconds = await reporter.finish();
        if (classified) {
          await this.jobs.update(jobId, { phaseSeconds });
        }
        return;
      }

      const trained = await this.pipeline.run({ jobId, versionId }, reporter.report, controller.signal);
      const phaseSeconds = await reporter.finish();
      if (trained) {
        await this.jobs.update(jobId, { phaseSeconds });
        await this.models.updateVersion(versionId, { phaseSeconds });
      }
      this.logger.log(`Job ${jobId} completed; model ${modelId} version ${versionId} is ready`);
    } catch (error) {
      await reporter.finish();
      await this.handleFailure(job, token, error as Error);
    } finally {
      clearInterval(cancelCheck);
      this.running.delete(jobId);
    }
  }

  /** Stops a job of this worker that was cancelled. The trigger notifies only committed cancellations. */
  private stopCancelled(jobId: string): void {
    const controller = this.running.get(jobId);
    if (controller && !controller.signal.aborted) {
      this.logger.log(`Job ${jobId} was cancelled; stopping it`);
      controller.abort(new JobCancelledError(jobId));
    }
  }

  private async checkCancelled(jobId: string, controller: AbortController): Promise<void> {
    try {
      const job = await this.jobs.findById(jobId);
      if (job?.state === 'cancelled' && !controller.signal.aborted) {
        this.logger.log(`Job ${jobId} was cancelled; stopping it (found by polling)`);
        controller.abort(new JobCancelledError(jobId));
      }
    } catch (error) {
      this.logger.warn(`Job ${jobId}: cancellation check failed: ${(error as Error).message}`);
    }
  }

  /** Records why the attempt ended, then throws the error that makes BullMQ retry, delay or fail the job. */
  private async handleFailure(job: QueuedJob, token: string | undefined, error: Error): Promise<never> {
    const { jobId, versionId } = job.data;
    const reason = error.message;
    // A classification job only reads its model version, so only a training job changes the version's status.
    const trainedVersionId = isClassification(job) ? null : versionId;

    if (error instanceof JobCancelledError) {
      this.logger.log(`Job ${jobId} stopped after its cancellation; its files were removed`);
      throw new UnrecoverableError(reason);
    }

    if (error instanceof WorkerShutdownError) {
      await this.requeue(jobId, trainedVersionId, reason);
      await job.moveToDelayed(Date.now() + SHUTDOWN_REQUEUE_DELAY_MS, token);
      this.logger.warn(`Job ${jobId} returned to the queue: ${reason}`);
      throw new DelayedError(reason);
    }

    const permanent = error instanceof PermanentTrainingError;
    if (!permanent && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      this.logger.warn(`Job ${jobId} attempt ${job.attemptsMade + 1} failed, retrying: ${reason}`, error.stack);
      await this.requeue(jobId, trainedVersionId, reason);
      throw error;
    }

    this.logger.error(`Job ${jobId} failed for version ${versionId}: ${reason}`, permanent ? undefined : error.stack);
    await this.jobs.transition(jobId, ['active'], {
      state: 'failed',
      phase: 'done',
      error: reason,
      finishedAt: new Date(),
    });
    if (trainedVersionId !== null) {
      await this.models.transitionVersion(undefined, trainedVersionId, ['queued', 'training'], {
        status: 'failed',
        error: reason,
      });
    }
    throw permanent ? new UnrecoverableError(reason) : error;
  }

  private async requeue(jobId: string, trainedVersionId: string | null, reason: string): Promise<void> {
    await this.jobs.transition(jobId, ['active'], { state: 'queued', phase: 'queued', error: reason });
    if (trainedVersionId !== null) {
      await this.models.transitionVersion(undefined, trainedVersionId, ['training'], {
        status: 'queued',
        error: reason,
      });
    }
  }
}

function isClassification(job: QueuedJob): job is Job<ClassificationJobData> {
  return job.name === CLASSIFY_JOB_NAME;
}
