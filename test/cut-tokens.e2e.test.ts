import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestServer, TestServer, waitFor } from './support/test-server';

/** Seen once: cut by minCount 2. */
const ONCE = '10.2.0.9|192.0.2.200|25|tcp';
/** Seen twice: kept by minCount 2, cut by minCount 3. */
const TWICE = '10.2.0.8|192.0.2.201|6667|tcp';
const NEVER = '10.2.0.7|192.0.2.202|443|tcp';
/** Seen about 17 times each, so in the vocabulary of both versions. */
const COMMON = ['10.1.0.0|192.0.2.0|53|udp', '10.1.0.1|192.0.2.12|53|udp'];

/**
 * Writes a capture of 2,000 flows from 10 hosts to 12 destinations each, plus one flow of ONCE and two of TWICE
 * spread through it, in time order.
 */
function captureWithRareTokens(): string {
  const lines = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label'];
  const start = Date.UTC(2011, 7, 16, 10, 0, 0);
  const row = (i: number, token: string) => {
    const [srcAddr, dstAddr, dport, proto] = token.split('|');
    const time = new Date(start + i * 100).toISOString().replace('T', ' ').replace('Z', '').replaceAll('-', '/');
    return `${time},0.1,${proto},${srcAddr},${40000 + (i % 100)},  ->,${dstAddr},${dport},CON,0,0,2,200,100,flow=Background`;
  };

  for (let i = 0; i < 2000; i++) {
    const host = i % 10;
    lines.push(row(i, `10.1.0.${host}|192.0.2.${host * 12 + (Math.floor(i / 10) % 12)}|53|udp`));
    if (i === 500) {
      lines.push(row(i, ONCE));
    }
    if (i === 700 || i === 1400) {
      lines.push(row(i, TWICE));
    }
  }
  return `${lines.join('\n')}\n`;
}

const TRAINER = { vectorSize: 8, epochs: 1, workers: 1, seed: 5 };

