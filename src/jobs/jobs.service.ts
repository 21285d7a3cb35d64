import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReadStream } from 'node:fs';
import { ClassificationResultRepository } from '../classification/classification-result.repository';
import { DomainError } from '../common/domain-error';
import { isUuid } from '../common/uuid';
import { JobEntity } from '../entities/job.entity';
import { ModelRepository } from '../models/model.repository';
import { QueueRepository } from '../queue/queue.repository';
import { JobRepository } from './job.repository';

export const CANCELLED_REASON = 'cancelled through the API';

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly jobs: JobRepository,
    private readonly models: ModelRepository,
    private readonly queue: QueueRepository,
    private readonly results: ClassificationResultRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async get(id: string): Promise<JobEntity> {
    const job = isUuid(id) ? await this.jobs.findById(id) : null;
    if (!job) {
      throw new DomainError('JOB_NOT_FOUND', `Job ${id} not found`);
    }

    return job;
  }

  list(limit: number, offset: number): Promise<[JobEntity[], number]> {
    return this.jobs.list(limit, offset);
  }

  listForModel(modelId: string): Promise<JobEntity[]> {
    return this.jobs.listForModel(modelId);
  }

  /**
   * Cancels a queued or running job, and the model version of a training job. The version row is changed first, in
   * the same transaction as the job, and the worker marks a version ready only while it is still training, so
   * exactly one of "cancelled" and "completed" wins. A classification job completes only while it is active, so
   * the same holds for it. A running job is stopped by its worker, which the `jobs_cancelled` trigger notifies.
   */
  async cancel(id: string): Promise<JobEntity> {
    const job = await this.get(id);
    const cancelled = await this.dataSource.transaction(async (manager) => {
      const versionChanged =
        job.kind === 'classify' ||
        (await this.models.transitionVersion(manager, job.versionId, ['queued', 'training'], {
          status: 'cancelled',
          error: CANCELLED_REASON,
        }));
      if (!versionChanged) {
        return false;
      }

      return this.jobs.transition(
        job.id,
        ['queued', 'active'],
        { state: 'cancelled', phase: 'done', error: CANCELLED_REASON, finishedAt: new Date() },
        manager,
      );
    });

    if (!cancelled) {
      const current = await this.get(id);
      throw new DomainError(
        'JOB_FINISHED',
        `Job ${id} is already ${current.state}; only queued or active jobs can be cancelled`,
      );
    }

    const removed = await this.queue.removeJob(job.id);
    this.logger.log(`Job ${job.id} of model ${job.modelId} cancelled${removed ? '' : '; its worker will stop it'}`);
    return this.get(id);
  }

  /**
   * Returns the CSV file of a completed classification job and the name to offer it under. Throws JOB_NOT_FOUND for
   * an unknown job and RESULT_NOT_AVAILABLE for a training job, a job that has not completed, or a missing file.
   */
  async openResult(id: string): Promise<{ stream: ReadStream; fileName: string; sizeBytes: number }> {
    const job = await this.get(id);
    if (job.kind !== 'classify') {
      throw new DomainError(
        'RESULT_NOT_AVAILABLE',
        `Job ${id} is a ${job.kind} job, which has no CSV result; only classification jobs have one`,
      );
    }
    if (job.state !== 'completed' || job.result === null) {
      throw new DomainError(
        'RESULT_NOT_AVAILABLE',
        `Job ${id} is ${job.state}; its CSV can be downloaded once the job is completed`,
        { state: job.state },
      );
    }
    if (!(await this.results.exists(job.id))) {
      throw new DomainError(
        'RESULT_NOT_AVAILABLE',
        `The CSV file of job ${id} is missing from the artifact directory; start the classification again`,
      );
    }

    return { stream: this.results.openRead(job.id), fileName: job.result.fileName, sizeBytes: job.result.sizeBytes };
  }
}
