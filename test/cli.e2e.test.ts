import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, REPO_ROOT, startTestServer, TestServer } from './support/test-server';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const HEADER = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label';
const BOTNET_DNS = '10.0.0.66|203.0.113.1|53|udp';

/**
 * Builds a capture where a bot's DNS lookups and normal hosts' HTTPS connections each come in runs of 30 flows, so
 * each group shares sentences with itself only.
 */
function syntheticCapture(): string {
  const lines = [HEADER];
  for (let block = 0; block < 60; block++) {
    const botnet = block % 2 === 0;
    for (let i = 0; i < 30; i++) {
      const second = String((block * 30 + i) % 60).padStart(2, '0');
      const start = `2011/08/16 10:${String(Math.floor((block * 30 + i) / 60) % 60).padStart(2, '0')}:${second}.000000`;
      const line = botnet
        ? `${start},0.01,udp,10.0.0.66,4000${i % 10},  <->,203.0.113.${(i % 8) + 1},53,CON,0,0,2,180,70,flow=From-Botnet-V1-UDP-DNS`
        : `${start},1.2,tcp,192.0.2.${(i % 6) + 1},5${i}00,   ->,198.51.100.${(i % 5) + 1},443,FSPA_FSPA,0,0,12,4096,1024,flow=Normal-V1-HTTPS`;
      lines.push(line);
    }
  }
  return `${lines.join('\n')}\n`;
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('flow2vec command-line client', () => {
  let server: TestServer;
  let workDir: string;
  let env: Record<string, string>;

  before(async () => {
    server = await startTestServer();
    workDir = await mkdtemp(join(tmpdir(), 'flow2vec-cli-'));
    env = { FLOW2VEC_URL: server.baseUrl, FLOW2VEC_API_KEY: server.adminKey };
  });

  after(async () => {
    await server?.stop();
    if (workDir) {
      await rm(workDir, { recursive: true, force: true });
    }
  });

  it('uploads, trains, lists jobs and queries', { timeout: 5 * 60_000 }, async () => {
    const capturePath = join(workDir, 'synthetic.binetflow');
    await writeFile(capturePath, syntheticCapture());

    const upload = await runCli(['--json', 'upload', capturePath], env);
    assert.equal(upload.code, 0, upload.stderr);
    const capture = JSON.parse(upload.stdout);
    assert.equal(capture.flowCount, 1800);

    const train = await runCli(
      ['train', '--capture', capture.id, '--epochs', '30', '--vector-size', '16', '--window', '5', '--wait'],
      env,
    );
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /model \S+ is ready/);
    // Training this capture takes less than one poll, so the bar may skip the training phase. The scenario 6
    // dashboard test checks the epoch display.
    assert.match(train.stderr, /^queued .* 0% \| epoch - /m);
    assert.match(train.stderr, /^done +\[=+\] 100% /m);
    const modelId = /model (\S+) is ready/.exec(train.stdout)![1];

    const jobs = await runCli(['--json', 'jobs'], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    const jobPage = JSON.parse(jobs.stdout);
    assert.equal(jobPage.total, 1);
    assert.equal(jobPage.items[0].modelId, modelId);
    assert.equal(jobPage.items[0].state, 'completed');

    const oneJob = await runCli(['jobs', jobPage.items[0].id], env);
    assert.equal(oneJob.code, 0, oneJob.stderr);
    assert.match(oneJob.stdout, /completed\s+done\s+100%/);

    const similar = await runCli(['--json', 'similar', modelId, BOTNET_DNS, '-k', '3'], env);
    assert.equal(similar.code, 0, similar.stderr);
    const neighbours = JSON.parse(similar.stdout).neighbours;
    assert.equal(neighbours.length, 3);
    assert.ok(neighbours.every((neighbour: { labelClass: string }) => neighbour.labelClass === 'Botnet'));

    const projection = await server.fetch(`/api/v1/models/${modelId}/projection`);
    assert.equal(projection.status, 200);
    const map = await json(projection);
    assert.equal(map.tokens.length, map.vocabularySize);
    assert.equal(map.x.length, map.tokens.length);
    assert.ok(map.tokens.includes(BOTNET_DNS));

    const clusters = await runCli(['clusters', modelId], env);
    if (clusters.code !== 0) {
      assert.match(clusters.stderr, /does not support clusters/);
    }
  });

  it('reports errors with the fix', async () => {
    const unknownToken = await runCli(['similar', '00000000-0000-4000-8000-000000000000', 'a|b|1|tcp'], env);
    assert.equal(unknownToken.code, 1);
    assert.match(unknownToken.stderr, /^flow2vec: Model 00000000-0000-4000-8000-000000000000 not found/);

    const missingFile = await runCli(['upload', join(workDir, 'missing.binetflow')], env);
    assert.equal(missingFile.code, 1);
    assert.match(missingFile.stderr, /Cannot read .*missing\.binetflow/);

    const unreachable = await runCli(['jobs'], { ...env, FLOW2VEC_URL: 'http://127.0.0.1:9' });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Cannot reach the flow2vec server at http:\/\/127\.0\.0\.1:9 .*FLOW2VEC_URL/);

    const badNumber = await runCli(['train', '--capture', 'x', '--epochs', 'zero'], env);
    assert.notEqual(badNumber.code, 0);
    assert.match(badNumber.stderr, /expected a positive integer, got "zero"/);
  });

  it('projection of an unknown model is 404', async () => {
    const response = await server.fetch('/api/v1/models/00000000-0000-4000-8000-000000000000/projection');

    assert.equal(response.status, 404);
    assert.equal((await json(response)).code, 'MODEL_NOT_FOUND');
  });
});