describe('cut tokens', () => {
  let server: TestServer;
  let modelId: string;

  const post = async (path: string, body: unknown) => {
    const response = await server.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await json(response) };
  };
  const similar = async (token: string) => {
    const response = await server.fetch(`/api/v1/models/${modelId}/similar?token=${encodeURIComponent(token)}`);
    return { status: response.status, body: await json(response) };
  };
  const waitForJob = (jobId: string) =>
    waitFor(
      async () => {
        const job = await json(await server.fetch(`/api/v1/jobs/${jobId}`));
        return ['completed', 'failed'].includes(job.state) ? job : undefined;
      },
      180_000,
      () => `job ${jobId} did not finish\n${server.output().slice(-3000)}`,
    );

  /**
   * The query routes that take `version`, each with a request that names TWICE and a check of whether the response
   * came from a version that has TWICE in its vocabulary.
   */
  interface VersionedRoute {
    name: string;
    path: string;
    body?: unknown;
    /** Absent where one response cannot show the version: the first test compares those responses itself. */
    hasTwice?: (body: any) => boolean;
  }
  /** The cluster that TWICE belongs to in version 1, read by the first versioned test. */
  let twiceCluster = 0;
  const versionedRoutes = (id: string): VersionedRoute[] => {
    const twice = encodeURIComponent(TWICE);
    const [srcAddr, dstAddr, dport, proto] = TWICE.split('|');
    return [
      {
        name: 'GET similar',
        path: `/models/${id}/similar?token=${twice}&k=3`,
        hasTwice: (b) => b.query?.token === TWICE,
      },
      {
        name: 'POST similar',
        path: `/models/${id}/similar`,
        body: { positive: [{ token: TWICE }], k: 3 },
        hasTwice: (b) => b.positive?.[0]?.token === TWICE,
      },
      {
        name: 'similarity',
        path: `/models/${id}/similarity?a=${twice}&b=${encodeURIComponent(COMMON[0])}`,
        hasTwice: (b) => b.a?.token === TWICE,
      },
      {
        name: 'odd-one-out',
        path: `/models/${id}/odd-one-out`,
        body: { tokens: [TWICE, ...COMMON] },
        hasTwice: (b) => b.similarities?.some((score: { token: string }) => score.token === TWICE),
      },
      { name: 'token', path: `/models/${id}/tokens/${twice}`, hasTwice: (b) => b.count === 2 },
      {
        name: 'vocabulary search',
        path: `/models/${id}/tokens?contains=${encodeURIComponent('|6667|')}`,
        hasTwice: (b) => b.items?.[0]?.token === TWICE,
      },
      {
        name: 'token-cluster',
        path: `/models/${id}/token-cluster?token=${twice}`,
        hasTwice: (b) => b.token?.token === TWICE,
      },
      { name: 'clusters', path: `/models/${id}/clusters` },
      { name: 'cluster', path: `/models/${id}/clusters/${twiceCluster}` },
      {
        name: 'cluster members',
        path: `/models/${id}/clusters/${twiceCluster}/members?limit=500`,
        hasTwice: (b) => b.items?.some((member: { token: string }) => member.token === TWICE),
      },
      {
        name: 'classify',
        path: `/models/${id}/classify`,
        body: { flows: [{ srcAddr, dstAddr, dport, proto }] },
        hasTwice: (b) => b.flows?.[0]?.status === 'known',
      },
      { name: 'projection', path: `/models/${id}/projection`, hasTwice: (b) => b.tokens?.includes(TWICE) },
    ];
  };
  /** Returns a document per GraphQL field that takes `version`, each naming TWICE, with `$version` to replace. */
  const graphqlDocuments = (id: string): string[] => {
    const model = `modelId: "${id}"$version`;
    const [srcAddr, dstAddr, dport, proto] = TWICE.split('|');
    return [
      `{ token(${model}, token: { token: "${TWICE}" }) { count } }`,
      `{ similar(${model}, token: "${TWICE}", k: 2) { query { token } } }`,
      `{ mostSimilar(${model}, query: { positive: [{ token: "${TWICE}" }] }) { positive { token } } }`,
      `{ mostSimilarBatch(${model}, queries: [{ positive: [{ token: "${TWICE}" }] }]) { result { exact } error { code } } }`,
      `{ tokenSimilarity(${model}, a: "${TWICE}", b: "${COMMON[0]}") { similarity } }`,
      `{ oddOneOut(${model}, tokens: ["${TWICE}", "${COMMON[0]}", "${COMMON[1]}"]) { token } }`,
      `{ vocabulary(${model}, contains: "|6667|") { total } }`,
      `{ tokenCluster(${model}, token: "${TWICE}") { cluster { clusterId } } }`,
      `{ clusters(${model}) { items { size } } }`,
      `{ cluster(${model}, clusterId: ${twiceCluster}) { size meanCentroidSimilarity } }`,
      `{ clusterMembers(${model}, clusterId: ${twiceCluster}, limit: 500) { items { token } } }`,
      `mutation { classify(${model}, flows: [{ srcAddr: "${srcAddr}", dstAddr: "${dstAddr}", dport: "${dport}", ` +
        `proto: "${proto}" }]) { flows { status } } }`,
    ];
  };
  /** Sends a route's request with `version` appended to its query string (`?version=1`, or '' for none). */
  const request = async (route: VersionedRoute, version: string) => {
    const separator = route.path.includes('?') ? '&' : '?';
    const url = `/api/v1${route.path}${version ? separator + version.slice(1) : ''}`;
    const response =
      route.body === undefined
        ? await server.fetch(url)
        : await server.fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(route.body),
          });
    return { status: response.status, body: await json(response) };
  };
  const requestAll = async (routes: VersionedRoute[], version: string) => {
    const answers: Record<string, { status: number; body: any }> = {};
    for (const route of routes) {
      answers[route.name] = await request(route, version);
    }
    return answers;
  };

  before(async () => {
    server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob([captureWithRareTokens()]), 'rare.binetflow');
    const upload = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(upload);
    assert.equal(upload.status, 201, JSON.stringify(capture));

    const created = await post('/api/v1/models', {
      name: 'rare tokens',
      captureIds: [capture.id],
      trainer: { ...TRAINER, minCount: 2 },
      clustering: { k: 2 },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    modelId = created.body.model.id;
    const job = await waitForJob(created.body.job.id);
    assert.equal(job.state, 'completed', job.error);
  });

  after(async () => {
    await server?.stop();
  });

  it('token seen once reports count and minCount', async () => {
    const { status, body } = await similar(ONCE);
    assert.equal(status, 404, JSON.stringify(body));
    assert.equal(body.code, 'TOKEN_NOT_FOUND');
    assert.match(body.message, /seen 1 times, fewer than the model's minCount of 2/);
    assert.deepEqual(body.details, { token: ONCE, reason: 'below_min_count', count: 1, minCount: 2 });
  });

  it('token never in the capture is never seen', async () => {
    const { status, body } = await similar(NEVER);
    assert.equal(status, 404, JSON.stringify(body));
    assert.deepEqual(body.details, { token: NEVER, reason: 'never_seen' });
  });

  it('address alone names the token format', async () => {
    const { status, body } = await similar('10.1.0.1');

    assert.equal(status, 404, JSON.stringify(body));
    assert.match(body.message, /never occurs/);
    assert.match(body.message, /Tokens of this model are 4 fields joined by "\|", for example "[^"]+\|[^"]+"/);
  });

  it('token at minCount is in the vocabulary', async () => {
    const { status, body } = await similar(TWICE);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.query.token, TWICE);
  });

  it('cut tokens are stored per version', { timeout: 240_000 }, async () => {
    const retrain = await post(`/api/v1/models/${modelId}/versions`, { trainer: { minCount: 3 } });
    assert.equal(retrain.status, 202, JSON.stringify(retrain.body));
    const job = await waitForJob(retrain.body.job.id);
    assert.equal(job.state, 'completed', job.error);

    // The API rereads which version serves a model about once a second.
    const { body } = await waitFor(
      async () => {
        const answer = await similar(TWICE);
        return answer.status === 404 ? answer : undefined;
      },
      10_000,
      () => `version 2 never served ${TWICE} as cut`,
    );
    assert.deepEqual(body.details, { token: TWICE, reason: 'below_min_count', count: 2, minCount: 3 });
    // Messages and logs name the model id that clients send, not the id of the served version.
    assert.match(body.message, new RegExp(`vocabulary of model ${modelId}:`));
    assert.match(server.output(), new RegExp(`Unloaded model ${modelId} .*a newer version is loaded`));

    const rows = await server.query<{ version: number; token: string; count: number }>(
      `SELECT v.version, c.token, c.count FROM cut_tokens c JOIN model_versions v ON v.id = c."modelId"
       WHERE v."modelId" = $1 ORDER BY v.version, c.token`,
      [modelId],
    );
    assert.deepEqual(rows, [
      { version: 1, token: ONCE, count: 1 },
      { version: 2, token: TWICE, count: 2 },
      { version: 2, token: ONCE, count: 1 },
    ]);
  });

  it('version 1 served beside version 2', async () => {
    const tokenCluster = await server.fetch(
      `/api/v1/models/${modelId}/token-cluster?token=${encodeURIComponent(TWICE)}&version=1`,
    );
    twiceCluster = (await json(tokenCluster)).cluster.clusterId;
    const routes = versionedRoutes(modelId);
    const loadsBefore = server.output().split(`Loaded model ${modelId} (`).length;
    const unloadsBefore = server.output().split('a newer version is loaded').length;

    const oldVersion = await requestAll(routes, '?version=1');
    const newest = await requestAll(routes, '');
    const oldAgain = await requestAll(routes, '?version=1');
    for (const route of routes) {
      assert.equal(oldVersion[route.name].status, 200, `${route.name}: ${JSON.stringify(oldVersion[route.name].body)}`);
      assert.deepEqual(oldAgain[route.name], oldVersion[route.name], route.name);
      if (route.hasTwice) {
        assert.ok(route.hasTwice(oldVersion[route.name].body), `${route.name} version 1 knows ${TWICE}`);
        assert.ok(!route.hasTwice(newest[route.name].body), `${route.name} version 2 has ${TWICE} cut`);
      }
    }

    // Version 1 loaded once beside version 2, and neither unloaded the other.
    assert.equal(server.output().split(`Loaded model ${modelId} (`).length, loadsBefore + 1);
    assert.equal(server.output().split('a newer version is loaded').length, unloadsBefore);

    const [first, second] = await server.query<{ id: string; vocabularySize: number }>(
      'SELECT id, "vocabularySize" FROM model_versions WHERE "modelId" = $1 ORDER BY version',
      [modelId],
    );
    assert.equal(oldVersion.classify.body.versionId, first.id);
    assert.equal(newest.classify.body.versionId, second.id);
    assert.equal(oldVersion['GET similar'].body.versionId, first.id);
    assert.equal(oldVersion['POST similar'].body.versionId, first.id);
    const common = encodeURIComponent(COMMON[0]);
    const newestSimilar = await json(await server.fetch(`/api/v1/models/${modelId}/similar?token=${common}`));
    assert.equal(newestSimilar.versionId, second.id);
    // Clusters partition the whole vocabulary, and version 1 has TWICE in it, so its clusters hold one token more.
    assert.equal(first.vocabularySize, second.vocabularySize + 1);
    const sizeOf = (page: { items: { size: number }[] }) => page.items.reduce((sum, item) => sum + item.size, 0);
    assert.equal(sizeOf(oldVersion.clusters.body), first.vocabularySize);
    assert.equal(sizeOf(newest.clusters.body), second.vocabularySize);
    assert.notDeepEqual(oldVersion.cluster.body, newest.cluster.body);
  });

  it('batch runs every query on the named version', async () => {
    const queries = [{ positive: [{ token: TWICE }] }, { positive: [{ token: ONCE }] }];
    const { status, body } = await post(`/api/v1/models/${modelId}/similar/batch?version=1`, { queries });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.results[0].result.query.token, TWICE);
    assert.equal(body.results[1].error.code, 'TOKEN_NOT_FOUND');

    const newest = await post(`/api/v1/models/${modelId}/similar/batch`, { queries });
    assert.equal(newest.body.results[0].error.code, 'TOKEN_NOT_FOUND');
  });

  it('GraphQL version argument on every field', async () => {
    const graphql = async (query: string) => (await post('/graphql', { query })).body;

    for (const document of graphqlDocuments(modelId)) {
      const oldVersion = await graphql(document.replace('$version', ', version: 1'));
      const newest = await graphql(document.replace('$version', ''));
      assert.equal(oldVersion.errors, undefined, `${document}: ${JSON.stringify(oldVersion.errors)}`);
      assert.notDeepEqual(oldVersion, newest, `${document} gave the same response for version 1 and the newest`);

      const unknown = await graphql(document.replace('$version', ', version: 3'));
      assert.equal(unknown.errors?.[0]?.extensions?.code, 'MODEL_NOT_FOUND', `${document}: ${JSON.stringify(unknown)}`);
      assert.match(unknown.errors[0].message, new RegExp(`Model ${modelId} has no version 3`), document);

      const invalid = await graphql(document.replace('$version', ', version: 0'));
      assert.equal(invalid.errors?.[0]?.extensions?.status, 400, `${document}: ${JSON.stringify(invalid)}`);
      assert.match(invalid.errors[0].message, /version/, document);
    }
  });

  it('unknown version is 404 on every route', async () => {
    for (const route of versionedRoutes(modelId)) {
      const { status, body } = await request(route, '?version=3');
      assert.equal(status, 404, `${route.name}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'MODEL_NOT_FOUND', route.name);
      assert.match(body.message, new RegExp(`Model ${modelId} has no version 3`), route.name);
    }
  });

  it('version 0 or not a number is 400 on every route', async () => {
    for (const route of versionedRoutes(modelId)) {
      for (const version of ['0', '-1', '1.5', 'one']) {
        const { status, body } = await request(route, `?version=${version}`);
        assert.equal(status, 400, `${route.name} version=${version}: ${JSON.stringify(body)}`);
        assert.match(body.message, /^version /, `${route.name} version=${version}`);
      }
    }
  });

  it('deleting a version deletes its cut tokens', async () => {
    const [first] = await server.query<{ id: string }>(
      'SELECT id FROM model_versions WHERE "modelId" = $1 AND version = 1',
      [modelId],
    );
    await server.query('DELETE FROM model_versions WHERE id = $1', [first.id]);

    const rows = await server.query('SELECT token FROM cut_tokens WHERE "modelId" = $1', [first.id]);
    assert.deepEqual(rows, []);
  });
});
