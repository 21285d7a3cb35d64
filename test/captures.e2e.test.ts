import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { json, REPO_ROOT, startTestServer, TestServer, waitFor } from './support/test-server';

const HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';

function row(second: number, src: string, dst: string, dport: string, label: string): string {
  const time = `2011/08/16 10:00:${String(second).padStart(2, '0')}.000000`;
  return `${time},0.5,udp,${src},40000,   <->,${dst},${dport},CON,0,0,2,200,100,${label}`;
}

/** Every field of the GraphQL Capture type, so that a GraphQL read can be compared with the REST response. */
const CAPTURE_GRAPHQL_FIELDS =
  'id sha256 fileName format gzip sizeBytes decompressedBytes flowCount rejectedCount rejectedRows { line reason } ' +
  'labelClassCounts { Botnet Normal Background } protocolCounts { protocol count } firstFlowAt lastFlowAt createdAt';

const fixturePath = (name: string) => join(REPO_ROOT, 'test', 'fixtures', 'captures', name);

const CAPTURE = [
  HEADER,
  row(1, '10.0.0.1', '10.0.0.53', '53', 'flow=From-Botnet-V1-UDP-DNS'),
  row(2, '10.0.0.2', '10.0.0.53', '53', 'flow=From-Normal-V1-UDP-DNS'),
  'this row is broken',
  row(3, '10.0.0.3', '10.0.0.80', '80', 'flow=Background-UDP-Established'),
].join('\n');

/**
 * Sends the headers and `preamble` of a chunked POST to `path`, then sends nothing more, and resolves with the
 * response the server sends to the stalled request.
 */
function sendAndStall(
  server: TestServer,
  headers: Record<string, string>,
  preamble: string,
  path = '/api/v1/captures',
): Promise<{ status: number; body: string }> {
  const url = new URL(path, server.baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked', 'x-api-key': server.adminKey } },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.write(preamble);
  });
}

