import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { JobEntity } from '../entities/job.entity';

@Injectable()
export class JobRepository {
  constructor(@InjectRepository(JobEntity) private readonly jobs: Repository<JobEntity>) {}

  findById(id: string): Promise<JobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  findLatestForModel(modelId: string): Promise<JobEntity | null> {
    return this.jobs.findOne({ where: { modelId }, order: { createdAt: 'DESC' } });
  }

  /** Jobs newest first, with the total count. */
  list(limit: number, offset: number): Promise<[JobEntity[], number]> {
    return this.jobs.findAndCount({ order: { createdAt: 'DESC', id: 'ASC' }, take: limit, skip: offset });
  }

  async update(id: string, changes: Partial<Omit<JobEntity, 'id'>>): Promise<void> {
    await this.jobs.update({ id }, changes);
  }
}
