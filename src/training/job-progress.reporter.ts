import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { JobPhase, JobProgress } from '../entities/job.entity';
import { JobRepository } from '../jobs/job.repository';
import { TrainingJobData } from '../queue/queue.constants';

/** Minimum time between two progress writes of one job to PostgreSQL, in milliseconds. */
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * Mirrors a job's progress to PostgreSQL and BullMQ at most once a second and at every phase change, and times
 * each phase. Writes are chained, so after `finish` no late progress write can land after the job's final state.
 */
export class JobProgressReporter {
  private lastWrite = 0;
  private phase: JobPhase | undefined;
  private phaseStartedAt = 0;
  private readonly phaseSeconds: Record<string, number> = {};
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: Job<TrainingJobData>,
    private readonly jobs: JobRepository,
    private readonly logger: Logger,
  ) {}

  readonly report = (phase: JobPhase, progress: JobProgress): void => {
    const now = Date.now();
    const phaseChanged = phase !== this.phase;
    if (!phaseChanged && now - this.lastWrite < PROGRESS_WRITE_INTERVAL_MS) {
      return;
    }

    if (phaseChanged) {
      this.closePhase(now);
      this.phase = phase;
      this.phaseStartedAt = now;
    }

    this.lastWrite = now;
    const phaseSeconds = { ...this.phaseSeconds };
    this.pending = this.pending
      .then(() => this.jobs.transition(this.job.data.jobId, ['active'], { phase, progress, phaseSeconds }))
      .then(() => this.job.updateProgress({ phase, ...progress }))
      .catch((error: Error) => this.logger.warn(`Job ${this.job.data.jobId}: progress not saved: ${error.message}`));
  };

  /** Waits for pending writes and returns the seconds spent in each phase, the last one included. */
  async finish(): Promise<Record<string, number>> {
    this.closePhase(Date.now());
    this.phase = undefined;
    await this.pending;
    return { ...this.phaseSeconds };
  }

  private closePhase(now: number): void {
    if (this.phase !== undefined) {
      this.phaseSeconds[this.phase] = (this.phaseSeconds[this.phase] ?? 0) + (now - this.phaseStartedAt) / 1000;
    }
  }
}
