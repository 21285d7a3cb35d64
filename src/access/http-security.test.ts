import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/app-config';
import { corsOrigins, isLoopbackHost } from './http-security';

describe('isLoopbackHost', () => {
  it('accepts loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
  });

  it('rejects every other address', () => {
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.1',
      'example.internal',
      '128.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('corsOrigins', () => {
  it('is empty by default', () => {
    assert.deepEqual(corsOrigins(loadConfig({})), []);
  });

  it('splits and trims the list', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://soc.example, https://dash.example ,' });
    assert.deepEqual(corsOrigins(config), ['https://soc.example', 'https://dash.example']);
  });
});
