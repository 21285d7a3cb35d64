import { Injectable, Logger } from '@nestjs/common';
import { CaptureRepository } from '../captures/capture.repository';
import { DomainError } from '../common/domain-error';
import { isUuid } from '../common/uuid';
import { JobEntity } from '../entities/job.entity';
import { ModelEntity } from '../entities/model.entity';
import { QueueRepository } from '../queue/queue.repository';
import { ModelCreateDto, toModelDefinition } from './model.dto';
import { ModelRepository } from './model.repository';

@Injectable()
export class ModelsService {
  private readonly logger = new Logger(ModelsService.name);

  constructor(
    private readonly models: ModelRepository,
    private readonly captures: CaptureRepository,
    private readonly queue: QueueRepository,
  ) {}

  /** Creates a model and queues its training. Every named capture must exist before anything is queued. */
  async create(request: ModelCreateDto): Promise<{ model: ModelEntity; job: JobEntity }> {
    const found = await this.captures.findByIds(request.captureIds);
    const missing = request.captureIds.filter((id) => !found.some((capture) => capture.id === id));
    if (missing.length > 0) {
      throw new DomainError(
        'CAPTURE_NOT_FOUND',
        `Capture not found: ${missing.join(', ')}. Upload it first or fix captureIds.`,
        { missing },
      );
    }

    const definition = toModelDefinition(request);
    const name = request.name ?? `model of ${found.map((capture) => capture.fileName).join(', ')}`.slice(0, 200);
    const { model, job } = await this.models.createWithJob(name, request.captureIds, definition);

    try {
      await this.queue.enqueueTraining({ jobId: job.id, modelId: model.id });
    } catch (error) {
      // A model whose job never reached the queue would stay queued forever, so it is removed.
      await this.models.delete(model.id);
      throw error;
    }

    this.logger.log(`Created model ${model.id} with training job ${job.id}`);
    return { model, job };
  }

  async get(id: string): Promise<ModelEntity> {
    const model = isUuid(id) ? await this.models.findById(id) : null;
    if (!model) {
      throw new DomainError('MODEL_NOT_FOUND', `Model ${id} not found`);
    }

    return model;
  }

  list(limit: number, offset: number): Promise<[ModelEntity[], number]> {
    return this.models.list(limit, offset);
  }
}
