import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { JobEntity } from '../entities/job.entity';
import { ModelEntity } from '../entities/model.entity';
import { ModelStatus, ModelVersionEntity } from '../entities/model-version.entity';
import { ModelDefinition } from './model-definition';

export interface VersionWithJob {
  model: ModelEntity;
  version: ModelVersionEntity;
  job: JobEntity;
}

/** Models, their versions and the jobs that create them, in PostgreSQL. */
@Injectable()
export class ModelRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get models() {
    return this.dataSource.getRepository(ModelEntity);
  }

  private get versions() {
    return this.dataSource.getRepository(ModelVersionEntity);
  }

  findById(id: string): Promise<ModelEntity | null> {
    return this.models.findOneBy({ id });
  }

  list(limit: number, offset: number): Promise<[ModelEntity[], number]> {
    return this.models.findAndCount({ order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }

  findVersionById(id: string): Promise<ModelVersionEntity | null> {
    return this.versions.findOneBy({ id });
  }

  findVersion(modelId: string, version: number): Promise<ModelVersionEntity | null> {
    return this.versions.findOneBy({ modelId, version });
  }

  findNewestVersion(modelId: string, status?: ModelStatus): Promise<ModelVersionEntity | null> {
    return this.versions.findOne({ where: { modelId, ...(status ? { status } : {}) }, order: { version: 'DESC' } });
  }

  listVersions(modelId: string): Promise<ModelVersionEntity[]> {
    return this.versions.find({ where: { modelId }, order: { version: 'DESC' } });
  }

  /** The version each model shows: its newest ready version, or its newest version when none is ready. */
  async findShownVersions(modelIds: string[]): Promise<Map<string, ModelVersionEntity>> {
    const rows = await this.versions.find({ where: { modelId: In(modelIds) }, order: { version: 'DESC' } });
    const shown = new Map<string, ModelVersionEntity>();
    for (const row of rows) {
      const current = shown.get(row.modelId);
      if (!current || (current.status !== 'ready' && row.status === 'ready')) {
        shown.set(row.modelId, row);
      }
    }

    return shown;
  }

  /**
   * Inserts a model with its first version and that version's training job, in one transaction. The first version
   * takes the model's id, so a model trained once is addressed by one id everywhere.
   */
  async createWithJob(name: string, captureIds: string[], definition: ModelDefinition): Promise<VersionWithJob> {
    return this.dataSource.transaction(async (manager) => {
      const model = await manager.save(manager.create(ModelEntity, { name, latestVersion: 1 }));
      const version = await manager.save(
        manager.create(ModelVersionEntity, {
          id: model.id,
          modelId: model.id,
          version: 1,
          status: 'queued',
          captureIds,
          definition,
        }),
      );
      return { model, version, job: await this.insertJob(manager, version) };
    });
  }

  /** Inserts a model whose only version is being imported; it becomes ready through `transitionVersion`. */
  async createImported(
    name: string,
    definition: ModelDefinition,
  ): Promise<{ model: ModelEntity; version: ModelVersionEntity }> {
    return this.dataSource.transaction(async (manager) => {
      const model = await manager.save(manager.create(ModelEntity, { name, latestVersion: 1 }));
      const version = await manager.save(
        manager.create(ModelVersionEntity, {
          id: model.id,
          modelId: model.id,
          version: 1,
          status: 'training',
          captureIds: [],
          definition,
          imported: true,
        }),
      );
      return { model, version };
    });
  }

  /** Adds the next version of a model and its training job. The row lock on the model numbers versions in order. */
  async createVersionWithJob(
    modelId: string,
    captureIds: string[],
    definition: ModelDefinition,
  ): Promise<VersionWithJob> {
    return this.dataSource.transaction(async (manager) => {
      const [[locked]] = (await manager.query(
        'UPDATE models SET "latestVersion" = "latestVersion" + 1 WHERE id = $1 RETURNING "latestVersion"',
        [modelId],
      )) as [{ latestVersion: number }[], number];
      const model = await manager.findOneByOrFail(ModelEntity, { id: modelId });
      const version = await manager.save(
        manager.create(ModelVersionEntity, {
          modelId,
          version: locked.latestVersion,
          status: 'queued',
          captureIds,
          definition,
        }),
      );
      return { model, version, job: await this.insertJob(manager, version) };
    });
  }

  private insertJob(manager: EntityManager, version: ModelVersionEntity): Promise<JobEntity> {
    return manager.save(
      manager.create(JobEntity, {
        kind: 'train',
        modelId: version.modelId,
        versionId: version.id,
        state: 'queued',
        phase: 'queued',
        progress: { fraction: 0 },
        phaseSeconds: {},
      }),
    );
  }

  /** Removes a version that never reached the queue. A model left without versions is removed with it. */
  async deleteVersion(versionId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const version = await manager.findOneBy(ModelVersionEntity, { id: versionId });
      if (!version) {
        return;
      }

      await manager.delete(ModelVersionEntity, { id: versionId });
      await manager.query(
        'UPDATE models SET "latestVersion" = "latestVersion" - 1 WHERE id = $1 AND "latestVersion" = $2',
        [version.modelId, version.version],
      );
      if ((await manager.countBy(ModelVersionEntity, { modelId: version.modelId })) === 0) {
        await manager.delete(ModelEntity, { id: version.modelId });
      }
    });
  }

  async updateVersion(id: string, changes: Partial<Omit<ModelVersionEntity, 'id'>>): Promise<void> {
    await this.versions.update({ id }, changes);
  }

  /**
   * Sets a version's status only while it is in one of `from`, so a cancelled version is never marked ready or
   * failed afterwards. Returns whether the row changed.
   */
  async transitionVersion(
    manager: EntityManager | undefined,
    id: string,
    from: ModelStatus[],
    changes: Partial<Omit<ModelVersionEntity, 'id'>>,
  ): Promise<boolean> {
    const result = await (manager ?? this.dataSource.manager).update(
      ModelVersionEntity,
      { id, status: In(from) },
      changes,
    );
    return (result.affected ?? 0) > 0;
  }
}
