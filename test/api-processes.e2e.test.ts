import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createQueryFixture, QueryFixture } from './support/query-fixture';
import { startTestServer, TestServer, waitFor } from './support/test-server';

/** Process ids of the direct children of `pid` (Linux). */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
  return text
    .trim()
    .split(/\s+/)
    .filter((value) => value !== '')
    .map(Number);
}

/** User plus system CPU time of a process, in clock ticks. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The fields after the parenthesised command name start at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('API processes', () => {
  let server: TestServer;
  let fixture: QueryFixture;

  before(async () => {
    server = await startTestServer({ role: 'api', env: { API_PROCESSES: '2' } });
    // startTestServer returns once the first process listens; the second starts after it.
    await waitFor(
      async () => (server.output().includes('2 API processes are listening') ? true : undefined),
      60_000,
      () => `the second API process did not start\n${server.output().slice(-2000)}`,
    );
    fixture = await createQueryFixture(server);
  });

  after(async () => {
    await server?.stop();
  });

  /** Sends one most-similar request on a new connection, so that the primary hands each to the next process. */
  const similarOnNewConnection = (tokenId: number) =>
    new Promise<number>((resolve, reject) => {
      const token = encodeURIComponent(fixture.tokens[tokenId].token);
      const url = new URL(`/api/v1/models/${fixture.modelId}/similar?token=${token}&k=10`, server.baseUrl);
      const outgoing = request(
        url,
        { agent: false, headers: { authorization: `Bearer ${server.adminKey}` } },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode!));
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });

  it('two processes both serve queries', async () => {
    const children = await childrenOf(server.pid);
    assert.equal(children.length, 2, `children of ${server.pid}: ${children.join(', ')}`);

    const before = await Promise.all(children.map(cpuTicks));
    for (let i = 0; i < 300; i++) {
      assert.equal(await similarOnNewConnection(i % fixture.tokens.length), 200);
    }
    const used = await Promise.all(children.map(async (pid, i) => (await cpuTicks(pid)) - before[i]));

    const total = used[0] + used[1];
    assert.ok(total > 0, 'no CPU time used by the API processes');
    // Connections alternate between the two, so each did a comparable share of the work.
    assert.ok(used[0] > total / 5, `CPU ticks per process: ${used.join(', ')}`);
    assert.ok(used[1] > total / 5, `CPU ticks per process: ${used.join(', ')}`);
  });

  it('killed process is replaced', { timeout: 60_000 }, async () => {
    const [killed, survivor] = await childrenOf(server.pid);
    process.kill(killed, 'SIGKILL');

    // Each API process prints its address once it listens: two at start, then the replacement.
    await waitFor(
      async () => (server.output().match(/API \(api\) listening on/g)!.length === 3 ? true : undefined),
      30_000,
      () => `no replacement for API process ${killed}\n${server.output().slice(-2000)}`,
    );
    const children = await childrenOf(server.pid);
    assert.equal(children.length, 2, `children after the kill: ${children.join(', ')}`);
    assert.ok(children.includes(survivor), `children after the kill: ${children.join(', ')}`);
    assert.ok(!children.includes(killed), `children after the kill: ${children.join(', ')}`);
    assert.match(server.output(), new RegExp(`API process ${killed} exited with SIGKILL; starting a replacement`));

    for (let i = 0; i < 20; i++) {
      assert.equal(await similarOnNewConnection(i), 200);
    }
  });

  it('stop ends every API process', async () => {
    const children = await childrenOf(server.pid);
    await server.stop();
    server = undefined as unknown as TestServer;

    for (const pid of children) {
      assert.equal(existsSync(`/proc/${pid}`), false, `API process ${pid} still runs`);
    }
  });
});
