import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  GraphQLArgument,
  GraphQLInputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
} from 'graphql';
import { json, REPO_ROOT, startTestServer, TestServer, waitFor } from './support/test-server';

interface AccessRoute {
  transport: 'rest' | 'graphql';
  method: string;
  path: string;
  access: 'public' | 'reader' | 'writer' | 'admin' | 'unguarded';
  audited: boolean;
}

const ROLES = ['reader', 'writer', 'admin'] as const;
/**
 * Routes that take a query in a POST body or a GraphQL mutation but change nothing, so a reader key may call them. The
 * classify route also queues a capture job when given a capture id; that request needs a writer key.
 */
const QUERIES_SENT_AS_WRITES = [
  'POST /api/v1/models/:id/similar',
  'POST /api/v1/models/:id/similar/batch',
  'POST /api/v1/models/:id/odd-one-out',
  'POST /api/v1/models/:id/classify',
  'mutation classify',
];
/**
 * Routes served without a key on purpose: the health check, the OpenAPI document with its UI, and the dashboard's
 * page and bundled assets, which contain no data (the page requests a key and sends it with each API request).
 */
const PUBLIC_PATHS = [/^\/api\/v1\/health$/, /^\/api\/docs([-/].*)?$/, /^\/(index\.html)?$/, /^\/assets\/[\w.-]+$/];

