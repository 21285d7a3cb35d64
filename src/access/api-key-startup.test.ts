import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/app-config';
import type { ApiKeyEntity } from '../entities/api-key.entity';
import { prepareApiKeys } from './api-key-startup';

/** Builds an in-memory stand-in for ApiKeyService that records the calls startup makes. */
function fakeKeys(active: number) {
  const calls: string[] = [];
  return {
    calls,
    registerEnvironmentKey: async (secret: string) => {
      calls.push(`register ${secret}`);
      active++;
    },
    countActive: async () => active,
    createInitialKey: async () => {
      calls.push('create');
      active++;
      return { key: { id: 'k1' } as ApiKeyEntity, secret: 'f2v_initial' };
    },
  };
}

const silent = { warn: () => undefined };

describe('prepareApiKeys', () => {
  it('creates and prints a key on loopback', async () => {
    const keys = fakeKeys(0);
    const printed: string[] = [];
    await prepareApiKeys(keys, loadConfig({ HOST: '127.0.0.1' }), silent, (text) => printed.push(text));

    assert.deepEqual(keys.calls, ['create']);
    assert.match(printed.join(''), /f2v_initial/);
  });

  it('prints nothing on a restart with keys', async () => {
    const keys = fakeKeys(1);
    const printed: string[] = [];
    await prepareApiKeys(keys, loadConfig({ HOST: '127.0.0.1' }), silent, (text) => printed.push(text));

    assert.deepEqual(keys.calls, []);
    assert.deepEqual(printed, []);
  });

  it('rejects a non-loopback host without keys', async () => {
    const keys = fakeKeys(0);
    await assert.rejects(
      prepareApiKeys(keys, loadConfig({ HOST: '0.0.0.0' }), silent, () => undefined),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /HOST=0\.0\.0\.0 is not a loopback address and no API key exists/);
        return true;
      },
    );
    assert.deepEqual(keys.calls, []);
  });

  it('accepts a non-loopback host with a key', async () => {
    const keys = fakeKeys(1);
    const printed: string[] = [];
    await prepareApiKeys(keys, loadConfig({ HOST: '0.0.0.0' }), silent, (text) => printed.push(text));

    assert.deepEqual(keys.calls, []);
    assert.deepEqual(printed, []);
  });

  it('registers the environment key first', async () => {
    const keys = fakeKeys(0);
    const secret = 'a'.repeat(40);
    await prepareApiKeys(keys, loadConfig({ HOST: '0.0.0.0', FLOW2VEC_ADMIN_KEY: secret }), silent, () => undefined);

    assert.deepEqual(keys.calls, [`register ${secret}`]);
  });
});
