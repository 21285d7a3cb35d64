import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { VectorIndex, VectorIndexRepository } from './vector-index.repository';

/**
 * Keeps the most recently used model indexes loaded. Two requests for an index that is not loaded yet share
 * one read; a failed read is not cached, so the next request tries again.
 */
@Injectable()
export class VectorIndexCache {
  private readonly logger = new Logger(VectorIndexCache.name);
  private readonly entries = new Map<string, Promise<VectorIndex>>();

  constructor(
    private readonly config: AppConfig,
    private readonly repository: VectorIndexRepository,
  ) {}

  get(modelId: string, path: string, dimensions: number): Promise<VectorIndex> {
    const cached = this.entries.get(modelId);
    if (cached) {
      // Re-inserting moves the entry to the back of the Map's insertion order, which is the LRU order.
      this.entries.delete(modelId);
      this.entries.set(modelId, cached);
      return cached;
    }

    const loading = this.repository.read(path, dimensions);
    this.entries.set(modelId, loading);
    loading.then(
      (index) => this.logger.log(`Loaded index of model ${modelId} (${index.size} tokens)`),
      (error: Error) => {
        this.entries.delete(modelId);
        this.logger.error(`Index of model ${modelId} could not be read from ${path}: ${error.message}`);
      },
    );
    this.evict();
    return loading;
  }

  private evict(): void {
    while (this.entries.size > this.config.INDEX_CACHE_MODELS) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.logger.log(`Unloaded index of model ${oldest}`);
    }
  }
}
