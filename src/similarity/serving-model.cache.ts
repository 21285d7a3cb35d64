import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ServingModel } from './serving-model';

/**
 * The way a request chose its model version: `newest` when it named none and got the newest ready version,
 * `named` when it named the version by number.
 */
export type ServedVersionKind = 'newest' | 'named';

interface Entry {
  modelId: string;
  loading: Promise<ServingModel>;
  /** Estimated memory once loaded; 0 while loading. */
  bytes: number;
  /** Some request received this entry as the newest ready version of its model. */
  servedAsNewest: boolean;
  /** Some request named this entry's version by number, so only the memory budget unloads it, not a newer version. */
  named: boolean;
}

/**
 * Keeps loaded model versions in least-recently-used order within the INDEX_CACHE_MB memory budget.
 * Requests for a version that is still loading share its one read. A failed read is not cached, so the
 * next request tries again. When a version has loaded as the newest of its model, the versions served as the newest
 * before it are dropped, and requests that already hold them finish on them. A version that some request named by
 * number is not dropped this way: it stays until the memory budget evicts it.
 */
@Injectable()
export class ServingModelCache {
  private readonly logger = new Logger(ServingModelCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly budgetBytes: number;

  constructor(config: AppConfig) {
    this.budgetBytes = config.INDEX_CACHE_MB * 1024 * 1024;
  }

  /** Returns the model version cached under `key`, calling `load` once if it is not cached. */
  get(modelId: string, key: string, kind: ServedVersionKind, load: () => Promise<ServingModel>): Promise<ServingModel> {
    const cached = this.entries.get(key);
    if (cached) {
      // Re-inserting moves the entry to the back of the Map's insertion order, which is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      cached.servedAsNewest ||= kind === 'newest';
      cached.named ||= kind === 'named';
      return cached.loading;
    }

    const entry: Entry = {
      modelId,
      loading: load(),
      bytes: 0,
      servedAsNewest: kind === 'newest',
      named: kind === 'named',
    };
    this.entries.set(key, entry);
    entry.loading.then(
      (model) => this.onLoaded(key, entry, model),
      (error: Error) => {
        this.entries.delete(key);
        this.logger.error(`Model ${modelId} (${key}) could not be loaded: ${error.message}`);
      },
    );
    return entry.loading;
  }

  /** Estimated bytes held by loaded models. */
  get loadedBytes(): number {
    let total = 0;
    this.entries.forEach((entry) => (total += entry.bytes));
    return total;
  }

  private onLoaded(key: string, entry: Entry, model: ServingModel): void {
    entry.bytes = model.estimatedBytes;
    const megabytes = (entry.bytes / 1024 / 1024).toFixed(0);
    this.logger.log(`Loaded model ${entry.modelId} (${key}): ${model.size} tokens, about ${megabytes} MiB`);

    if (entry.servedAsNewest) {
      for (const [otherKey, other] of this.entries) {
        if (other.modelId === entry.modelId && otherKey !== key && other.bytes > 0 && !other.named) {
          this.unload(otherKey, 'a newer version is loaded');
        }
      }
    }
    this.evict(key);
  }

  /** Unloads least recently used models until the budget holds, never the one just loaded nor one loading. */
  private evict(keep: string): void {
    for (const [key, entry] of this.entries) {
      if (this.loadedBytes <= this.budgetBytes) {
        return;
      }
      if (key !== keep && entry.bytes > 0) {
        this.unload(key, `the memory budget of ${this.budgetBytes / 1024 / 1024} MiB is exceeded`);
      }
    }

    if (this.loadedBytes > this.budgetBytes) {
      this.logger.warn(`Loaded models take more than the memory budget INDEX_CACHE_MB; serving them anyway`);
    }
  }

  private unload(key: string, reason: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.logger.log(`Unloaded model ${entry?.modelId} (${key}) because ${reason}`);
  }
}
