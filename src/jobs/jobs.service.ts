import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async get(id: string): Promise<JobEntity> {
    const job = isUuid(id) ? await this.jobs.findById(id) : null;
    if (!job) {
      throw new DomainError('JOB_NOT_FOUND', `Job ${id} not found`);
    }

    return job;
  }

  listForModel(modelId: string): Promise<JobEntity[]> {
    return this.jobs.listForModel(modelId);
  }

  /**
   * Cancels a queued or running job and its model version. The version row is changed first, in the same
   * transaction as the job, and the worker marks a version ready only while it is still training, so exactly one
   * of "cancelled" and "completed" wins. A running job is stopped by its worker, which checks for cancellation.
   */
  async cancel(id: string): Promise<JobEntity> {
    const job = await this.get(id);
    const cancelled = await this.dataSource.transaction(async (manager) => {
      const versionChanged = await this.models.transitionVersion(manager, job.versionId, ['queued', 'training'], {
        status: 'cancelled',
        error: CANCELLED_REASON,
      });
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

    const removed = await this.queue.removeTraining(job.id);
    this.logger.log(`Job ${job.id} of model ${job.modelId} cancelled${removed ? '' : '; its worker will stop it'}`);
    return this.get(id);
  }
}
