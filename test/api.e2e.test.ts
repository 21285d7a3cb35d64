import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { json, REPO_ROOT, startTestServer, TestServer } from './support/test-server';

describe('API contract', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server?.stop();
  });

  const post = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('openapi.yaml matches the running API', async () => {
    const served = await json(await server.fetch('/api/docs-json'));
    const committed = parse(await readFile(join(REPO_ROOT, 'openapi.yaml'), 'utf8'));
    assert.deepEqual(
      served,
      committed,
      'openapi.yaml is out of date: run `npm run build && npm run openapi` and commit it',
    );
  });

  it('openapi schemas all have a type', async () => {
    const document = await json(await server.fetch('/api/docs-json'));
    const schemas = [...documentSchemas(document)];
    assert.ok(schemas.length > 100, `found only ${schemas.length} schemas in /api/docs-json`);

    const objectReferences = schemas
      .filter(({ schema }) => schema.$ref === '#/components/schemas/Object')
      .map(({ location }) => location);
    assert.deepEqual(
      objectReferences,
      [],
      'these schemas refer to the empty Object schema, so give their decorators a `type`',
    );

    const untyped = schemas
      .filter(({ schema }) => !TYPE_KEYWORDS.some((key) => key in schema))
      .map(({ location }) => location);
    assert.deepEqual(untyped, [], 'these schemas state no type, $ref, enum, allOf, oneOf or anyOf');
  });

  it('model definition names every bad field', async () => {
    const response = await post('/api/v1/models', {
      captureIds: ['not-a-uuid'],
      trainer: { window: 0, epochs: 'five' },
      sentences: { mode: 'words' },
    });
    const body = await json(response);
    assert.equal(response.status, 400);
    assert.equal(body.code, 'INVALID_INPUT');
    for (const field of ['captureIds', 'trainer.window', 'trainer.epochs', 'sentences.mode']) {
      assert.match(
        body.message,
        new RegExp(field.replace('.', '\\.')),
        `message does not name ${field}: ${body.message}`,
      );
    }
  });

  it('model definition rejects unknown fields', async () => {
    const response = await post('/api/v1/models', {
      captureIds: ['7f1c1d2e-0000-4000-8000-000000000000'],
      vectorSize: 100,
    });
    assert.equal(response.status, 400);
    assert.match((await json(response)).message, /vectorSize/);
  });

  it('missing capture is 404 before queueing', async () => {
    const missing = '7f1c1d2e-0000-4000-8000-000000000000';
    const response = await post('/api/v1/models', { captureIds: [missing] });
    const body = await json(response);
    assert.equal(response.status, 404);
    assert.equal(body.code, 'CAPTURE_NOT_FOUND');
    assert.match(body.message, new RegExp(missing));
    assert.deepEqual(await server.query('SELECT id FROM models'), []);
  });

  it('unknown ids are 404 with a code', async () => {
    for (const path of [
      '/api/v1/models/nope',
      '/api/v1/jobs/7f1c1d2e-0000-4000-8000-000000000000',
      '/api/v1/captures/x',
    ]) {
      const response = await server.fetch(path);
      assert.equal(response.status, 404, path);
      assert.match((await json(response)).code, /_NOT_FOUND$/, path);
    }
  });

  it('long and trailing-slash paths reach their routes', async () => {
    // A token of an IPv6 flow with its label, URL-encoded, is longer than Fastify's default limit of 100
    // characters for a path parameter.
    const token = `2001:db8:85a3::8a2e:370:7334|2001:db8:85a3::8a2e:370:7335|443|tcp|${'x'.repeat(120)}`;
    const model = '7f1c1d2e-0000-4000-8000-000000000000';
    const longToken = await server.fetch(`/api/v1/models/${model}/tokens/${encodeURIComponent(token)}`);
    assert.equal(longToken.status, 404);
    assert.equal((await json(longToken)).code, 'MODEL_NOT_FOUND');

    const trailingSlash = await server.fetch('/api/v1/models/');
    assert.equal(trailingSlash.status, 200);
  });

  it('JSON routes reject other media types', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const response = await server.fetch('/api/v1/models', {
        method: 'POST',
        headers: { 'content-type': type },
        body: '{"captureIds": []}',
      });
      const body = await json(response);
      assert.equal(response.status, 415, type);
      assert.equal(body.code, 'UNSUPPORTED_MEDIA_TYPE', type);
      assert.match(body.message, /send the body as JSON with Content-Type: application\/json/, type);
    }
  });

  it('empty JSON body reads as no body', async () => {
    const response = await server.fetch('/api/v1/jobs/7f1c1d2e-0000-4000-8000-000000000000/cancel', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 404);
    assert.equal((await json(response)).code, 'JOB_NOT_FOUND');
  });

  it('upload without a file is 400', async () => {
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: new FormData() });
    assert.equal(response.status, 400);
    assert.match((await json(response)).message, /"file"/);
  });

  it('upload that is not a capture is 422 and keeps nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob(['hello,world\nthis is,not a capture\n']), 'notes.csv');
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const body = await json(response);
    assert.equal(response.status, 422);
    assert.equal(body.code, 'CAPTURE_UNREADABLE');
    assert.match(body.message, /notes\.csv/);
    assert.deepEqual(await server.query('SELECT id FROM captures'), []);
  });

  it('graphql maps domain errors to codes', async () => {
    const response = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ model(id: "7f1c1d2e-0000-4000-8000-000000000000") { id } }' }),
    });
    const body = await json(response);
    assert.equal(body.errors[0].extensions.code, 'MODEL_NOT_FOUND');
    assert.match(body.errors[0].message, /not found/);
  });

  it('graphql errors carry no stack trace', async () => {
    const response = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models(limt: 5) { items { id } } }' }),
    });
    const body = await json(response);

    assert.equal(response.status, 400);
    assert.equal(body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(body.errors[0].extensions.stacktrace, undefined);
  });
});