describe('access control', () => {
  let server: TestServer;
  let routes: AccessRoute[];
  let schema: GraphQLSchema;
  const keys: Record<(typeof ROLES)[number], string> = { reader: '', writer: '', admin: '' };

  const post = (path: string, body: unknown, apiKey?: string | null) =>
    server.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      apiKey,
    });

  before(async () => {
    server = await startTestServer();
    keys.admin = server.adminKey;
    for (const role of ['reader', 'writer'] as const) {
      const response = await post('/api/v1/keys', { name: `${role} for tests`, role });
      assert.equal(response.status, 201, await response.clone().text());
      keys[role] = (await json(response)).secret;
    }

    routes = await json(await server.fetch('/api/v1/access/routes'));
    const introspection = await json(await post('/graphql', { query: getIntrospectionQuery() }));
    schema = buildClientSchema(introspection.data);
  });

  after(async () => {
    await server?.stop();
  });

  it('route table lists known routes', () => {
    const find = (transport: string, method: string, path: string) =>
      routes.find((route) => route.transport === transport && route.method === method && route.path === path);

    assert.equal(find('rest', 'POST', '/api/v1/captures')?.access, 'writer');
    assert.equal(find('rest', 'GET', '/api/v1/models/:id/similar')?.access, 'reader');
    assert.equal(find('rest', 'POST', '/api/v1/keys')?.access, 'admin');
    assert.equal(find('rest', 'GET', '/api/v1/health')?.access, 'public');
    assert.equal(find('graphql', 'query', 'similar')?.access, 'reader');
  });

  it('route table covers the OpenAPI document', async () => {
    const document = await json(await server.fetch('/api/docs-json'));
    for (const [path, operations] of Object.entries<Record<string, unknown>>(document.paths)) {
      const pattern = path.replace(/\{(\w+)\}/g, ':$1');
      for (const method of Object.keys(operations)) {
        assert.ok(
          routes.some((route) => route.path === pattern && route.method === method.toUpperCase()),
          `${method.toUpperCase()} ${path} is in the OpenAPI document but not in the route table`,
        );
      }
    }
  });

  it('route table covers the GraphQL schema', () => {
    const roots = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ] as const;
    for (const [method, type] of roots) {
      for (const field of Object.keys(type?.getFields() ?? {})) {
        assert.ok(
          routes.some((route) => route.transport === 'graphql' && route.method === method && route.path === field),
          `GraphQL ${method} ${field} is not in the route table`,
        );
      }
    }
  });

  it('only health and docs skip the key', () => {
    for (const route of routes.filter((route) => route.access === 'public' || route.access === 'unguarded')) {
      assert.equal(route.transport, 'rest', `GraphQL ${route.method} ${route.path} answers without a key`);
      assert.ok(
        PUBLIC_PATHS.some((pattern) => pattern.test(route.path)),
        `${route.method} ${route.path} answers without a key: guard it or add it to PUBLIC_PATHS with a reason`,
      );
    }
  });

  it('writes never need less than writer', () => {
    const reads = ['GET', 'HEAD', 'OPTIONS', 'query'];
    for (const route of routes.filter((route) => !reads.includes(route.method) && route.access !== 'public')) {
      if (QUERIES_SENT_AS_WRITES.includes(`${route.method} ${route.path}`)) {
        continue;
      }
      assert.notEqual(route.access, 'reader', `${route.method} ${route.path} lets a reader key write`);
    }
  });

  it('every route that can write is audited, and no read is', () => {
    // A reader route whose body can make it a write: classifying a stored capture queues a job. GraphQL has a
    // separate mutation for that, classifyCapture, which needs a writer key.
    const readerRoutesThatCanWrite = ['POST /api/v1/models/:id/classify'];
    for (const route of routes.filter((route) => route.access !== 'unguarded' && route.access !== 'public')) {
      const name = `${route.method} ${route.path}`;
      const canWrite = route.access !== 'reader' || readerRoutesThatCanWrite.includes(name);
      assert.equal(
        route.audited,
        canWrite,
        `${name} is ${canWrite ? 'a write but not audited' : 'a read but audited'}`,
      );
    }
    assert.ok(routes.some((route) => route.method === 'mutation' && route.audited));
  });

  it('queries sent by POST need only reader', async () => {
    for (const name of QUERIES_SENT_AS_WRITES) {
      const [method, path] = name.split(' ');
      assert.equal(routes.find((route) => route.method === method && route.path === path)?.access, 'reader', name);
    }

    // A capture through the same classify route queues a job, which needs a writer key.
    const capture = await json(
      await server.fetch('/api/v1/captures', {
        method: 'POST',
        body: (() => {
          const form = new FormData();
          form.append('file', new Blob([captureText(12, 11)]), 'to-classify.binetflow');
          return form;
        })(),
        apiKey: keys.writer,
      }),
    );
    const response = await post(`/api/v1/models/${randomUUID()}/classify`, { captureId: capture.id }, keys.reader);
    assert.equal(response.status, 403);
    const body = await json(response);
    assert.equal(body.code, 'FORBIDDEN');
    assert.match(body.message, /requires the writer role; API key "reader for tests" has reader/);

    const audit = await json(await server.fetch('/api/v1/access/audit?limit=500'));
    assert.ok(!audit.items.some((record: { action: string }) => record.action.startsWith('similarity.')));
  });

  it('every guarded route requires its role', async (t) => {
    const guarded = routes.filter((route) => ROLES.includes(route.access as (typeof ROLES)[number]));
    t.diagnostic(`route table: ${routes.length} routes, ${guarded.length} of them guarded`);
    for (const route of routes) {
      t.diagnostic(`  ${route.transport.padEnd(7)} ${route.method.padEnd(8)} ${route.path.padEnd(40)} ${route.access}`);
    }

    for (const route of guarded) {
      const name = `${route.transport} ${route.method} ${route.path}`;
      const required = ROLES.indexOf(route.access as (typeof ROLES)[number]);

      assert.equal(await callRoute(route, null), 401, `${name} without a key`);
      assert.equal(await callRoute(route, `f2v_${randomUUID()}`), 401, `${name} with an unknown key`);
      for (const role of ROLES.slice(0, required)) {
        assert.equal(await callRoute(route, keys[role]), 403, `${name} with a ${role} key`);
      }
      for (const role of ROLES.slice(required)) {
        const status = await callRoute(route, keys[role]);
        assert.notEqual(status, 401, `${name} with a ${role} key`);
        assert.notEqual(status, 403, `${name} with a ${role} key`);
      }
    }
  });

  /** Calls a route with placeholder arguments; returns the HTTP status, or for GraphQL the error's status. */
  async function callRoute(route: AccessRoute, apiKey: string | null): Promise<number> {
    if (route.transport === 'rest') {
      const path = route.path.replace(/:\w+/g, randomUUID()).replace(/\{?\*\w+\}?/g, 'x');
      const hasBody = !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(route.method);
      const response = await server.fetch(path, {
        method: route.method,
        headers: hasBody ? { 'content-type': 'application/json' } : {},
        body: hasBody ? '{}' : undefined,
        apiKey,
      });
      await response.arrayBuffer();
      return response.status;
    }

    const body = await json(await post('/graphql', { query: graphqlOperation(route) }, apiKey));
    assert.ok(
      !body.errors?.some(
        (error: { extensions?: { code?: string } }) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED',
      ),
      `the test built an invalid operation for ${route.path}: ${JSON.stringify(body.errors)}`,
    );
    return body.errors?.[0]?.extensions?.status ?? 200;
  }

  /** Builds `query { field(requiredArg: <placeholder>) { __typename } }` for a root field of the schema. */
  function graphqlOperation(route: AccessRoute): string {
    const root = { query: schema.getQueryType(), mutation: schema.getMutationType() }[route.method];
    const field = root!.getFields()[route.path];
    const args = field.args
      .filter((arg: GraphQLArgument) => isNonNullType(arg.type) && arg.defaultValue === undefined)
      .map((arg: GraphQLArgument) => `${arg.name}: ${placeholder(arg.type)}`);
    const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';

    return `${route.method} { ${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${selection} }`;
  }

  function placeholder(type: GraphQLInputType): string {
    if (isNonNullType(type)) {
      return placeholder(type.ofType);
    }
    if (isListType(type)) {
      return `[${placeholder(type.ofType)}]`;
    }
    if (isEnumType(type)) {
      return type.getValues()[0].name;
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type));
      return `{ ${fields.map((field) => `${field.name}: ${placeholder(field.type)}`).join(', ')} }`;
    }

    const scalars: Record<string, string> = { Int: '1', Float: '1.5', Boolean: 'true' };
    return scalars[type.name] ?? JSON.stringify(randomUUID());
  }

  it('sends security headers, no CORS', async () => {
    const response = await server.fetch('/api/v1/health', { apiKey: null, headers: { origin: 'https://soc.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/);
    assert.equal(response.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(response.headers.get('x-powered-by'), null);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('GraphQL serves no page from a CDN', async () => {
    const response = await server.fetch('/graphql', { apiKey: null, headers: { accept: 'text/html' } });
    assert.notEqual(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  });

  it('GraphQL introspection needs no key', async () => {
    const body = await json(await post('/graphql', { query: '{ __schema { queryType { name } } }' }, null));
    assert.equal(body.data?.__schema?.queryType?.name, 'Query', JSON.stringify(body));
  });

  it('accepts the key as X-API-Key', async () => {
    const response = await server.fetch('/api/v1/keys/current', {
      apiKey: null,
      headers: { 'x-api-key': keys.reader },
    });
    const body = await json(response);
    assert.equal(response.status, 200);
    assert.equal(body.role, 'reader');
    assert.equal(body.name, 'reader for tests');
  });

  it('revoked key is rejected', async () => {
    const created = await json(await post('/api/v1/keys', { name: 'short-lived', role: 'reader' }));
    assert.equal((await server.fetch('/api/v1/keys/current', { apiKey: created.secret })).status, 200);

    const revoked = await server.fetch(`/api/v1/keys/${created.key.id}`, { method: 'DELETE' });
    assert.equal(revoked.status, 200);
    assert.ok((await json(revoked)).revokedAt);

    const response = await server.fetch('/api/v1/keys/current', { apiKey: created.secret });
    assert.equal(response.status, 401);
    assert.equal((await json(response)).code, 'UNAUTHENTICATED');
  });

  it('keys CLI creates and revokes', { timeout: 60_000 }, async () => {
    const keysCli = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, 'dist/src/access/keys-cli.js'), ...args],
        {
          env: { ...process.env, DB_HOST: '127.0.0.1', DB_NAME: server.databaseName },
        },
      );
      return stdout;
    };

    const output = await keysCli('create', '--role', 'writer', '--name', 'from the CLI');
    const secret = /secret \(shown once, store it now\): (\S+)/.exec(output)?.[1];
    const id = /^([0-9a-f-]{36}) /m.exec(output)?.[1];
    assert.ok(secret, output);
    assert.ok(id, output);

    const current = await json(await server.fetch('/api/v1/keys/current', { apiKey: secret }));
    assert.equal(current.role, 'writer');
    assert.equal(current.name, 'from the CLI');
    assert.match(await keysCli('list'), new RegExp(`${id} +writer .* active +from the CLI`));

    // The lookup above is cached for 10 seconds; the revocation's notification must clear it well before then.
    assert.equal((await server.fetch('/api/v1/keys/current', { apiKey: secret })).status, 200);
    assert.match(await keysCli('revoke', id), /revoked/);
    await waitFor(
      async () => ((await server.fetch('/api/v1/keys/current', { apiKey: secret })).status === 401 ? true : undefined),
      5_000,
      () => 'the key revoked through the CLI is still accepted: the server did not hear of the revocation',
    );

    const audit = await json(await server.fetch('/api/v1/access/audit?limit=500'));
    const byCli = audit.items.filter((record: AuditRecord) => record.targetIds.includes(id)).reverse();
    assert.deepEqual(
      byCli.map((record: AuditRecord) => [record.actor, record.action, record.request, record.outcome]),
      [
        [`cli:${userInfo().username}`, 'keys.create', 'keys-cli create', 'succeeded'],
        [`cli:${userInfo().username}`, 'keys.revoke', 'keys-cli revoke', 'succeeded'],
      ],
    );
    for (const record of byCli) {
      assert.equal(record.apiKeyId, null);
      assert.ok(Math.abs(Date.parse(record.createdAt) - Date.now()) < 60_000, record.createdAt);
    }
  });

  it('keys CLI rejects a missing database', async () => {
    const missing = `flow2vec_missing_${randomUUID().slice(0, 8)}`;
    const result = await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'dist/src/access/keys-cli.js'), 'list'],
      {
        env: { ...process.env, DB_HOST: '127.0.0.1', DB_NAME: missing },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`Database "${missing}" does not exist`));

    const created = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [missing]);
    assert.equal(created.length, 0);
  });

  it('keys are stored hashed', async () => {
    const rows = await server.query<{ secretHash: string; secretPrefix: string }>(
      'SELECT "secretHash", "secretPrefix" FROM api_keys',
    );
    assert.ok(rows.length >= 3);
    for (const secret of Object.values(keys)) {
      assert.ok(!rows.some((row) => row.secretHash.includes(secret)), 'a secret is stored in clear');
      assert.ok(rows.some((row) => secret.startsWith(row.secretPrefix)));
    }
  });

  it('listing keys never shows secrets', async () => {
    const text = await (await server.fetch('/api/v1/keys')).text();
    for (const secret of Object.values(keys)) {
      assert.ok(!text.includes(secret), 'GET /api/v1/keys returned a secret');
    }
  });

  it('upload file name cannot pick the path', async () => {
    const marker = `flow2vec-escape-${randomUUID()}`;
    const names = [`../../${marker}.binetflow`, `/tmp/${marker}.binetflow`, `..\\..\\${marker}.binetflow`];
    for (const [i, name] of names.entries()) {
      const form = new FormData();
      form.append('file', new Blob([captureText(20, i)]), name);
      const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form, apiKey: keys.writer });
      const capture = await json(response);
      assert.equal(response.status, 201, JSON.stringify(capture));

      assert.ok(
        existsSync(join(server.dataDir, 'captures', capture.sha256)),
        `capture of ${name} is not stored by hash`,
      );
    }

    for (const folder of [server.dataDir, join(server.dataDir, 'captures'), dirname(server.dataDir), '/tmp']) {
      const found = (await readdir(folder, { recursive: folder === server.dataDir })).filter((file) =>
        String(file).includes(marker),
      );
      assert.deepEqual(found, [], `a file named after the upload appeared in ${folder}`);
    }
  });

  it('SQL-shaped input is plain text', { timeout: 180_000 }, async () => {
    const sqlToken = `x';DROP/**/TABLE/**/tokens;--|198.51.100.7|443|tcp`;
    const form = new FormData();
    form.append('file', new Blob([captureText(300, 99, `x';DROP/**/TABLE/**/tokens;--`)]), 'sql.binetflow');
    const capture = await json(await server.fetch('/api/v1/captures', { method: 'POST', body: form }));
    assert.ok(capture.id, JSON.stringify(capture));

    const name = `m'); DELETE FROM models; --`;
    const created = await json(
      await post('/api/v1/models', {
        name,
        captureIds: [capture.id],
        trainer: { vectorSize: 4, window: 2, negative: 2, epochs: 1, minCount: 1, workers: 1, seed: 1 },
      }),
    );
    assert.equal(created.model?.name, name, JSON.stringify(created));
    await waitFor(
      async () => {
        const job = await json(await server.fetch(`/api/v1/jobs/${created.job.id}`));
        assert.notEqual(job.state, 'failed', JSON.stringify(job));
        return job.state === 'completed' ? job : undefined;
      },
      150_000,
      () => server.output().slice(-2000),
    );

    const found = await server.fetch(
      `/api/v1/models/${created.model.id}/similar?token=${encodeURIComponent(sqlToken)}&k=2`,
    );
    const foundBody = await json(found);
    assert.equal(found.status, 200, JSON.stringify(foundBody));
    assert.equal(foundBody.query.token, sqlToken);

    for (const token of [`' OR '1'='1`, `%' OR token LIKE '%`, `1; SELECT pg_sleep(5)`]) {
      const response = await server.fetch(
        `/api/v1/models/${created.model.id}/similar?token=${encodeURIComponent(token)}`,
      );
      const body = await json(response);
      assert.equal(response.status, 404, `${token}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'TOKEN_NOT_FOUND');
      assert.equal(body.details.token, token);
    }

    const graphql = await json(
      await post('/graphql', {
        query: 'query($id: ID!, $token: String!) { similar(modelId: $id, token: $token, k: 2) { query { token } } }',
        variables: { id: created.model.id, token: sqlToken },
      }),
    );
    assert.equal(graphql.data?.similar?.query?.token, sqlToken, JSON.stringify(graphql));

    const models = await json(await server.fetch('/api/v1/models'));
    assert.equal(models.total, 1);
    const [tokens] = await server.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens');
    assert.ok(tokens.n > 0, 'the tokens table is empty');
  });

  it('audit records every write', async () => {
    const form = new FormData();
    form.append('file', new Blob([captureText(10, 7)]), 'audited.binetflow');
    const capture = await json(
      await server.fetch('/api/v1/captures', { method: 'POST', body: form, apiKey: keys.writer }),
    );
    const bad = new FormData();
    bad.append('file', new Blob(['not a capture\n']), 'bad.txt');
    assert.equal(
      (await server.fetch('/api/v1/captures', { method: 'POST', body: bad, apiKey: keys.writer })).status,
      422,
    );
    assert.equal((await post('/api/v1/models', { captureIds: [capture.id] }, keys.reader)).status, 403);
    assert.equal((await post('/api/v1/models', { captureIds: 'none' }, keys.writer)).status, 400);

    const audit = await json(await server.fetch('/api/v1/access/audit?limit=500'));
    const uploads = audit.items.filter(
      (record: { action: string; apiKeyName: string }) =>
        record.action === 'captures.upload' && record.apiKeyName === 'writer for tests',
    );
    const succeeded = uploads.find((record: { targetIds: string[] }) => record.targetIds.includes(capture.id));
    assert.ok(succeeded, `no audit record of upload ${capture.id}: ${JSON.stringify(audit.items)}`);
    assert.equal(succeeded.outcome, 'succeeded');
    assert.equal(succeeded.request, 'POST /api/v1/captures');
    assert.ok(Math.abs(Date.parse(succeeded.createdAt) - Date.now()) < 60_000);
    assert.ok(
      uploads.some((record: { outcome: string; errorCode: string }) => record.errorCode === 'CAPTURE_UNREADABLE'),
    );

    const trainings = audit.items.filter((record: { action: string }) => record.action === 'models.create');
    assert.ok(
      trainings.some(
        (record: { outcome: string; errorCode: string }) =>
          record.outcome === 'failed' && record.errorCode === 'INVALID_INPUT',
      ),
      `no failed training request with code INVALID_INPUT: ${JSON.stringify(trainings)}`,
    );
    const training = trainings.find((record: { outcome: string }) => record.outcome === 'succeeded');
    assert.ok(training, 'no audit record of a training request');
    assert.equal(training.outcome, 'succeeded');
    assert.equal(training.targetIds.length >= 3, true, JSON.stringify(training));
    const keyCreation = audit.items.find((record: { action: string }) => record.action === 'keys.create');
    assert.ok(keyCreation, 'no audit record of a key creation');
    assert.ok(!JSON.stringify(audit).includes(keys.reader), 'the audit trail contains a secret');
    // A reader's only write attempt that passes the guard is the capture classification it is then refused.
    const byReader = audit.items.filter((record: { apiKeyName: string }) => record.apiKeyName === 'reader for tests');
    assert.deepEqual(
      byReader.map((record: { action: string; outcome: string; errorCode: string }) => [
        record.action,
        record.outcome,
        record.errorCode,
      ]),
      [['classification.classify', 'failed', 'FORBIDDEN']],
    );
  });

  it('audit records cancels and deletions', { timeout: 60_000 }, async () => {
    const writer = await json(await server.fetch('/api/v1/keys/current', { apiKey: keys.writer }));
    const trainingCaptureId = await uploadCapture(2000, 51);
    const trainer = { vectorSize: 16, epochs: 1000, minCount: 1, workers: 1, seed: 1 };
    const created = await json(await post('/api/v1/models', { captureIds: [trainingCaptureId], trainer }, keys.writer));
    assert.ok(created.job?.id, JSON.stringify(created));
    const cancel = await server.fetch(`/api/v1/jobs/${created.job.id}/cancel`, { method: 'POST', apiKey: keys.writer });
    assert.equal(cancel.status, 200, await cancel.clone().text());

    const retrained = await json(
      await post(`/api/v1/models/${created.model.id}/versions`, { trainer: { epochs: 1000 } }, keys.writer),
    );
    assert.ok(retrained.job?.id, JSON.stringify(retrained));
    const cancelJob = await json(
      await post(
        '/graphql',
        { query: 'mutation($id: ID!) { cancelJob(id: $id) { state } }', variables: { id: retrained.job.id } },
        keys.writer,
      ),
    );
    assert.equal(cancelJob.data?.cancelJob?.state, 'cancelled', JSON.stringify(cancelJob));

    const unusedCaptureId = await uploadCapture(20, 52);
    const deleted = await server.fetch(`/api/v1/captures/${unusedCaptureId}`, {
      method: 'DELETE',
      apiKey: keys.writer,
    });
    assert.equal(deleted.status, 204);

    const audit = await json(await server.fetch('/api/v1/access/audit?limit=500'));
    for (const [action, request, targetId] of [
      ['jobs.cancel', 'POST /api/v1/jobs/:id/cancel', created.job.id],
      ['jobs.cancelJob', 'mutation cancelJob', retrained.job.id],
      ['captures.delete', 'DELETE /api/v1/captures/:id', unusedCaptureId],
    ]) {
      const record = audit.items.find(
        (item: AuditRecord) => item.action === action && item.targetIds.includes(targetId),
      );
      assert.ok(record, `no audit record of ${action} on ${targetId}`);
      assert.equal(record.request, request, action);
      assert.equal(record.outcome, 'succeeded', action);
      assert.equal(record.actor, `api-key:${writer.id}`, action);
      assert.equal(record.apiKeyName, 'writer for tests', action);
      assert.ok(Math.abs(Date.parse(record.createdAt) - Date.now()) < 60_000, `${action}: ${record.createdAt}`);
    }
  });

  it('write without audit record is refused', async () => {
    const captureId = await uploadCapture(20, 53);
    const deleteCapture = () =>
      server.fetch(`/api/v1/captures/${captureId}`, { method: 'DELETE', apiKey: keys.writer });
    const auditOf = async (action: string, targetId: string) =>
      (await json(await server.fetch('/api/v1/access/audit?limit=500'))).items.filter(
        (record: AuditRecord) => record.action === action && record.targetIds.includes(targetId),
      );

    // NOT VALID leaves the records already stored unchecked; the constraint applies to new ones.
    await server.query(
      `ALTER TABLE audit_records ADD CONSTRAINT test_audit_down
         CHECK (action NOT IN ('captures.delete', 'jobs.cancelJob')) NOT VALID`,
    );
    try {
      const refused = await deleteCapture();
      const body = await json(refused);
      assert.equal(refused.status, 503, JSON.stringify(body));
      assert.equal(body.code, 'AUDIT_UNAVAILABLE');

      const jobId = randomUUID();
      const graphql = await json(
        await post('/graphql', { query: `mutation { cancelJob(id: "${jobId}") { state } }` }, keys.writer),
      );
      assert.equal(graphql.errors?.[0]?.extensions?.code, 'AUDIT_UNAVAILABLE', JSON.stringify(graphql));
      assert.equal(graphql.errors?.[0]?.extensions?.status, 503);
    } finally {
      await server.query('ALTER TABLE audit_records DROP CONSTRAINT test_audit_down');
    }
    assert.equal((await server.fetch(`/api/v1/captures/${captureId}`)).status, 200, 'deleted without a record');
    assert.deepEqual(await auditOf('captures.delete', captureId), []);

    // The record is stored before the write, so one whose outcome cannot be stored still shows who did what and when.
    await server.query(
      `ALTER TABLE audit_records ADD CONSTRAINT test_outcome_down
         CHECK (action <> 'captures.delete' OR outcome = 'started') NOT VALID`,
    );
    try {
      assert.equal((await deleteCapture()).status, 204);
    } finally {
      await server.query('ALTER TABLE audit_records DROP CONSTRAINT test_outcome_down');
    }
    const records = await auditOf('captures.delete', captureId);
    assert.equal(records.length, 1, JSON.stringify(records));
    assert.equal(records[0].outcome, 'started');
    assert.equal(records[0].apiKeyName, 'writer for tests');
  });

  async function uploadCapture(rows: number, seed: number): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([captureText(rows, seed)]), `audit-${seed}.binetflow`);
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form, apiKey: keys.writer });
    const body = await json(response);
    assert.equal(response.status, 201, JSON.stringify(body));
    return body.id;
  }
});

interface AuditRecord {
  actor: string;
  apiKeyId: string | null;
  apiKeyName: string | null;
  action: string;
  request: string;
  targetIds: string[];
  outcome: string;
  createdAt: string;
}

/** Builds a small binetflow capture: `rows` flows over eight hosts, offset by `seed` so that each call's bytes differ. */
function captureText(rows: number, seed: number, extraSource?: string): string {
  const header = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const second = String(i % 60).padStart(2, '0');
    const source = extraSource && i % 5 === 0 ? extraSource : `192.0.2.${(i + seed) % 8}`;
    const label = i % 3 === 0 ? 'flow=From-Botnet-V1' : 'flow=Background';
    lines.push(
      `2011/08/16 10:${String(seed % 60).padStart(2, '0')}:${second}.000000,0.5,tcp,${source},4000${i % 10},   ->,198.51.100.7,443,FSPA,0,0,2,120,60,${label}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
