import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppConfig } from '../config/app-config';
import type { ServingModel } from './serving-model';
import { ServedVersionKind, ServingModelCache } from './serving-model.cache';

const MIB = 1024 * 1024;

/** Creates a cache with a budget of `budgetMib` MiB whose versions of model `m` each take 1 MiB, and counts loads per key. */
function cacheWithCountedLoads(budgetMib: number) {
  const cache = new ServingModelCache({ INDEX_CACHE_MB: budgetMib } as AppConfig);
  const loads = new Map<string, number>();
  const get = (key: string, kind: ServedVersionKind) =>
    cache.get('m', key, kind, async () => {
      loads.set(key, (loads.get(key) ?? 0) + 1);
      return { estimatedBytes: MIB, size: 1 } as ServingModel;
    });

  return { cache, loads, get };
}

describe('ServingModelCache versions', () => {
  it('newest version unloads the previous newest', async () => {
    const { cache, loads, get } = cacheWithCountedLoads(100);
    await get('v1', 'newest');
    await get('v2', 'newest');
    assert.equal(cache.loadedBytes, MIB);

    await get('v1', 'newest');
    assert.equal(loads.get('v1'), 2);
  });

  it('named older version stays beside the newest', async () => {
    const { cache, loads, get } = cacheWithCountedLoads(100);
    await get('v2', 'newest');
    await get('v1', 'named');
    assert.equal(cache.loadedBytes, 2 * MIB);

    await get('v2', 'newest');
    await get('v1', 'named');
    assert.equal(loads.get('v2'), 1);
    assert.equal(loads.get('v1'), 1);
  });

  it('newest version keeps a version also named', async () => {
    const { cache, loads, get } = cacheWithCountedLoads(100);
    await get('v1', 'newest');
    await get('v1', 'named');
    assert.equal(loads.get('v1'), 1, 'the newest and the named request share one entry');

    await get('v2', 'newest');
    assert.equal(cache.loadedBytes, 2 * MIB);
    await get('v1', 'named');
    assert.equal(loads.get('v1'), 1);
  });

  it('memory budget evicts a named version', async () => {
    const { cache, loads, get } = cacheWithCountedLoads(2);
    await get('v1', 'named');
    await get('v2', 'named');
    await get('v3', 'newest');
    assert.equal(cache.loadedBytes, 2 * MIB);

    await get('v3', 'newest');
    await get('v2', 'named');
    assert.equal(loads.get('v3'), 1);
    assert.equal(loads.get('v2'), 1);
    await get('v1', 'named');
    assert.equal(loads.get('v1'), 2, 'the least recently used version was evicted');
  });
});