type Schema = Record<string, unknown>;

/** Keywords of which a schema needs at least one to tell Swagger UI what a value is. */
const TYPE_KEYWORDS = ['type', '$ref', 'enum', 'allOf', 'oneOf', 'anyOf'];

/**
 * Yields every schema of an OpenAPI 3.0 document: the component schemas, the parameter, request body and
 * response schemas of each operation, and the schemas nested in them, each with a JSON-pointer-like location.
 */
function* documentSchemas(document: Schema): Generator<{ location: string; schema: Schema }> {
  const components = (document.components ?? {}) as Schema;
  for (const [name, schema] of Object.entries((components.schemas ?? {}) as Record<string, Schema>)) {
    yield* nestedSchemas(schema, `#/components/schemas/${name}`);
  }

  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      const operationLabel = `${method.toUpperCase()} ${path}`;
      for (const parameter of (operation.parameters ?? []) as Schema[]) {
        yield* nestedSchemas(parameter.schema, `${operationLabel} parameter ${parameter.name}`);
      }
      const requestBody = (operation.requestBody ?? {}) as Schema;
      for (const [mediaType, content] of Object.entries((requestBody.content ?? {}) as Record<string, Schema>)) {
        yield* nestedSchemas(content.schema, `${operationLabel} request body ${mediaType}`);
      }
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Schema>)) {
        for (const [mediaType, content] of Object.entries((response.content ?? {}) as Record<string, Schema>)) {
          yield* nestedSchemas(content.schema, `${operationLabel} response ${status} ${mediaType}`);
        }
      }
    }
  }
}

function* nestedSchemas(schema: unknown, location: string): Generator<{ location: string; schema: Schema }> {
  if (typeof schema !== 'object' || schema === null) {
    return;
  }
  const object = schema as Schema;
  yield { location, schema: object };

  for (const [name, property] of Object.entries((object.properties ?? {}) as Record<string, unknown>)) {
    yield* nestedSchemas(property, `${location}/properties/${name}`);
  }
  for (const key of ['items', 'additionalProperties', 'not']) {
    yield* nestedSchemas(object[key], `${location}/${key}`);
  }
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const members = (object[key] ?? []) as unknown[];
    for (const [index, member] of members.entries()) {
      yield* nestedSchemas(member, `${location}/${key}/${index}`);
    }
  }
}
