import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobEntity } from '../entities/job.entity';
import { ModelEntity } from '../entities/model.entity';
import { ModelDefinition } from './model-definition';

@Injectable()
export class ModelRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get models() {
    return this.dataSource.getRepository(ModelEntity);
  }

  findById(id: string): Promise<ModelEntity | null> {
    return this.models.findOneBy({ id });
  }

  list(limit: number, offset: number): Promise<[ModelEntity[], number]> {
    return this.models.findAndCount({ order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }

  /** Inserts a queued model and its training job in one transaction. */
  async createWithJob(
    name: string,
    captureIds: string[],
    definition: ModelDefinition,
  ): Promise<{ model: ModelEntity; job: JobEntity }> {
    return this.dataSource.transaction(async (manager) => {
      const model = await manager.save(manager.create(ModelEntity, { name, captureIds, definition, status: 'queued' }));
      const job = await manager.save(
        manager.create(JobEntity, {
          kind: 'train',
          modelId: model.id,
          state: 'queued',
          phase: 'queued',
          progress: { fraction: 0 },
        }),
      );
      return { model, job };
    });
  }

  async delete(id: string): Promise<void> {
    await this.models.delete({ id });
  }

  async update(id: string, changes: Partial<Omit<ModelEntity, 'id'>>): Promise<void> {
    await this.models.update({ id }, changes);
  }
}