describe('capture upload', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: { MAX_UPLOAD_BYTES: '300000', UPLOAD_IDLE_TIMEOUT_MS: '1000' } });
  });

  after(async () => {
    await server?.stop();
  });

  const uploadRaw = (body: Buffer | string, headers: Record<string, string>, query = '') =>
    server.fetch(`/api/v1/captures${query}`, { method: 'POST', headers, body });

  const leftovers = async () => (await readdir(join(server.dataDir, 'tmp'))).filter((name) => !name.startsWith('.'));

  it('raw CSV gives counts and rejected rows', async () => {
    const response = await uploadRaw(CAPTURE, { 'content-type': 'text/csv' }, '?fileName=small.binetflow');
    const capture = await json(response);
    assert.equal(response.status, 201, JSON.stringify(capture));
    assert.equal(capture.fileName, 'small.binetflow');
    assert.equal(capture.format, 'binetflow');
    assert.equal(capture.gzip, false);
    assert.equal(capture.flowCount, 3);
    assert.deepEqual(capture.labelClassCounts, { Botnet: 1, Normal: 1, Background: 1 });
    assert.equal(capture.rejectedCount, 1);
    assert.equal(capture.rejectedRows[0].line, 4);
    assert.equal(capture.firstFlowAt, '2011-08-16T10:00:01.000Z');
    assert.equal(capture.lastFlowAt, '2011-08-16T10:00:03.000Z');
  });

  it('detail of an uploaded fixture', async () => {
    const plain = await readFile(fixturePath('argus-standard.binetflow'));
    const sent = gzipSync(plain);
    const uploaded = await uploadRaw(sent, { 'content-type': 'application/gzip' }, '?fileName=standard.binetflow.gz');
    assert.equal(uploaded.status, 201);
    const { id } = await json(uploaded);

    const response = await server.fetch(`/api/v1/captures/${id}`);
    assert.equal(response.status, 200);
    const capture = await json(response);
    assert.equal(capture.id, id);
    assert.equal(capture.sha256, createHash('sha256').update(sent).digest('hex'));
    assert.equal(capture.fileName, 'standard.binetflow.gz');
    assert.equal(capture.format, 'binetflow');
    assert.equal(capture.gzip, true);
    assert.equal(capture.sizeBytes, sent.length);
    assert.equal(capture.decompressedBytes, plain.length);
    assert.equal(capture.flowCount, 8);
    assert.equal(capture.rejectedCount, 0);
    assert.deepEqual(capture.rejectedRows, []);
    assert.equal(capture.firstFlowAt, '2011-08-16T10:01:46.972Z');
    assert.equal(capture.lastFlowAt, '2011-08-16T10:05:59.999Z');
    assert.deepEqual(capture.labelClassCounts, { Botnet: 1, Normal: 1, Background: 6 });
    assert.deepEqual(capture.protocolCounts, [
      { protocol: 'tcp', count: 3 },
      { protocol: 'arp', count: 1 },
      { protocol: 'esp', count: 1 },
      { protocol: 'icmp', count: 1 },
      { protocol: 'ipv6-icmp', count: 1 },
      { protocol: 'udp', count: 1 },
    ]);
    assert.deepEqual(await readFile(join(server.dataDir, 'captures', capture.sha256)), sent);

    const graphql = await server.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `query ($id: ID!) { capture(id: $id) { ${CAPTURE_GRAPHQL_FIELDS} } }`,
        variables: { id },
      }),
    });
    const result = await json(graphql);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    assert.deepEqual(result.data.capture, capture);
  });

  it('Zeek conn.log TSV upload', async () => {
    const response = await uploadRaw(
      await readFile(fixturePath('zeek-conn.log')),
      { 'content-type': 'text/plain' },
      '?fileName=conn.log',
    );
    const capture = await json(response);
    assert.equal(response.status, 201, JSON.stringify(capture));
    assert.equal(capture.format, 'zeek-tsv');
    assert.equal(capture.flowCount, 4);
    assert.equal(capture.rejectedCount, 1);
    assert.deepEqual(capture.rejectedRows, [{ line: 12, reason: 'expected 20 fields as in #fields, found 19' }]);
    assert.deepEqual(capture.labelClassCounts, { Botnet: 0, Normal: 0, Background: 4 });
    assert.deepEqual(capture.protocolCounts, [
      { protocol: 'icmp', count: 1 },
      { protocol: 'tcp', count: 1 },
      { protocol: 'udp', count: 1 },
      { protocol: 'unknown_transport', count: 1 },
    ]);
    assert.equal(capture.firstFlowAt, '2011-08-16T10:01:46.972Z');
    assert.equal(capture.lastFlowAt, '2011-08-16T10:01:48.500Z');
  });

  it('format query overrides detection', async () => {
    const zeekJson = await uploadRaw(
      await readFile(fixturePath('zeek-conn.json')),
      { 'content-type': 'text/plain' },
      '?format=zeek-json',
    );
    const capture = await json(zeekJson);
    assert.equal(zeekJson.status, 201, JSON.stringify(capture));
    assert.equal(capture.format, 'zeek-json');
    assert.equal(capture.flowCount, 3);
    assert.equal(capture.rejectedCount, 2);

    // Detection reads these bytes as binetflow; the format named in the query reads every row as invalid JSON.
    const binetflowAsJson = `${CAPTURE}\n${row(40, '10.0.0.40', '10.0.0.53', '53', 'x')}`;
    const misread = await uploadRaw(binetflowAsJson, { 'content-type': 'text/csv' }, '?format=zeek-json');
    const body = await json(misread);
    assert.equal(misread.status, 422, JSON.stringify(body));
    assert.equal(body.details.reason, 'NO_FLOWS');
    assert.match(body.message, /zeek-json capture/);
    assert.match(body.message, /invalid JSON/);

    const unknown = await uploadRaw(binetflowAsJson, { 'content-type': 'text/csv' }, '?format=pcap');
    assert.equal(unknown.status, 400);
    assert.match((await json(unknown)).message, /format/);
  });

  it('header without a good row is 422 and keeps nothing', async () => {
    const rowsBefore = await server.query('SELECT count(*)::int AS n FROM captures');
    const storedBefore = await readdir(join(server.dataDir, 'captures'));
    const body = [HEADER, 'this row is broken', 'so,is,this,one'].join('\n');

    const response = await uploadRaw(body, { 'content-type': 'text/csv' });
    const error = await json(response);
    assert.equal(response.status, 422);
    assert.equal(error.code, 'CAPTURE_UNREADABLE');
    assert.equal(error.details.reason, 'NO_FLOWS');
    assert.match(error.message, /2 row\(s\) rejected, the first at line 2/);
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(await readdir(join(server.dataDir, 'captures')), storedBefore);
    assert.ok(!storedBefore.includes(createHash('sha256').update(body).digest('hex')));
    assert.deepEqual(await server.query('SELECT count(*)::int AS n FROM captures'), rowsBefore);
  });

  it('same bytes twice give the same capture', async () => {
    const body = `${CAPTURE}\n${row(9, '10.0.0.9', '10.0.0.53', '53', 'flow=Background')}`;
    const first = await json(await uploadRaw(body, { 'content-type': 'text/csv' }));
    const second = await uploadRaw(body, { 'content-type': 'text/csv' });
    assert.equal(second.status, 200);
    assert.equal((await json(second)).id, first.id);
    const files = await readdir(join(server.dataDir, 'captures'));
    assert.equal(files.filter((name) => name === first.sha256).length, 1);
  });

  it('gzip body and Content-Encoding gzip both parse', async () => {
    const gzipped = gzipSync(`${CAPTURE}\n${row(10, '10.0.0.10', '10.0.0.53', '53', 'flow=Background')}`);
    const asFile = await uploadRaw(gzipped, { 'content-type': 'application/gzip' });
    const body = await json(asFile);
    assert.equal(asFile.status, 201, JSON.stringify(body));
    assert.equal(body.gzip, true);
    assert.equal(body.flowCount, 4);

    const encoded = await uploadRaw(gzipSync(`${CAPTURE}\n${row(11, '10.0.0.11', '10.0.0.53', '53', 'x')}`), {
      'content-type': 'text/csv',
      'content-encoding': 'gzip',
    });
    assert.equal(encoded.status, 201);
    assert.equal((await json(encoded)).flowCount, 4);
  });

  it('multipart file name never becomes a path', async () => {
    const form = new FormData();
    form.append(
      'file',
      new Blob([`${CAPTURE}\n${row(12, '10.0.0.12', '10.0.0.53', '53', 'x')}`]),
      '../../etc/evil.binetflow',
    );
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(response);
    assert.equal(response.status, 201, JSON.stringify(capture));
    assert.equal(capture.fileName, 'evil.binetflow');
    assert.ok((await readdir(join(server.dataDir, 'captures'))).includes(capture.sha256));
  });

  it('unsupported media type is 415', async () => {
    const response = await uploadRaw('{}', { 'content-type': 'application/json' });
    assert.equal(response.status, 415);
    assert.match((await json(response)).message, /multipart\/form-data/);
  });

  it('oversized upload is 413 and keeps nothing', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) =>
      row(i % 60, `10.1.${i >> 8}.${i & 255}`, '10.0.0.53', '53', 'x'),
    );
    const response = await uploadRaw([HEADER, ...rows].join('\n'), { 'content-type': 'text/csv' });
    const body = await json(response);
    assert.equal(response.status, 413);
    assert.equal(body.code, 'UPLOAD_TOO_LARGE');
    assert.match(body.message, /MAX_UPLOAD_BYTES/);
    assert.deepEqual(await leftovers(), []);
  });

  it('gzip bomb is stopped with 413', async () => {
    const line = `${row(1, '10.0.0.1', '10.0.0.53', '53', 'x')}\n`;
    const bomb = gzipSync(HEADER + '\n' + line.repeat(400_000), { level: 9 });
    assert.ok(bomb.length < 300_000, `bomb is ${bomb.length} bytes`);
    const response = await uploadRaw(bomb, { 'content-type': 'application/gzip' });
    const body = await json(response);
    assert.equal(response.status, 413);
    assert.equal(body.details.reason, 'DECOMPRESSION_RATIO');
    assert.deepEqual(await leftovers(), []);
  });

  // The word2vec import reads its multipart body like a capture upload, so its request errors are tested here,
  // where MAX_UPLOAD_BYTES is small.
  it('word2vec import rejects bad requests and keeps nothing', async () => {
    const importForm = async (parts: Record<string, string | Blob>, init: RequestInit = {}) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(parts)) {
        form.append(name, value);
      }
      const response = await server.fetch('/api/v1/models/import', { method: 'POST', body: form, ...init });
      return { status: response.status, body: await json(response) };
    };
    const vectors = new Blob(['2 2\na 1 0\nb 0 1\n']);

    const missing = await importForm({ name: 'no file' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /Missing multipart field "file"/);

    const unknownField = await importForm({ file: vectors, size: 'large' });
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.message, /property size should not exist/);

    const twoFiles = new FormData();
    twoFiles.append('file', vectors);
    twoFiles.append('file', vectors);
    const twoFilesResponse = await server.fetch('/api/v1/models/import', { method: 'POST', body: twoFiles });
    assert.equal(twoFilesResponse.status, 400);
    assert.match((await json(twoFilesResponse)).message, /Too many files: send one file/);

    const wrongFormat = await importForm({ file: vectors, format: 'binary' });
    assert.equal(wrongFormat.status, 422);
    assert.match(wrongFormat.body.message, /read as format=binary; leave format out/);

    const badFormat = await importForm({ file: vectors, format: 'csv' });
    assert.equal(badFormat.status, 400);
    assert.match(badFormat.body.message, /format must be one of the following values: text, binary/);

    const tooLarge = await importForm({ file: new Blob([`1 2\na ${'1 '.repeat(200_000)}\n`]) });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.code, 'UPLOAD_TOO_LARGE');
    assert.match(tooLarge.body.message, /300000 bytes \(MAX_UPLOAD_BYTES\)/);

    const notMultipart = await server.fetch('/api/v1/models/import', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(notMultipart.status, 415);
    assert.match((await json(notMultipart)).message, /multipart\/form-data/);

    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(await server.query(`SELECT id FROM model_versions WHERE imported`), []);

    const imported = await importForm({ name: 'two tokens', file: vectors });
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    assert.equal(imported.body.vocabularySize, 2);
    assert.deepEqual(await leftovers(), []);
  });

  it('overlong line is 422 with its line', async () => {
    const response = await uploadRaw(`${HEADER}\n${'x'.repeat(70_000)}\n`, { 'content-type': 'text/csv' });
    const body = await json(response);
    assert.equal(response.status, 422);
    assert.equal(body.details.reason, 'LINE_TOO_LONG');
    assert.equal(body.details.line, 2);
  });

  it('stalled upload times out with 408', async () => {
    // Part of the body is sent and the request is left open, as a client that stalls mid-upload does.
    const response = await sendAndStall(
      server,
      { 'content-type': 'text/csv' },
      `${HEADER}\n${row(1, '10.0.0.1', '10.0.0.53', '53', 'x')}\n`,
    );
    assert.equal(response.status, 408);
    assert.deepEqual(await leftovers(), []);
  });

  it('multipart stalled before its file part is 408', { timeout: 30_000 }, async () => {
    const rowsBefore = await server.query('SELECT count(*)::int AS n FROM captures');
    const storedBefore = await readdir(join(server.dataDir, 'captures'));

    // The part headers are cut off before the blank line that ends them, so the `file` part has not started.
    const response = await sendAndStall(
      server,
      { 'content-type': 'multipart/form-data; boundary=stall' },
      '--stall\r\nContent-Disposition: form-data; name="file"; filename="stalled.binetflow"\r\n',
    );
    assert.equal(response.status, 408);
    assert.equal(JSON.parse(response.body).code, 'UPLOAD_TIMEOUT');
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(await readdir(join(server.dataDir, 'captures')), storedBefore);
    assert.deepEqual(await server.query('SELECT count(*)::int AS n FROM captures'), rowsBefore);
  });

  it('aborted upload leaves nothing behind', async () => {
    const before = await server.query('SELECT count(*)::int AS n FROM captures');
    const url = new URL('/api/v1/captures', server.baseUrl);
    const request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked', 'x-api-key': server.adminKey },
    });
    request.on('error', () => undefined);
    request.write(`${HEADER}\n${row(1, '10.0.0.1', '10.0.0.53', '53', 'x')}\n`);
    await waitFor(
      async () => ((await leftovers()).length > 0 ? true : undefined),
      5000,
      () => 'upload never reached the server',
    );
    request.destroy();

    await waitFor(
      async () => ((await leftovers()).length === 0 ? true : undefined),
      5000,
      async () => `left: ${await leftovers()}`,
    );
    assert.deepEqual(await server.query('SELECT count(*)::int AS n FROM captures'), before);
  });

  it('truncated multipart upload is 400', async () => {
    // The file part never reaches its closing boundary, as when a client stops sending and ends the request.
    const body = `--cut\r\nContent-Disposition: form-data; name="file"; filename="cut.binetflow"\r\n\r\n${CAPTURE}\n`;
    for (const path of ['/api/v1/captures', '/api/v1/models/import']) {
      const response = await server.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=cut' },
        body,
      });
      assert.equal(response.status, 400, path);
      assert.match((await json(response)).message, /Malformed multipart body: Unexpected end of form/, path);
    }

    assert.equal((await server.fetch('/api/v1/health')).status, 200);
    assert.deepEqual(await leftovers(), []);
  });

  it('multipart without a boundary is 400', async () => {
    for (const path of ['/api/v1/captures', '/api/v1/models/import']) {
      const response = await server.fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data' },
        body: 'x',
      });
      assert.equal(response.status, 400, path);
      assert.match((await json(response)).message, /Boundary not found/, path);
    }
  });

  it('stalled word2vec import is 408 and keeps nothing', { timeout: 30_000 }, async () => {
    const response = await sendAndStall(
      server,
      { 'content-type': 'multipart/form-data; boundary=stall' },
      '--stall\r\nContent-Disposition: form-data; name="file"; filename="v.txt"\r\n\r\n2 2\na 1 0\n',
      '/api/v1/models/import',
    );
    assert.equal(response.status, 408);
    assert.equal(JSON.parse(response.body).code, 'UPLOAD_TIMEOUT');
    await waitFor(
      async () => ((await leftovers()).length === 0 ? true : undefined),
      5000,
      async () => `left: ${await leftovers()}`,
    );
  });

  it('aborted word2vec import leaves nothing behind', async () => {
    const request = httpRequest(new URL('/api/v1/models/import', server.baseUrl), {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=gone',
        'transfer-encoding': 'chunked',
        'x-api-key': server.adminKey,
      },
    });
    request.on('error', () => undefined);
    request.write('--gone\r\nContent-Disposition: form-data; name="file"; filename="v.txt"\r\n\r\n2 2\na 1 0\n');
    await waitFor(
      async () => ((await leftovers()).length > 0 ? true : undefined),
      5000,
      () => 'import never reached the server',
    );
    request.destroy();

    // Well within UPLOAD_IDLE_TIMEOUT_MS of this server, so the abort itself removed the file.
    await waitFor(
      async () => ((await leftovers()).length === 0 ? true : undefined),
      800,
      async () => `left: ${await leftovers()}`,
    );
    assert.equal((await server.fetch('/api/v1/health')).status, 200);
  });

  it('failed insert removes the moved file', async () => {
    const rowsBefore = await server.query('SELECT count(*)::int AS n FROM captures');
    const body = `${CAPTURE}\n${row(50, '10.0.0.50', '10.0.0.53', '53', 'x')}`;
    // A trigger in the test's own database makes the insert fail after the file has been moved into place.
    await server.query(
      `CREATE FUNCTION reject_capture_insert() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'capture insert rejected by the test'; END $$`,
    );
    await server.query(
      'CREATE TRIGGER reject_capture_insert BEFORE INSERT ON captures FOR EACH ROW EXECUTE FUNCTION reject_capture_insert()',
    );

    try {
      const response = await uploadRaw(body, { 'content-type': 'text/csv' });
      assert.equal(response.status, 500);
    } finally {
      await server.query('DROP TRIGGER reject_capture_insert ON captures');
      await server.query('DROP FUNCTION reject_capture_insert()');
    }

    const sha256 = createHash('sha256').update(body).digest('hex');
    assert.ok(!(await readdir(join(server.dataDir, 'captures'))).includes(sha256));
    assert.deepEqual(await leftovers(), []);
    assert.deepEqual(await server.query('SELECT count(*)::int AS n FROM captures'), rowsBefore);

    const retried = await uploadRaw(body, { 'content-type': 'text/csv' });
    assert.equal(retried.status, 201);
    assert.ok((await readdir(join(server.dataDir, 'captures'))).includes(sha256));
  });

  it('list is newest first and paginated', async () => {
    const page = await json(await server.fetch('/api/v1/captures?limit=2&offset=0'));
    assert.equal(page.items.length, 2);
    assert.ok(page.total >= 4);
    assert.ok(page.items[0].createdAt >= page.items[1].createdAt);
    const bad = await server.fetch('/api/v1/captures?limit=0');
    assert.equal(bad.status, 400);
    assert.match((await json(bad)).message, /limit/);
  });

  it('delete is 409 while a model uses it', async () => {
    const body = `${CAPTURE}\n${row(20, '10.0.0.20', '10.0.0.53', '53', 'x')}`;
    const capture = await json(await uploadRaw(body, { 'content-type': 'text/csv' }));
    const created = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ captureIds: [capture.id], trainer: { epochs: 1, vectorSize: 8 } }),
    });
    assert.equal(created.status, 202);

    const response = await server.fetch(`/api/v1/captures/${capture.id}`, { method: 'DELETE' });
    assert.equal(response.status, 409);
    assert.equal((await json(response)).code, 'CAPTURE_IN_USE');
  });

  it('delete removes the row and the file', async () => {
    const body = `${CAPTURE}\n${row(30, '10.0.0.30', '10.0.0.53', '53', 'x')}`;
    const capture = await json(await uploadRaw(body, { 'content-type': 'text/csv' }));
    const response = await server.fetch(`/api/v1/captures/${capture.id}`, { method: 'DELETE' });
    assert.equal(response.status, 204);
    assert.equal((await server.fetch(`/api/v1/captures/${capture.id}`)).status, 404);
    assert.ok(!(await readdir(join(server.dataDir, 'captures'))).includes(capture.sha256));
  });
});

