import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { ClassificationResultRepository } from '../classification/classification-result.repository';
import { DEFAULT_VOTING_NEIGHBOURS } from '../classification/token-classifier';
import { AppConfig } from '../config/app-config';
import { JobEntity } from '../entities/job.entity';
import { ModelRepository } from '../models/model.repository';
import { QueueRepository } from '../queue/queue.repository';
import { JobRepository } from './job.repository';

/** Age below which a queued job missing from Redis is left alone, because its API call may still be adding it. */
const ENQUEUE_GRACE_MS = 60_000;

/**
 * Keeps the `jobs` table and BullMQ in agreement, from the worker role. PostgreSQL is the record, so:
 * - a job that Redis no longer has (Redis lost its keys) is queued again, unless it is a training job whose
 *   version is already ready;
 * - a job that BullMQ failed without a worker recording it (its worker died more often than BullMQ allows) is
 *   marked failed, and its files are removed (a training job's version and attempt folders, unless the version is
 *   ready, or a classification job's CSV);
 * - a job shown as active that BullMQ has as waiting (its worker died and BullMQ moved it back) is shown queued.
 * It runs at start and then once per job lock duration, so no job stays active after its worker is gone.
 */
@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobRepository,
    private readonly models: ModelRepository,
    private readonly queue: QueueRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly results: ClassificationResultRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.config.JOB_LOCK_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.running = this.running
      .then(() => this.reconcile())
      .catch((error: Error) => this.logger.error(`Job reconciliation failed: ${error.message}`, error.stack));
  }

  /** Compares every unfinished job with its BullMQ state and repairs the ones that disagree. */
  async reconcile(): Promise<void> {
    for (const job of await this.jobs.findUnfinished()) {
      const state = await this.queue.jobState(job.id);
      if (state === 'missing') {
        await this.requeueMissing(job);
      } else if (state === 'failed') {
        await this.markFailed(job, 'the job failed in the queue without a worker recording it (its worker died)');
      } else if ((state === 'waiting' || state === 'delayed' || state === 'prioritized') && job.state === 'active') {
        await this.jobs.transition(job.id, ['active'], { state: 'queued', phase: 'queued' });
        if (job.kind === 'train') {
          await this.models.transitionVersion(undefined, job.versionId, ['training'], { status: 'queued' });
        }
        this.logger.warn(`Job ${job.id} is waiting in the queue again after its worker stopped; shown as queued`);
      }
    }
  }

  private async requeueMissing(job: JobEntity): Promise<void> {
    if (job.kind === 'classify') {
      await this.requeueMissingClassification(job);
      return;
    }

    const version = await this.models.findVersionById(job.versionId);
    if (version?.status === 'ready') {
      await this.jobs.transition(job.id, ['queued', 'active'], {
        state: 'completed',
        phase: 'done',
        finishedAt: new Date(),
      });
      return;
    }

    if (!version || Date.now() - job.createdAt.getTime() < ENQUEUE_GRACE_MS) {
      return;
    }

    await this.jobs.transition(job.id, ['queued', 'active'], { state: 'queued', phase: 'queued' });
    await this.models.transitionVersion(undefined, version.id, ['training'], { status: 'queued' });
    await this.queue.enqueueTraining({ jobId: job.id, modelId: job.modelId, versionId: job.versionId });
    this.logger.warn(`Job ${job.id} was missing from the queue (Redis lost it); queued again`);
  }

  private async requeueMissingClassification(job: JobEntity): Promise<void> {
    if (Date.now() - job.createdAt.getTime() < ENQUEUE_GRACE_MS) {
      return;
    }

    if (job.captureId === null) {
      await this.markFailed(job, 'its capture was deleted before it was classified');
      return;
    }

    await this.jobs.transition(job.id, ['queued', 'active'], { state: 'queued', phase: 'queued' });
    await this.queue.enqueueClassification({
      jobId: job.id,
      modelId: job.modelId,
      versionId: job.versionId,
      captureId: job.captureId,
      k: job.k ?? DEFAULT_VOTING_NEIGHBOURS,
    });
    this.logger.warn(`Job ${job.id} was missing from the queue (Redis lost it); queued again`);
  }

  private async markFailed(job: JobEntity, reason: string): Promise<void> {
    const changed = await this.jobs.transition(job.id, ['queued', 'active'], {
      state: 'failed',
      phase: 'done',
      error: reason,
      finishedAt: new Date(),
    });
    if (job.kind === 'classify') {
      await this.results.remove(job.id);
    } else {
      const versionFailed = await this.models.transitionVersion(undefined, job.versionId, ['queued', 'training'], {
        status: 'failed',
        error: reason,
      });
      // A version that another attempt made ready keeps its files.
      if (versionFailed) {
        await this.artifacts.remove(this.artifacts.modelDir(job.versionId));
        await this.artifacts.removeAttempts(job.versionId);
      }
    }
    if (changed) {
      this.logger.error(`Job ${job.id} of model ${job.modelId} failed: ${reason}`);
    }
  }
}
