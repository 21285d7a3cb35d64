import { Injectable } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import type { Flow } from '../captures/flow.types';
import { DomainError } from '../common/domain-error';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import { ModelsService } from '../models/models.service';
import { formatToken } from '../training/token-format';
import type { TokenRefDto } from './similarity.dto';
import { ServingModel } from './serving-model';
import { ServedVersionKind, ServingModelCache } from './serving-model.cache';
import { ServingModelLoader, ServingSource } from './serving-model.loader';
import { TokenRepository } from './token.repository';

/**
 * How long a model's status and version are reused before PostgreSQL is asked again, in milliseconds.
 * It keeps the database off the query path; a retrained or deleted model is noticed within this time.
 */
const SOURCE_TTL_MS = 1000;

/** Finds the served version of a model, loads it through the cache and resolves token names against it. */
@Injectable()
export class ModelServingService {
  private readonly sources = new Map<string, { source: Promise<ServingSource>; expiresAt: number }>();

  constructor(
    private readonly models: ModelsService,
    private readonly artifacts: ArtifactRepository,
    private readonly tokens: TokenRepository,
    private readonly loader: ServingModelLoader,
    private readonly cache: ServingModelCache,
  ) {}

  /**
   * Returns the loaded model version that `version` names, or else the newest ready one. INDEX_UNAVAILABLE (503)
   * when its files cannot be read; `ModelsService.resolveServingVersion` lists the other errors.
   */
  async get(modelId: string, version?: number): Promise<ServingModel> {
    return this.load(await this.cachedSource(modelId, version), version === undefined ? 'newest' : 'named');
  }

  /**
   * Returns the loaded model of a version that the caller has already resolved, so that its queries and its
   * database reads use one version. `kind` is how the caller chose it: as the newest ready one, or by number.
   */
  async getResolved(version: ModelVersionEntity, kind: ServedVersionKind): Promise<ServingModel> {
    return this.load(this.sourceOf(version), kind);
  }

  /**
   * Returns the token id of `ref` in the model. An unknown token is TOKEN_NOT_FOUND (404), with the reason:
   * never seen in the training captures, or seen but cut from the vocabulary, with its count.
   */
  async resolveToken(model: ServingModel, ref: TokenRefDto | string): Promise<number> {
    const token = typeof ref === 'string' ? ref : this.tokenOf(model, ref);
    const tokenId = model.vocabulary.idOf(token);
    if (tokenId !== undefined) {
      return tokenId;
    }

    const count = await this.tokens.findCutCount(model.versionId, token);
    const { minCount, maxFinalVocab } = model.definition.vocabulary;
    if (count === null) {
      throw new DomainError(
        'TOKEN_NOT_FOUND',
        `Token "${token}" is not in the vocabulary of model ${model.modelId}: it never occurs in the model's ` +
          `training captures${shapeHint(model, token)}`,
        { token, reason: 'never_seen' },
      );
    }

    const why =
      count < minCount
        ? `seen ${count} times, fewer than the model's minCount of ${minCount}`
        : `seen ${count} times, but maxFinalVocab ${maxFinalVocab} raised the minimum count above that`;
    throw new DomainError(
      'TOKEN_NOT_FOUND',
      `Token "${token}" is not in the vocabulary of model ${model.modelId}: it was ${why}, so it has no vector`,
      { token, reason: 'below_min_count', count, minCount },
    );
  }

  /** Joins a token reference's flow fields in the model's token field order, or returns its token string. */
  private tokenOf(model: ServingModel, ref: TokenRefDto): string {
    if ((ref.token === undefined) === (ref.fields === undefined || ref.fields === null)) {
      throw new DomainError('INVALID_INPUT', 'A token reference needs exactly one of "token" and "fields"');
    }
    if (ref.token !== undefined && ref.token !== null) {
      return ref.token;
    }

    const fields = model.definition.tokenFields;
    const missing = fields.filter((field) => !ref.fields![field]);
    if (missing.length > 0) {
      throw new DomainError(
        'INVALID_INPUT',
        `fields.${missing.join(', fields.')} missing: tokens of model ${model.modelId} are made of ${fields.join(', ')}`,
      );
    }

    const flow = { ...ref.fields, proto: ref.fields!.proto?.toLowerCase() } as unknown as Flow;
    return formatToken(flow, fields);
  }

  private async load(source: ServingSource, kind: ServedVersionKind): Promise<ServingModel> {
    const key = `${source.modelId}@${source.version}`;

    try {
      return await this.cache.get(source.modelId, key, kind, () => this.loader.load(source));
    } catch (error) {
      throw new DomainError(
        'INDEX_UNAVAILABLE',
        `Model ${source.modelId} cannot be served because its index, vectors or vocabulary could not be loaded: ${(error as Error).message}`,
        { modelId: source.modelId },
      );
    }
  }

  private cachedSource(modelId: string, version: number | undefined): Promise<ServingSource> {
    const sourceKey = version === undefined ? modelId : `${modelId}#${version}`;
    const cached = this.sources.get(sourceKey);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.source;
    }

    const source = this.servingSource(modelId, version);
    this.sources.set(sourceKey, { source, expiresAt: Date.now() + SOURCE_TTL_MS });
    source.catch(() => this.sources.delete(sourceKey));
    return source;
  }

  /**
   * Decides which artifacts and vocabulary serve a model: those of the version named by `version`, or else of its
   * newest ready version. The version's id keys both its token rows and its artifact folder.
   */
  private async servingSource(modelId: string, version: number | undefined): Promise<ServingSource> {
    return this.sourceOf(await this.models.resolveServingVersion(modelId, version));
  }

  private sourceOf(version: ModelVersionEntity): ServingSource {
    if (version.vocabularySize === null) {
      throw new DomainError(
        'MODEL_NOT_READY',
        `Version ${version.version} of model ${version.modelId} has no stored vocabulary yet; poll its job until it completes`,
      );
    }

    return {
      modelId: version.modelId,
      versionId: version.id,
      // readyAt is part of the key, so files replaced under the same version id are reloaded too.
      version: `${version.id}@${version.readyAt?.toISOString()}`,
      definition: version.definition,
      vocabularySize: version.vocabularySize,
      indexPath: this.artifacts.indexPath(version.id),
      vectorsPath: this.artifacts.vectorsPath(version.id),
    };
  }
}

/**
 * Returns a hint that shows one of the model's tokens when `token` has another number of `|`-separated fields,
 * such as an address alone. Returns an empty string otherwise.
 */
function shapeHint(model: ServingModel, token: string): string {
  const example = model.vocabulary.size > 0 ? model.vocabulary.tokens[0] : undefined;
  const fields = example?.split('|').length;
  if (example === undefined || token.split('|').length === fields) {
    return '';
  }

  return `. Tokens of this model are ${fields} fields joined by "|", for example "${example}"`;
}
