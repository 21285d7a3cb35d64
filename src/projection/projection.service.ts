import { Injectable } from '@nestjs/common';
import { ReadStream } from 'node:fs';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import { ModelsService } from '../models/models.service';

@Injectable()
export class ProjectionService {
  constructor(
    private readonly models: ModelsService,
    private readonly artifacts: ArtifactRepository,
  ) {}

  /** Opens the model's `projection.json`; the file is already JSON, so it is streamed as it is. */
  async open(modelId: string): Promise<ReadStream> {
    const model = await this.models.get(modelId);
    if (model.status !== 'ready') {
      throw new DomainError('MODEL_NOT_READY', `Model ${modelId} is ${model.status}; its map exists once it is ready`);
    }

    const path = this.artifacts.projectionPath(modelId);
    if (!(await this.artifacts.exists(path))) {
      throw new DomainError(
        'PROJECTION_NOT_FOUND',
        `Model ${modelId} has no 2-D map: it was trained with PROJECTION_MAX_TOKENS=0 or before maps existed`,
      );
    }

    return this.artifacts.openRead(path);
  }
}
