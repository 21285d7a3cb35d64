import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createQueryFixture, exactRanking, QueryFixture, unitVector } from './support/query-fixture';
import { json, startTestServer, TestServer } from './support/test-server';

describe('similarity queries', () => {
  let server: TestServer;
  let fixture: QueryFixture;

  before(async () => {
    server = await startTestServer({ role: 'api' });
    fixture = await createQueryFixture(server);
  });

  after(async () => {
    await server?.stop();
  });

  const base = () => `/api/v1/models/${fixture.modelId}`;
  const get = async (path: string) => {
    const response = await server.fetch(path);
    return { status: response.status, body: await json(response) };
  };
  const post = async (path: string, body: unknown) => {
    const response = await server.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await json(response) };
  };
  const graphql = async (query: string, variables: Record<string, unknown>) =>
    (await post('/graphql', { query, variables })).body;
  const tokenOf = (tokenId: number) => fixture.tokens[tokenId].token;
  const similar = (token: string, parameters = '') =>
    get(`${base()}/similar?token=${encodeURIComponent(token)}${parameters}`);

  it('most-similar by token matches exact cosine', async () => {
    const queryId = 5;
    const { status, body } = await similar(tokenOf(queryId), '&k=10');
    assert.equal(status, 200, JSON.stringify(body));

    const expected = exactRanking(fixture, unitVector(fixture, queryId), new Set([queryId])).slice(0, 10);
    assert.deepEqual(
      body.neighbours.map((n: { token: string }) => n.token),
      expected.map((n) => tokenOf(n.tokenId)),
    );
    body.neighbours.forEach((neighbour: { similarity: number }, i: number) =>
      assert.ok(Math.abs(neighbour.similarity - expected[i].similarity) < 1e-5, `neighbour ${i}`),
    );
    assert.equal(body.query.token, tokenOf(queryId));
    assert.equal(body.exact, false);
  });

  it('positive and negative combine like gensim', async () => {
    const [a, b, c] = [3, 17, 42];
    const { status, body } = await post(`${base()}/similar`, {
      positive: [{ token: tokenOf(a) }, { token: tokenOf(b) }],
      negative: [{ token: tokenOf(c) }],
      k: 15,
      exact: true,
    });
    assert.equal(status, 200, JSON.stringify(body));

    const [ua, ub, uc] = [a, b, c].map((tokenId) => unitVector(fixture, tokenId));
    const mean = ua.map((_, i) => (ua[i] + ub[i] - uc[i]) / 3);
    const expected = exactRanking(fixture, mean, new Set([a, b, c])).slice(0, 15);
    assert.deepEqual(
      body.neighbours.map((n: { token: string }) => n.token),
      expected.map((n) => tokenOf(n.tokenId)),
    );
    assert.equal(body.query, null);
    assert.deepEqual(
      body.positive.map((t: { token: string }) => t.token),
      [tokenOf(a), tokenOf(b)],
    );
    assert.equal(body.negative[0].token, tokenOf(c));
  });

  it('index answer agrees with exact answer', async () => {
    const request = { positive: [{ token: tokenOf(9) }], k: 20 };
    const indexed = await post(`${base()}/similar`, request);
    const exact = await post(`${base()}/similar`, { ...request, exact: true });
    assert.equal(exact.body.exact, true);
    assert.deepEqual(
      indexed.body.neighbours.map((n: { token: string }) => n.token),
      exact.body.neighbours.map((n: { token: string }) => n.token),
    );
  });

  it('flow fields name a token', async () => {
    const [srcAddr, dstAddr, dport, proto] = tokenOf(11).split('|');
    const { status, body } = await post(`${base()}/similar`, {
      positive: [{ fields: { srcAddr, dstAddr, dport, proto: proto.toUpperCase(), sport: '1234' } }],
      k: 3,
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.query.token, tokenOf(11));
  });

  it('raw vector query matches exact cosine', async () => {
    const vector = Array.from({ length: fixture.dimensions }, (_, i) => Math.sin(i + 1));
    const { status, body } = await post(`${base()}/similar`, { vectors: [vector], k: 5 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(
      body.neighbours.map((n: { token: string }) => n.token),
      exactRanking(fixture, vector)
        .slice(0, 5)
        .map((n) => tokenOf(n.tokenId)),
    );
  });

  it('k above vocabulary returns every other token', async () => {
    const { status, body } = await similar(tokenOf(0), '&k=1000');
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.neighbours.length, fixture.tokens.length - 1);
    assert.ok(!body.neighbours.some((n: { token: string }) => n.token === tokenOf(0)));
  });

  it('filters keep k and match every neighbour', async () => {
    const cases: { parameters: string; matches: (token: (typeof fixture.tokens)[number]) => boolean }[] = [
      { parameters: '&labelClass=Botnet', matches: (t) => t.labelClass === 'Botnet' },
      { parameters: '&proto=udp', matches: (t) => t.token.endsWith('|udp') },
      { parameters: '&dport=6667', matches: (t) => t.token.split('|')[2] === '6667' },
      { parameters: '&srcCidr=147.32.84.0/24', matches: (t) => t.token.startsWith('147.32.84.') },
      { parameters: '&srcCidr=2001:db8::/32', matches: (t) => t.token.startsWith('2001:db8::1|') },
      { parameters: '&dstCidr=147.32.80.0/28', matches: (t) => Number(t.token.split('|')[1].split('.')[3]) < 16 },
      { parameters: '&cluster=2', matches: (t) => t.cluster === 2 },
      {
        parameters: '&proto=tcp&dport=25&labelClass=Normal',
        matches: (t) => t.token.endsWith('|25|tcp') && t.labelClass === 'Normal',
      },
    ];

    for (const { parameters, matches } of cases) {
      const matching = fixture.tokens.filter((t) => t.tokenId !== 1 && matches(t));
      const { status, body } = await similar(tokenOf(1), `&k=25${parameters}`);
      assert.equal(status, 200, `${parameters}: ${JSON.stringify(body)}`);
      assert.equal(body.neighbours.length, Math.min(25, matching.length), parameters);

      const expected = exactRanking(fixture, unitVector(fixture, 1), new Set([1]))
        .filter((n) => matches(fixture.tokens[n.tokenId]))
        .slice(0, 25)
        .map((n) => tokenOf(n.tokenId));
      assert.deepEqual(
        body.neighbours.map((n: { token: string }) => n.token),
        expected,
        parameters,
      );
    }
  });

  it('minScore drops weaker neighbours', async () => {
    const { body } = await similar(tokenOf(2), '&k=100&minScore=0.3');
    const expected = exactRanking(fixture, unitVector(fixture, 2), new Set([2])).filter((n) => n.similarity >= 0.3);
    assert.ok(expected.length > 0, 'no fixture token is above 0.3');
    assert.ok(expected.length < 100, `fixture gives ${expected.length} tokens above 0.3`);
    assert.equal(body.neighbours.length, expected.length);
    assert.ok(body.neighbours.every((n: { similarity: number }) => n.similarity >= 0.3));
  });

  it('unknown token says it was never seen', async () => {
    const { status, body } = await similar('10.9.9.9|10.9.9.8|1|tcp');
    assert.equal(status, 404);
    assert.equal(body.code, 'TOKEN_NOT_FOUND');
    assert.match(body.message, /"10\.9\.9\.9\|10\.9\.9\.8\|1\|tcp"/);
    assert.match(body.message, /never occurs/);
    assert.equal(body.details.reason, 'never_seen');
  });

  it('cut token says its count and minCount', async () => {
    const cut = '147.32.84.165|147.32.81.7|53|udp';
    await server.query(`INSERT INTO cut_tokens ("modelId", token, count) VALUES ($1, $2, 2)`, [fixture.modelId, cut]);

    const { status, body } = await similar(cut);
    assert.equal(status, 404);
    assert.match(body.message, /seen 2 times, fewer than the model's minCount of 3/);
    assert.deepEqual(body.details, { token: cut, reason: 'below_min_count', count: 2, minCount: 3 });
  });

  it('similarity of two tokens is their cosine', async () => {
    const { status, body } = await get(
      `${base()}/similarity?a=${encodeURIComponent(tokenOf(4))}&b=${encodeURIComponent(tokenOf(8))}`,
    );
    assert.equal(status, 200, JSON.stringify(body));
    const [ua, ub] = [unitVector(fixture, 4), unitVector(fixture, 8)];
    assert.ok(Math.abs(body.similarity - ua.reduce((sum, value, i) => sum + value * ub[i], 0)) < 1e-5);
    assert.equal(body.a.token, tokenOf(4));
  });

  it('odd one out picks the farthest from the mean', async () => {
    const ids = [6, 7, 12, 30];
    const { status, body } = await post(`${base()}/odd-one-out`, { tokens: ids.map(tokenOf) });
    assert.equal(status, 200, JSON.stringify(body));

    const units = ids.map((tokenId) => unitVector(fixture, tokenId));
    const mean = units[0].map((_, i) => units.reduce((sum, unit) => sum + unit[i], 0) / units.length);
    const scores = units.map((unit) => unit.reduce((sum, value, i) => sum + value * mean[i], 0) / Math.hypot(...mean));
    const odd = ids[scores.indexOf(Math.min(...scores))];
    assert.equal(body.token, tokenOf(odd));
    assert.equal(body.similarities.length, 4);
  });

  it('token details include counts and cluster', async () => {
    const token = fixture.tokens[6];
    const { status, body } = await get(`${base()}/tokens/${encodeURIComponent(token.token)}`);
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      token: token.token,
      count: token.count,
      labelCounts: Object.entries(token.labelCounts).map(([label, count]) => ({ label, count })),
      labelClass: token.labelClass,
      cluster: null,
    });
    assert.equal((await get(`${base()}/tokens/${encodeURIComponent(tokenOf(7))}`)).body.cluster, 2);
  });

  it('batch answers each query in place', async () => {
    const { status, body } = await post(`${base()}/similar/batch`, {
      queries: [
        { positive: [{ token: tokenOf(1) }], k: 2 },
        { positive: [{ token: 'not|a|known|token' }] },
        { vectors: [[1, 2]] },
        { positive: [{ token: tokenOf(2) }], k: 3, filter: { labelClass: 'Normal' } },
      ],
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.results[0].result.neighbours.length, 2);
    assert.equal(body.results[1].error.code, 'TOKEN_NOT_FOUND');
    assert.equal(body.results[2].error.code, 'INVALID_INPUT');
    assert.match(body.results[2].error.message, /vectors\[0\] must be 16/);
    assert.ok(body.results[3].result.neighbours.every((n: { labelClass: string }) => n.labelClass === 'Normal'));
  });

  it('bad input is 400 naming the value', async () => {
    const token = encodeURIComponent(tokenOf(0));
    const cases: [string, RegExp][] = [
      [`${base()}/similar?token=${token}&k=0`, /k must not be less than 1/],
      [`${base()}/similar?token=${token}&k=1001`, /k must not be greater than 1000/],
      [`${base()}/similar?token=${token}&k=abc`, /k must be an integer/],
      [`${base()}/similar?token=${token}&ef=0`, /ef must not be less than 1/],
      [`${base()}/similar?token=${token}&exact=yes`, /exact must be a boolean/],
      [`${base()}/similar?token=${token}&minScore=2`, /minScore must not be greater than 1/],
      [
        `${base()}/similar?token=${token}&srcCidr=147.32.84.0/33`,
        /srcCidr must be an address range.*147\.32\.84\.0\/33/,
      ],
      [`${base()}/similar?token=${token}&dstCidr=nonsense`, /dstCidr must be an address range.*"nonsense"/],
      [`${base()}/similar?token=${token}&labelClass=Evil`, /labelClass must be one of/],
      [`${base()}/similar`, /token/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      assert.equal(status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'INVALID_INPUT', path);
      assert.match(body.message, message, path);
    }
  });

  it('no body shape gives a 500', async () => {
    const bodies: unknown[] = [
      {},
      null,
      [],
      'text',
      { positive: 'x' },
      { positive: [null] },
      { positive: [{}] },
      { positive: [{ token: tokenOf(0), fields: { srcAddr: '1.2.3.4' } }] },
      { positive: [{ fields: { srcAddr: '1.2.3.4' } }] },
      { positive: [{ token: tokenOf(0) }], negative: [{ token: tokenOf(0) }] },
      { vectors: [Array(fixture.dimensions).fill(0)] },
      { vectors: [Array(fixture.dimensions).fill('a')] },
      { vectors: [[]] },
      { vectors: 'x' },
      { positive: [{ token: tokenOf(0) }], filter: { cluster: -1 } },
      { positive: [{ token: tokenOf(0) }], filter: 'Botnet' },
      { positive: [{ token: tokenOf(0) }], k: 1e9 },
      { positive: [{ token: tokenOf(0) }], ef: 1.5 },
      { positive: Array(101).fill({ token: tokenOf(0) }) },
    ];
    for (const body of bodies) {
      const response = await post(`${base()}/similar`, body);
      assert.ok(response.status >= 400, `${JSON.stringify(body)} gave ${response.status}`);
      assert.ok(response.status < 500, `${JSON.stringify(body)} gave ${response.status}`);
      assert.equal(response.body.code, response.status === 404 ? 'TOKEN_NOT_FOUND' : 'INVALID_INPUT');
    }
  });

  it('odd paths and parameters give no 500', async () => {
    const paths = [
      `${base()}/tokens/%ZZ`,
      `${base()}/tokens/${'x'.repeat(5000)}`,
      `${base()}/similar?token=%ZZ`,
      `${base()}/similar?token=a&token=b`,
      `${base()}/similar?token=${encodeURIComponent(tokenOf(0))}&k=1&k=2`,
      `${base()}/similarity?a=${encodeURIComponent(tokenOf(0))}`,
      '/api/v1/models/not-a-uuid/similar?token=x',
      '/api/v1/models/7f1c1d2e-0000-4000-8000-000000000000/tokens?prefix=x',
    ];
    for (const path of paths) {
      const response = await server.fetch(path);
      assert.ok(response.status >= 400, `${path} gave ${response.status}`);
      assert.ok(response.status < 500, `${path} gave ${response.status}`);
    }
  });

  it('graphql mostSimilar matches REST', async () => {
    const rest = await post(`${base()}/similar`, {
      positive: [{ token: tokenOf(3) }],
      k: 5,
      filter: { proto: 'tcp' },
    });
    const body = await graphql(
      `
        query ($id: ID!, $q: MostSimilarInput!) {
          mostSimilar(modelId: $id, query: $q) {
            neighbours {
              token
              similarity
              cluster
            }
            exact
          }
        }
      `,
      { id: fixture.modelId, q: { positive: [{ token: tokenOf(3) }], k: 5, filter: { proto: 'tcp' } } },
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.deepEqual(
      body.data.mostSimilar.neighbours.map((n: { token: string }) => n.token),
      rest.body.neighbours.map((n: { token: string }) => n.token),
    );
  });

  it('graphql batch answers in place', async () => {
    const body = await graphql(
      `
        query ($id: ID!, $q: [MostSimilarInput!]!) {
          mostSimilarBatch(modelId: $id, queries: $q) {
            result {
              neighbours {
                token
              }
            }
            error {
              code
              message
            }
          }
        }
      `,
      {
        id: fixture.modelId,
        q: [{ positive: [{ token: tokenOf(1) }], k: 3 }, { positive: [{ token: 'no|such|token|x' }] }],
      },
    );
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data.mostSimilarBatch[0].result.neighbours.length, 3);
    assert.equal(body.data.mostSimilarBatch[0].error, null);
    assert.equal(body.data.mostSimilarBatch[1].error.code, 'TOKEN_NOT_FOUND');
  });

  it('graphql maps bad input and unknown tokens', async () => {
    const invalid = await graphql(
      `
        query ($id: ID!, $t: String!) {
          similar(modelId: $id, token: $t, k: 0) {
            exact
          }
        }
      `,
      {
        id: fixture.modelId,
        t: tokenOf(0),
      },
    );
    assert.equal(invalid.errors[0].extensions.code, 'INVALID_INPUT');
    assert.match(invalid.errors[0].message, /k must not be less than 1/);

    const unknown = await graphql(
      `
        query ($id: ID!) {
          token(modelId: $id, token: { token: "x|y|1|tcp" }) {
            count
          }
        }
      `,
      {
        id: fixture.modelId,
      },
    );
    assert.equal(unknown.errors[0].extensions.code, 'TOKEN_NOT_FOUND');

    const odd = await graphql(
      `
        query ($id: ID!, $t: [String!]!) {
          oddOneOut(modelId: $id, tokens: $t) {
            token
          }
        }
      `,
      {
        id: fixture.modelId,
        t: [tokenOf(1), tokenOf(2), tokenOf(3)],
      },
    );
    assert.equal(odd.errors, undefined, JSON.stringify(odd.errors));
    assert.ok([1, 2, 3].map(tokenOf).includes(odd.data.oddOneOut.token));
  });
});
