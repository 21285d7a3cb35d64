import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createQueryFixture, FixtureToken, QueryFixture } from './support/query-fixture';
import { json, startTestServer, TestServer } from './support/test-server';

describe('vocabulary search', () => {
  let server: TestServer;
  let fixture: QueryFixture;

  before(async () => {
    server = await startTestServer({ role: 'api' });
    fixture = await createQueryFixture(server, { size: 300, seed: 2 });
  });

  after(async () => {
    await server?.stop();
  });

  const search = async (parameters: string) => {
    const response = await server.fetch(`/api/v1/models/${fixture.modelId}/tokens?${parameters}`);
    return { status: response.status, body: await json(response) };
  };
  /** Fixture tokens in the order the API pages them, which is token id order. */
  const ordered = (matches: (token: FixtureToken) => boolean) => fixture.tokens.filter(matches).map((t) => t.token);

  it('searches by prefix, substring and range', async () => {
    const address = (t: FixtureToken, position: number) => t.token.split('|')[position];
    const cases: [string, (t: FixtureToken) => boolean][] = [
      ['prefix=147.32.84.1', (t) => t.token.startsWith('147.32.84.1')],
      ['contains=%7C6667%7C', (t) => t.token.includes('|6667|')],
      ['contains=80.1', (t) => t.token.includes('80.1')],
      ['cidr=147.32.84.191/32&addressField=src', (t) => address(t, 0) === '147.32.84.191'],
      ['cidr=147.32.80.0/29&addressField=dst', (t) => Number(address(t, 1).split('.')[3]) < 8],
      ['cidr=2001:db8::/16', (t) => address(t, 0) === '2001:db8::1'],
      [
        'cidr=147.32.84.0/24&labelClass=Botnet',
        (t) => address(t, 0).startsWith('147.32.84.') && t.labelClass === 'Botnet',
      ],
      ['prefix=10.0.0.5%7C&contains=%7Ctcp', (t) => t.token.startsWith('10.0.0.5|') && t.token.endsWith('|tcp')],
      ['contains=%25', () => false],
      ['prefix=_', () => false],
    ];

    for (const [parameters, matches] of cases) {
      const expected = ordered(matches);
      const { status, body } = await search(`${parameters}&limit=500`);
      assert.equal(status, 200, `${parameters}: ${JSON.stringify(body)}`);
      assert.equal(body.total, expected.length, parameters);
      assert.equal(body.totalCapped, false, parameters);
      assert.deepEqual(
        body.items.map((t: { token: string }) => t.token),
        expected,
        parameters,
      );
    }
  });

  it('pages with limit and offset', async () => {
    const expected = ordered((t) => t.token.endsWith('|udp'));
    const first = await search('contains=%7Cudp&limit=7&offset=0');
    const second = await search('contains=%7Cudp&limit=7&offset=7');
    assert.equal(first.body.total, expected.length);
    assert.deepEqual(
      [...first.body.items, ...second.body.items].map((t: { token: string }) => t.token),
      expected.slice(0, 14),
    );
    assert.equal(second.body.offset, 7);
  });

  it('returns counts, label counts and cluster', async () => {
    const token = fixture.tokens[12];
    const { body } = await search(`prefix=${encodeURIComponent(token.token)}`);
    assert.deepEqual(body.items[0], {
      token: token.token,
      count: token.count,
      labelCounts: Object.entries(token.labelCounts).map(([label, count]) => ({ label, count })),
      labelClass: token.labelClass,
      cluster: token.cluster,
    });
  });

  it('caps the total of broad searches', async () => {
    await server.query(
      `INSERT INTO tokens ("modelId", "tokenId", token, count, "labelCounts", "labelClass")
       SELECT $1, 1000 + i, 'zz' || i, 1, '{}', 'Background' FROM generate_series(1, 10050) AS i`,
      [fixture.modelId],
    );
    const { body } = await search('prefix=zz');
    assert.equal(body.total, 10_000);
    assert.equal(body.totalCapped, true);
    assert.equal(body.items.length, 50);
    assert.equal(body.items[0].token, 'zz1');
  });

  it('bad parameters are 400', async () => {
    for (const [parameters, message] of [
      ['cidr=300.1.1.1/8', /cidr must be an address range.*300\.1\.1\.1\/8/],
      ['cidr=10.0.0.0/8&addressField=both', /addressField must be one of/],
      ['limit=501', /limit must not be greater than 500/],
      ['offset=-1', /offset must not be less than 0/],
      ['prefix=', /prefix must be longer than or equal to 1/],
    ] as const) {
      const { status, body } = await search(parameters);
      assert.equal(status, 400, `${parameters}: ${JSON.stringify(body)}`);
      assert.match(body.message, message, parameters);
    }
  });

  it('SQL-shaped text matches only itself', async () => {
    const orClause = `' OR 1=1 --`;
    const dropTable = `'); DROP TABLE tokens; --`;
    const planted = [`${orClause}|192.0.2.1|80|tcp`, `x${dropTable}|192.0.2.2|80|tcp`];
    await server.query(
      `INSERT INTO tokens ("modelId", "tokenId", token, count, "labelCounts", "labelClass")
       SELECT $1, 20000 + i, ($2::text[])[i], 1, '{}', 'Background' FROM generate_series(1, 2) AS i`,
      [fixture.modelId, planted],
    );
    const countTokens = async () =>
      (
        await server.query<{ n: number }>('SELECT count(*)::int AS n FROM tokens WHERE "modelId" = $1', [
          fixture.modelId,
        ])
      )[0].n;
    const tokensBefore = await countTokens();

    const cases: [Record<string, string>, string[]][] = [
      [{ prefix: orClause }, [planted[0]]],
      [{ contains: orClause }, [planted[0]]],
      [{ contains: dropTable }, [planted[1]]],
      [{ prefix: dropTable }, []],
      [{ prefix: orClause, labelClass: 'Botnet' }, []],
      [{ contains: `' OR '1'='1` }, []],
      [{ contains: `%' OR token LIKE '%` }, []],
      [{ prefix: `\\' OR 1=1; --` }, []],
      [{ contains: `'; SELECT pg_sleep(5); --` }, []],
    ];
    for (const [parameters, expected] of cases) {
      const query = new URLSearchParams({ ...parameters, limit: '500' }).toString();
      const { status, body } = await search(query);
      assert.equal(status, 200, `${query}: ${JSON.stringify(body)}`);
      assert.equal(body.total, expected.length, query);
      assert.deepEqual(
        body.items.map((t: { token: string }) => t.token),
        expected,
        query,
      );
    }

    for (const cidr of [orClause, `10.0.0.0/8${dropTable}`, `10.0.0.0/8' OR '1'='1`]) {
      const { status, body } = await search(new URLSearchParams({ cidr }).toString());
      assert.equal(status, 400, `cidr=${cidr}: ${JSON.stringify(body)}`);
      assert.match(body.message, /cidr must be an address range/, cidr);
    }

    const response = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($id: ID!, $text: String!) { vocabulary(modelId: $id, contains: $text) { items { token } } }',
        variables: { id: fixture.modelId, text: dropTable },
      }),
    });
    const graphql = await json(response);
    assert.equal(graphql.errors, undefined, JSON.stringify(graphql.errors));
    assert.deepEqual(
      graphql.data.vocabulary.items.map((t: { token: string }) => t.token),
      [planted[1]],
    );

    assert.equal(await countTokens(), tokensBefore, 'a search changed the tokens table');
    for (const table of ['tokens', 'models', 'model_versions', 'jobs', 'api_keys', 'audit_records']) {
      const [{ found }] = await server.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [
        table,
      ]);
      assert.equal(found, table, `table ${table} is gone`);
    }
  });

  it('graphql vocabulary matches REST', async () => {
    const rest = await search('prefix=147.32.84.165&limit=5');
    const response = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'query($id: ID!) { vocabulary(modelId: $id, prefix: "147.32.84.165", limit: 5) { items { token } total } }',
        variables: { id: fixture.modelId },
      }),
    });
    const body = await json(response);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data.vocabulary.total, rest.body.total);
    assert.deepEqual(
      body.data.vocabulary.items.map((t: { token: string }) => t.token),
      rest.body.items.map((t: { token: string }) => t.token),
    );
  });
});
