import { Injectable } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import { ModelsService } from '../models/models.service';
import { TokenRepository } from '../similarity/token.repository';
import type { ProjectionResponseDto } from './projection.dto';
import type { ProjectionFile } from './projection.types';

@Injectable()
export class ProjectionService {
  constructor(
    private readonly models: ModelsService,
    private readonly artifacts: ArtifactRepository,
    private readonly tokens: TokenRepository,
  ) {}

  /**
   * Reads the model's `projection.json` and adds each token's k-means cluster from the vocabulary. The worker
   * writes the map before it clusters, so the file itself carries no clusters. The map is that of the version
   * numbered `versionNumber`, or else of the newest ready version.
   */
  async get(modelId: string, versionNumber?: number): Promise<ProjectionResponseDto> {
    // Resolving rejects a version that is not ready and a model that has no ready version yet.
    const version = await this.models.resolveServingVersion(modelId, versionNumber);
    const path = this.artifacts.projectionPath(version.id);
    if (!(await this.artifacts.exists(path))) {
      throw new DomainError(
        'PROJECTION_NOT_FOUND',
        `Model ${modelId} has no 2-D map: it was trained with PROJECTION_MAX_TOKENS=0 or before maps existed`,
      );
    }

    const file = JSON.parse((await this.artifacts.readBytes(path)).toString('utf8')) as ProjectionFile;
    const clusters = await this.clustersOf(version.id, file.tokens);

    return { ...file, clusters };
  }

  /** Looks up the clusters of the map's tokens, which are the first rows of the vocabulary (most frequent first). */
  private async clustersOf(versionId: string, tokens: string[]): Promise<(number | null)[]> {
    const rows = await this.tokens.findPage(versionId, -1, tokens.length);
    const clusterByToken = new Map(rows.map((row) => [row.token, row.cluster]));

    return tokens.map((token) => clusterByToken.get(token) ?? null);
  }
}
