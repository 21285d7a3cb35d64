import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { isUuid } from '../common/uuid';
import { JobEntity } from '../entities/job.entity';
import { JobRepository } from './job.repository';

@Injectable()
export class JobsService {
  constructor(private readonly jobs: JobRepository) {}

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
}
