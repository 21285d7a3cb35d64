import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { JobEntity, JobState } from '../entities/job.entity';

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

  listForModel(modelId: string): Promise<JobEntity[]> {
    return this.jobs.find({ where: { modelId }, order: { createdAt: 'DESC' } });
  }

  /** Jobs that are not finished yet, oldest first. */
  findUnfinished(): Promise<JobEntity[]> {
    return this.jobs.find({ where: { state: In(['queued', 'active']) }, order: { createdAt: 'ASC' } });
  }

  /** Inserts a queued classification job of `captureId` with the model version `versionId`. */
  createClassification(
    fields: { modelId: string; versionId: string; captureId: string; k: number },
    flowsTotal: number,
  ): Promise<JobEntity> {
    return this.jobs.save(
      this.jobs.create({
        ...fields,
        kind: 'classify',
        state: 'queued',
        phase: 'queued',
        progress: { fraction: 0, flowsDone: 0, flowsTotal },
        phaseSeconds: {},
      }),
    );
  }

  /** Removes a job that never reached the queue. */
  async delete(id: string): Promise<void> {
    await this.jobs.delete({ id });
  }

  async update(id: string, changes: Partial<Omit<JobEntity, 'id'>>): Promise<void> {
    await this.jobs.update({ id }, changes);
  }

  /**
   * Updates a job only while its state is one of `from`, so that a worker never overwrites a cancellation and a
   * cancellation never overwrites a finished job. Returns whether the row changed.
   */
  async transition(
    id: string,
    from: JobState[],
    changes: Partial<Omit<JobEntity, 'id'>>,
    manager?: EntityManager,
  ): Promise<boolean> {
    const result = await (manager ?? this.jobs.manager).update(JobEntity, { id, state: In(from) }, changes);
    return (result.affected ?? 0) > 0;
  }
}
