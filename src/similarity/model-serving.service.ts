import { Injectable } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import type { Flow } from '../captures/flow.types';
import { DomainError } from '../common/domain-error';
import { ModelsService } from '../models/models.service';
import { formatToken } from '../training/token-format';
import type { TokenRefDto } from './similarity.dto';
import { ServingModel } from './serving-model';
import { ServingModelCache } from './serving-model.cache';
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

  /** Returns the loaded, ready version of a model; INDEX_UNAVAILABLE (503) when its files cannot be read. */
  async get(modelId: string): Promise<ServingModel> {
    const source = await this.cachedSource(modelId);
    const key = `${source.modelId}@${source.version}`;

    try {
      return await this.cache.get(source.modelId, key, () => this.loader.load(source));
    } catch (error) {
      throw new DomainError(
        'INDEX_UNAVAILABLE',
        `Model ${source.modelId} cannot be served because its index, vectors or vocabulary could not be loaded: ${(error as Error).message}`,
        { modelId: source.modelId },
      );
    }
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
        `Token "${token}" is not in the vocabulary of model ${model.modelId}: it never occurs in the model's training captures`,
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

  private cachedSource(modelId: string): Promise<ServingSource> {
    const cached = this.sources.get(modelId);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.source;
    }

    const source = this.servingSource(modelId);
    this.sources.set(modelId, { source, expiresAt: Date.now() + SOURCE_TTL_MS });
    source.catch(() => this.sources.delete(modelId));
    return source;
  }

  /**
   * Decides which artifacts and vocabulary serve a model: those of its newest ready version, whose id keys both
   * its token rows and its artifact folder. No other code picks them.
   */
  private async servingSource(modelId: string): Promise<ServingSource> {
    const version = await this.models.resolveServingVersion(modelId);
    if (version.vocabularySize === null) {
      throw new DomainError(
        'MODEL_NOT_READY',
        `Model ${modelId} has no stored vocabulary yet; poll its job until it completes`,
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
