import { Injectable, Logger } from '@nestjs/common';
import { CaptureRepository } from '../captures/capture.repository';
import { DomainError } from '../common/domain-error';
import { isUuid } from '../common/uuid';
import { ModelEntity } from '../entities/model.entity';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { QueueRepository } from '../queue/queue.repository';
import { ModelDefinition } from './model-definition';
import { ModelCreateDto, ModelRetrainDto } from './model.dto';
import { toModelDefinition } from './model-settings.dto';
import { MAX_VERSION } from './served-version.dto';
import { ModelRepository, VersionWithJob } from './model.repository';

/** A model together with the version it shows: its newest ready one, or its newest while none is ready. */
export interface ShownModel {
  model: ModelEntity;
  version: ModelVersionEntity;
}

@Injectable()
export class ModelsService {
  private readonly logger = new Logger(ModelsService.name);

  constructor(
    private readonly models: ModelRepository,
    private readonly captures: CaptureRepository,
    private readonly queue: QueueRepository,
  ) {}

  /** Creates a model and queues its training. Every named capture must exist before anything is queued. */
  async create(request: ModelCreateDto): Promise<VersionWithJob> {
    const found = await this.findCaptures(request.captureIds);
    const definition = toModelDefinition(request);
    const name = request.name ?? `model of ${found.map((capture) => capture.fileName).join(', ')}`.slice(0, 200);
    const created = await this.models.createWithJob(name, request.captureIds, definition);
    await this.enqueue(created);

    this.logger.log(`Created model ${created.model.id} with training job ${created.job.id}`);
    return created;
  }

  /**
   * Queues a new version of a model. Settings left out of the request come from the newest version; the ready
   * version keeps serving until the new one is ready.
   */
  async retrain(modelId: string, request: ModelRetrainDto): Promise<VersionWithJob> {
    const { model } = await this.get(modelId);
    const base = (await this.models.findNewestVersion(model.id))!;
    const captureIds = request.captureIds ?? base.captureIds;
    if (captureIds.length === 0) {
      throw new DomainError(
        'INVALID_INPUT',
        `Model ${model.id} was imported from a word2vec file and has no captures; name captureIds to retrain it`,
      );
    }
    await this.findCaptures(captureIds);

    const definition: ModelDefinition = toModelDefinition(request, base.definition);
    const created = await this.models.createVersionWithJob(model.id, captureIds, definition);
    await this.enqueue(created);

    this.logger.log(`Queued version ${created.version.version} of model ${model.id} with job ${created.job.id}`);
    return created;
  }

  async get(id: string): Promise<ShownModel> {
    const model = isUuid(id) ? await this.models.findById(id) : null;
    const version = model ? (await this.models.findShownVersions([model.id])).get(model.id) : undefined;
    if (!model || !version) {
      throw new DomainError('MODEL_NOT_FOUND', `Model ${id} not found`);
    }

    return { model, version };
  }

  async list(limit: number, offset: number): Promise<[ShownModel[], number]> {
    const [models, total] = await this.models.list(limit, offset);
    const versions = await this.models.findShownVersions(models.map((model) => model.id));
    const shown = models.flatMap((model) => {
      const version = versions.get(model.id);
      return version ? [{ model, version }] : [];
    });

    return [shown, total];
  }

  async listVersions(modelId: string): Promise<ModelVersionEntity[]> {
    const { model } = await this.get(modelId);
    return this.models.listVersions(model.id);
  }

  async getVersion(modelId: string, version: number): Promise<ModelVersionEntity> {
    const { model } = await this.get(modelId);
    const found = Number.isInteger(version) ? await this.models.findVersion(model.id, version) : null;
    if (!found) {
      throw new DomainError('MODEL_NOT_FOUND', `Model ${modelId} has no version ${version}`);
    }

    return found;
  }

  /**
   * Returns the ready version that serves queries for a model: the one named by `version`, or else the newest ready one.
   * Its id keys the version's `tokens` rows and its artifact files. A `version` that is not an integer from 1 to
   * MAX_VERSION is INVALID_INPUT, and one the model does not have is MODEL_NOT_FOUND. A version that is not ready,
   * or no ready version at all, is MODEL_NOT_READY.
   */
  async resolveServingVersion(modelId: string, version?: number): Promise<ModelVersionEntity> {
    if (version !== undefined && !(Number.isInteger(version) && version >= 1 && version <= MAX_VERSION)) {
      throw new DomainError('INVALID_INPUT', `version must be an integer from 1 to ${MAX_VERSION}, got ${version}`);
    }

    const serving =
      version === undefined
        ? await this.models.findNewestVersion((await this.get(modelId)).model.id, 'ready')
        : await this.getVersion(modelId, version);
    if (!serving) {
      throw new DomainError(
        'MODEL_NOT_READY',
        `Model ${modelId} has no ready version; poll its job until it completes`,
      );
    }
    if (serving.status === 'failed' || serving.status === 'cancelled') {
      throw new DomainError(
        'MODEL_NOT_READY',
        `Version ${version} of model ${modelId} is ${serving.status}, so it has no vectors; name a ready version ` +
          'or leave version out to use the newest ready one',
      );
    }
    if (serving.status !== 'ready') {
      throw new DomainError(
        'MODEL_NOT_READY',
        `Version ${version} of model ${modelId} is ${serving.status}; poll its job until it completes`,
      );
    }

    return serving;
  }

  private async findCaptures(captureIds: string[]) {
    const found = await this.captures.findByIds(captureIds);
    const missing = captureIds.filter((id) => !found.some((capture) => capture.id === id));
    if (missing.length > 0) {
      throw new DomainError(
        'CAPTURE_NOT_FOUND',
        `Capture not found: ${missing.join(', ')}. Upload it first or fix captureIds.`,
        { missing },
      );
    }

    return captureIds.map((id) => found.find((capture) => capture.id === id)!);
  }

  private async enqueue({ version, job }: VersionWithJob): Promise<void> {
    try {
      await this.queue.enqueueTraining({ jobId: job.id, modelId: version.modelId, versionId: version.id });
    } catch (error) {
      // A version whose job never reached the queue would stay queued forever, so it is removed.
      await this.models.deleteVersion(version.id);
      throw error;
    }
  }
}
