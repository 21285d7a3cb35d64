import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestServer, TestServer } from './support/test-server';

const RATE_LIMIT = 5;

describe('abuse limits', () => {
  let server: TestServer;

  const graphql = (query: string, apiKey?: string | null) =>
    server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
      apiKey,
    });

  before(async () => {
    server = await startTestServer({
      env: {
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        MAX_JSON_BODY_BYTES: '2048',
        GRAPHQL_MAX_DEPTH: '1',
        GRAPHQL_MAX_COMPLEXITY: '100',
        CORS_ORIGINS: 'https://soc.example',
      },
    });
  });

  after(async () => {
    await server?.stop();
  });

  it('limits requests per key', async () => {
    const created = await server.fetch('/api/v1/keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'second', role: 'reader' }),
    });
    assert.equal(created.status, 201);
    const other = (await json(created)).secret;

    for (let i = 2; i <= RATE_LIMIT; i++) {
      const response = await server.fetch('/api/v1/keys/current');
      assert.equal(response.status, 200, `request ${i}`);
      assert.equal(response.headers.get('ratelimit-remaining'), String(RATE_LIMIT - i));
    }

    const limited = await server.fetch('/api/v1/keys/current');
    const body = await json(limited);
    assert.equal(limited.status, 429);
    assert.equal(body.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);

    const graphqlBody = await json(await graphql('{ captures { id } }'));
    assert.equal(graphqlBody.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.equal(graphqlBody.errors?.[0]?.extensions?.status, 429);

    assert.equal((await server.fetch('/api/v1/keys/current', { apiKey: other })).status, 200);
  });

  it('limits failed authentications per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMIT; i++) {
      statuses.push((await server.fetch('/api/v1/models', { apiKey: `f2v_wrong_${i}` })).status);
    }

    assert.deepEqual(statuses, [...Array(RATE_LIMIT).fill(401), 429]);
  });

  it('rejects a JSON body over the limit', async () => {
    const response = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(4096), captureIds: [] }),
      apiKey: null,
    });
    const body = await json(response);
    assert.equal(response.status, 413);
    assert.equal(body.code, 'PAYLOAD_TOO_LARGE');
    assert.match(body.message, /2048 bytes/);
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
      apiKey: null,
    });
    const body = await json(response);
    assert.equal(response.status, 400);
    assert.equal(body.code, 'INVALID_INPUT');
    assert.match(body.message, /not valid JSON/);
  });

  it('rejects a GraphQL body over the limit', async () => {
    const response = await graphql(`{ captures { id } } # ${'x'.repeat(4096)}`, null);
    assert.equal(response.status, 413);
    assert.equal((await json(response)).code, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects GraphQL nested too deep', async () => {
    const body = await json(await graphql('{ captures { labelClassCounts { Botnet } } }', null));
    assert.equal(body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(body.errors[0].message, /exceeds maximum operation depth of 1/);
  });

  it('rejects GraphQL that is too costly', async () => {
    const response = await graphql('{ captures(limit: 500) { id } }', null);
    const body = await json(response);
    assert.equal(response.status, 400);
    assert.equal(body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.match(body.errors[0].message, /complexity 501 exceeds the maximum of 100/);
  });

  it('allows CORS only for configured origins', async () => {
    const preflight = (origin: string) =>
      server.fetch('/api/v1/models', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
        apiKey: null,
      });

    const allowed = await preflight('https://soc.example');
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://soc.example');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /X-API-Key/i);

    const other = await preflight('https://elsewhere.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);

    // Revoking a key and deleting a capture are DELETE requests, which a browser sends only after a preflight.
    const deletion = await server.fetch('/api/v1/keys/7f1c1d2e-0000-4000-8000-000000000000', {
      method: 'OPTIONS',
      headers: { origin: 'https://soc.example', 'access-control-request-method': 'DELETE' },
      apiKey: null,
    });
    assert.match(deletion.headers.get('access-control-allow-methods') ?? '', /DELETE/);
  });
});

describe('first start without a key', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { FLOW2VEC_ADMIN_KEY: '' } });
  });

  after(async () => {
    await server?.stop();
  });

  it('prints an admin key once', async () => {
    const printed = [...server.output().matchAll(/Initial admin API key \(shown once, store it now\): (\S+)/g)];
    assert.equal(printed.length, 1, server.output());
    assert.match(server.output(), /No API key was configured: created admin API key .* listening on loopback only/);

    const response = await server.fetch('/api/v1/keys/current', { apiKey: printed[0][1] });
    assert.equal(response.status, 200);
    assert.equal((await json(response)).role, 'admin');
    assert.equal((await server.fetch('/api/v1/keys/current')).status, 401);
  });
});