describe('capture upload request timeout', () => {
  const REQUEST_TIMEOUT_MS = 2000;
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      role: 'api',
      env: { HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), UPLOAD_IDLE_TIMEOUT_MS: '1000' },
    });
  });

  after(async () => {
    await server?.stop();
  });

  // Node checks request deadlines every 30 s (http.Server's connectionsCheckingInterval), so the 408 comes up to
  // 30 s after HTTP_REQUEST_TIMEOUT_MS. With Node's default of 300 s, no 408 would come within the test's timeout.
  it('slow steady upload ends at HTTP_REQUEST_TIMEOUT_MS', { timeout: 60_000 }, async () => {
    const url = new URL('/api/v1/captures', server.baseUrl);
    const started = Date.now();
    let sender: NodeJS.Timeout | undefined;
    let answered = false;

    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked', 'x-api-key': server.adminKey },
        },
        (response) => {
          answered = true;
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      // Writes after the server closed the connection fail; the status already received is what the test checks.
      request.on('error', (error) => (answered ? undefined : reject(error)));
      request.write(`${HEADER}\n`);
      // A row every 250 ms keeps the upload well inside UPLOAD_IDLE_TIMEOUT_MS, so only the request timeout can end it.
      let second = 0;
      sender = setInterval(() => request.write(`${row(second++ % 60, '10.0.0.1', '10.0.0.53', '53', 'x')}\n`), 250);
    }).finally(() => clearInterval(sender));

    assert.equal(status, 408);
    assert.ok(Date.now() - started >= REQUEST_TIMEOUT_MS, `408 after ${Date.now() - started} ms`);
    const temporaryFiles = async () =>
      (await readdir(join(server.dataDir, 'tmp'))).filter((name) => !name.startsWith('.'));
    await waitFor(
      async () => ((await temporaryFiles()).length === 0 ? true : undefined),
      5000,
      async () => `left: ${await temporaryFiles()}`,
    );
    assert.deepEqual(await readdir(join(server.dataDir, 'captures')), []);
    assert.deepEqual(await server.query('SELECT count(*)::int AS n FROM captures'), [{ n: 0 }]);
  });
});
