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
    // The map of the newest ready version; resolving it rejects a model that has none yet.
    const version = await this.models.resolveServingVersion(modelId);
    const path = this.artifacts.projectionPath(version.id);
    if (!(await this.artifacts.exists(path))) {
      throw new DomainError(
        'PROJECTION_NOT_FOUND',
        `Model ${modelId} has no 2-D map: it was trained with PROJECTION_MAX_TOKENS=0 or before maps existed`,
      );
    }

    return this.artifacts.openRead(path);
  }
}
