import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.DB_HOST, '127.0.0.1');
    assert.equal(config.DB_NAME, 'flow2vec');
    assert.equal(config.REDIS_PORT, 6379);
    assert.equal(config.DATA_DIR, './data');
    assert.equal(config.PORT, 3000);
  });

  it('parses numbers from strings', () => {
    assert.equal(loadConfig({ PORT: '8080' }).PORT, 8080);
  });

  it('lists every invalid variable at once', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DB_PORT: '70000', LOG_LEVEL: 'loud' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT="eighty"/);
        assert.match(error.message, /DB_PORT="70000"/);
        assert.match(error.message, /LOG_LEVEL="loud"/);
        return true;
      },
    );
  });

  it('hides an invalid admin key', () => {
    assert.throws(
      () => loadConfig({ FLOW2VEC_ADMIN_KEY: 'short secret' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /FLOW2VEC_ADMIN_KEY=\(hidden\)/);
        assert.doesNotMatch(error.message, /short secret/);
        return true;
      },
    );
  });

  it('request timeout defaults to 6 hours', () => {
    assert.equal(loadConfig({}).HTTP_REQUEST_TIMEOUT_MS, 21_600_000);
    assert.equal(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '0' }).HTTP_REQUEST_TIMEOUT_MS, 0);
    assert.throws(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '-1' }), /HTTP_REQUEST_TIMEOUT_MS="-1"/);
    assert.throws(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '6h' }), /HTTP_REQUEST_TIMEOUT_MS="6h"/);
  });

  it('accepts no admin key', () => {
    assert.equal(loadConfig({}).FLOW2VEC_ADMIN_KEY, '');
  });
});
