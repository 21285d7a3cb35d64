import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
  /** Standard output as bytes, for binary output. */
  raw: Buffer;
}

/** Runs the compiled CLI; `input` is written to its standard input, which is closed either way. */
function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout: stdout.toString(),
          stderr: stderr.toString(),
          raw: stdout,
        });
      },
    );
    child.stdin!.end(input);
  });
}

/** Reads the word2vec text format into a map of token to vector, checking the `N D` header against the rows. */
function parseTextVectors(text: string): { header: string; vectors: Map<string, number[]> } {
  const [header, ...lines] = text.trimEnd().split('\n');
  const vectors = new Map(
    lines.map((line) => {
      const [token, ...values] = line.trimEnd().split(' ');
      return [token, values.map(Number)];
    }),
  );
  return { header, vectors };
}

/** Reads the word2vec binary format: an `N D` text line, then per token its string, a space and D float32 values. */
function parseBinaryVectors(bytes: Buffer): { header: string; vectors: Map<string, number[]> } {
  let position = bytes.indexOf(0x0a) + 1;
  const header = bytes.subarray(0, position - 1).toString();
  const [count, dimensions] = header.split(' ').map(Number);
  const vectors = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    while (bytes[position] === 0x0a) {
      position++;
    }
    const space = bytes.indexOf(0x20, position);
    const token = bytes.subarray(position, space).toString();
    const values = Array.from({ length: dimensions }, (_, d) => bytes.readFloatLE(space + 1 + 4 * d));
    vectors.set(token, values);
    position = space + 1 + 4 * dimensions;
  }
  assert.equal(position + (bytes[position] === 0x0a ? 1 : 0), bytes.length, 'bytes left after the last vector');
  return { header, vectors };
}

describe('flow2vec command-line client', () => {
  let server: TestServer;
  let workDir: string;
  let env: Record<string, string>;
  /** The model the first test trains from the capture it uploads; the later tests query it. */
  let modelId: string;
  let captureId: string;

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
    captureId = capture.id;

    const train = await runCli(
      ['train', '--capture', capture.id, '--epochs', '30', '--vector-size', '16', '--window', '5', '--wait'],
      env,
    );
    assert.equal(train.code, 0, train.stderr);
    assert.match(train.stdout, /model \S+ is ready/);
    // Training this capture takes less than one poll, so the bar may skip the training phase. The scenario 6
    // dashboard test checks the epoch display.
    assert.match(train.stderr, /^queued .* 0% \| - \| - left/m);
    assert.match(train.stderr, /^done +\[=+\] 100% /m);
    modelId = /model (\S+) is ready/.exec(train.stdout)![1];

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

    assert.equal(map.clusters.length, map.tokens.length);
    const tokenCluster = await json(
      await server.fetch(`/api/v1/models/${modelId}/token-cluster?token=${encodeURIComponent(BOTNET_DNS)}`),
    );
    assert.equal(map.clusters[map.tokens.indexOf(BOTNET_DNS)], tokenCluster.cluster.clusterId);
  });

  it('classifies flows from a file, stdin and flags', async () => {
    assert.ok(modelId, 'the training test did not leave a model');
    const rows = [
      `2011/08/16 11:00:00.000000,0.01,udp,10.0.0.66,40001,  <->,203.0.113.1,53,CON,0,0,2,180,70,flow=x`,
      `2011/08/16 11:00:01.000000,1.2,tcp,192.0.2.1,5100,   ->,198.51.100.1,443,FSPA_FSPA,0,0,12,4096,1024,flow=x`,
      `2011/08/16 11:00:02.000000,0.01,udp,10.0.0.66,40002,  <->,203.0.113.2,53,CON,0,0,2,180,70,flow=x`,
      `not,a,flow`,
      `2011/08/16 11:00:03.000000,0.5,tcp,10.9.9.9,5000,   ->,203.0.113.1,25,S_,0,0,1,60,60,flow=x`,
    ];
    const flowsPath = join(workDir, 'new-flows.binetflow');
    await writeFile(flowsPath, `${HEADER}\n${rows.join('\n')}\n`);
    const flag = 'srcAddr=192.0.2.2,dstAddr=198.51.100.2,dport=443,proto=tcp';

    // Two rows per request: the file goes out in three requests, whose indexes must continue across them.
    const fromFile = await runCli(
      ['--json', 'classify', modelId, flowsPath, '--flow', flag, '--batch-size', '2', '-k', '5'],
      env,
    );
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const result = JSON.parse(fromFile.stdout);
    assert.equal(result.rejectedRows, 1);
    assert.deepEqual(
      result.flows.map((flow: { index: number }) => flow.index),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      result.flows.map((flow: { token: string }) => flow.token),
      [
        '192.0.2.2|198.51.100.2|443|tcp',
        BOTNET_DNS,
        '192.0.2.1|198.51.100.1|443|tcp',
        '10.0.0.66|203.0.113.2|53|udp',
        '10.9.9.9|203.0.113.1|25|tcp',
      ],
    );
    assert.deepEqual(
      result.flows.map((flow: { status: string; labelClass: string | null }) => [flow.status, flow.labelClass]),
      [
        ['known', 'Normal'],
        ['known', 'Botnet'],
        ['known', 'Normal'],
        ['known', 'Botnet'],
        ['unseen', null],
      ],
    );
    assert.ok(result.flows[1].confidence > 0.5);
    assert.ok(result.flows[4].novelty > 0);
    assert.ok(result.flows[4].novelty <= 1);

    const fromStdin = await runCli(['classify', modelId], env, `${HEADER}\n${rows[0]}\n${rows[4]}\n`);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    const lines = fromStdin.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^#\s+token\s+status\s+label class\s+confidence\s+novelty$/);
    assert.match(lines[1], /^0\s+10\.0\.0\.66\|203\.0\.113\.1\|53\|udp\s+known\s+Botnet\s+\d\.\d{3}\s*$/);
    assert.match(lines[2], /^1\s+10\.9\.9\.9\|203\.0\.113\.1\|25\|tcp\s+unseen\s+\d\.\d{3}$/);
    assert.equal(lines[3], '2 flows: 1 known, 1 unseen');
  });

  it('classifies a stored capture as a job', { timeout: 2 * 60_000 }, async () => {
    assert.ok(modelId, 'the training test did not leave a model');
    const csvPath = join(workDir, 'classified.csv');
    const run = await runCli(['classify', modelId, '--capture', captureId, '-o', csvPath], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^job [0-9a-f-]{36}: 1800 flows: \d+ known \(Botnet \d+, Normal \d+, Background \d+\), \d+ unseen, 0 rows rejected; CSV of [\d,]+ bytes saved to /,
    );
    assert.match(run.stderr, /^done +\[=+\] 100% \| 1,800\/1,800 flows/m);

    const csv = await readFile(csvPath, 'utf8');
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'line,token,status,labelClass,confidence,label');
    assert.equal(lines.length, 1801);

    const jobs = JSON.parse((await runCli(['--json', 'jobs'], env)).stdout);
    const job = jobs.items.find((item: { kind: string }) => item.kind === 'classify');
    assert.equal(job.captureId, captureId);
    assert.equal(job.result.flows, 1800);
    const fromApi = await (await server.fetch(`/api/v1/jobs/${job.id}/result.csv`)).text();
    assert.equal(csv, fromApi);

    const againPath = join(workDir, 'downloaded-again.csv');
    const download = await runCli(['jobs', job.id, '-o', againPath], env);
    assert.equal(download.code, 0, download.stderr);
    assert.equal(await readFile(againPath, 'utf8'), fromApi);

    const both = await runCli(['classify', modelId, csvPath, '--capture', captureId], env);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /either --capture or flows/);
  });

  it('exports text and binary vectors', async () => {
    assert.ok(modelId, 'the training test did not leave a model');
    const model = await json(await server.fetch(`/api/v1/models/${modelId}`));
    const textPath = join(workDir, 'vectors.txt');
    const binaryPath = join(workDir, 'vectors.bin');

    const text = await runCli(['--json', 'export', modelId, '-o', textPath], env);
    assert.equal(text.code, 0, text.stderr);
    const summary = JSON.parse(text.stdout);
    const textBytes = await readFile(textPath);
    assert.equal(summary.bytes, textBytes.length);
    const fromText = parseTextVectors(textBytes.toString());
    assert.equal(fromText.header, `${model.vocabularySize} 16`);
    assert.equal(fromText.vectors.size, model.vocabularySize);
    assert.equal(fromText.vectors.get(BOTNET_DNS)?.length, 16);
    assert.ok(fromText.vectors.get(BOTNET_DNS)!.every(Number.isFinite));

    const binary = await runCli(['export', modelId, '--format', 'binary', '--output', binaryPath], env);
    assert.equal(binary.code, 0, binary.stderr);
    assert.match(binary.stdout, /^wrote [\d,]+ bytes of binary vectors to /);
    assert.match(binary.stderr, /^vectors \d+\.\d kB$/m);
    const fromBinary = parseBinaryVectors(await readFile(binaryPath));
    assert.equal(fromBinary.header, fromText.header);
    assert.deepEqual([...fromBinary.vectors.keys()], [...fromText.vectors.keys()]);
    fromBinary.vectors.get(BOTNET_DNS)!.forEach((value, d) => {
      assert.ok(Math.abs(value - fromText.vectors.get(BOTNET_DNS)![d]) < 1e-5, `dimension ${d} differs`);
    });

    const toStdout = await runCli(['export', modelId], env);
    assert.equal(toStdout.code, 0, toStdout.stderr);
    assert.equal(toStdout.stdout, textBytes.toString());

    const firstVersion = await runCli(['export', modelId, '--version', '1'], env);
    assert.equal(firstVersion.code, 0, firstVersion.stderr);
    assert.equal(firstVersion.stdout, textBytes.toString());
    const leftovers = (await readdir(workDir)).filter((name) => name.startsWith('.'));
    assert.deepEqual(leftovers, [], 'a temporary download file was left behind');
  });

  it('lists clusters and their members', async () => {
    assert.ok(modelId, 'the training test did not leave a model');

    const all = await runCli(['--json', 'clusters', modelId, '--order', 'size', '--limit', '500'], env);
    assert.equal(all.code, 0, all.stderr);
    const page = JSON.parse(all.stdout);
    assert.ok(page.total > 1);
    assert.equal(page.items.length, page.total);
    const sizes = page.items.map((cluster: { size: number }) => cluster.size);
    assert.deepEqual(
      sizes,
      [...sizes].sort((a, b) => b - a),
    );

    const botnet = await runCli(['--json', 'clusters', modelId, '--label-class', 'botnet', '--min-share', '0.5'], env);
    assert.equal(botnet.code, 0, botnet.stderr);
    const botnetPage = JSON.parse(botnet.stdout);
    assert.ok(botnetPage.items.length > 0);
    const shares = botnetPage.items.map(
      (cluster: { flowComposition: { labelClass: string; share: number }[] }) =>
        cluster.flowComposition.find((count) => count.labelClass === 'Botnet')!.share,
    );
    assert.ok(shares.every((share: number) => share >= 0.5));
    assert.deepEqual(
      shares,
      [...shares].sort((a, b) => b - a),
    );

    const table = await runCli(['clusters', modelId, '--limit', '2', '--offset', '1'], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^cluster\s+tokens\s+flows\s+majority\s+Botnet flows\s+Normal flows\s+Background flows/);
    assert.match(table.stdout, new RegExp(`\nclusters 2-3 of ${page.total}\n$`));

    const clusterId = page.items[0].clusterId;
    const members = await runCli(['--json', 'clusters', modelId, String(clusterId), '--order', 'distance'], env);
    assert.equal(members.code, 0, members.stderr);
    const memberPage = JSON.parse(members.stdout);
    assert.equal(memberPage.cluster.clusterId, clusterId);
    assert.equal(memberPage.total, page.items[0].size);
    assert.ok(memberPage.items.every((member: { cluster: number }) => member.cluster === clusterId));
    const similarities = memberPage.items.map((member: { centroidSimilarity: number }) => member.centroidSimilarity);
    assert.deepEqual(
      similarities,
      [...similarities].sort((a, b) => b - a),
    );

    const memberTable = await runCli(['clusters', modelId, String(clusterId)], env);
    assert.equal(memberTable.code, 0, memberTable.stderr);
    assert.match(memberTable.stdout, new RegExp(`^cluster ${clusterId}: ${page.items[0].size} tokens, `));
    assert.match(memberTable.stdout, /\ntoken\s+count\s+label class\s+centroid similarity\n/);
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

    const noCapture = await runCli(['train', '--epochs', '1'], env);
    assert.notEqual(noCapture.code, 0);
    assert.match(noCapture.stderr, /required option '--capture <id>' not specified/);

    const shareWithoutClass = await runCli(['clusters', modelId, '--min-share', '0.5'], env);
    assert.equal(shareWithoutClass.code, 1);
    assert.match(shareWithoutClass.stderr, /--min-share needs --label-class/);

    const memberOrder = await runCli(['clusters', modelId, '0', '--order', 'share'], env);
    assert.equal(memberOrder.code, 1);
    assert.match(memberOrder.stderr, /--order for members must be one of count, distance, got "share"/);

    const badFlow = await runCli(['classify', modelId, '--flow', 'srcAddr=10.0.0.1,dport=53'], env);
    assert.notEqual(badFlow.code, 0);
    assert.match(badFlow.stderr, /missing dstAddr, proto/);

    const missingFlows = await runCli(['classify', modelId, join(workDir, 'missing.binetflow')], env);
    assert.equal(missingFlows.code, 1);
    assert.match(missingFlows.stderr, /Cannot read .*missing\.binetflow: no such file/);

    const unknownModel = await runCli(
      ['export', '00000000-0000-4000-8000-000000000000', '-o', join(workDir, 'x')],
      env,
    );
    assert.equal(unknownModel.code, 1);
    assert.match(unknownModel.stderr, /Model 00000000-0000-4000-8000-000000000000 not found/);
  });

  it('export of a model in training says to wait', { timeout: 2 * 60_000 }, async () => {
    // An API without a worker never trains, so its model stays queued.
    const apiOnly = await startTestServer({ role: 'api' });
    try {
      const capturePath = join(workDir, 'queued.binetflow');
      await writeFile(capturePath, syntheticCapture());
      const apiEnv = { FLOW2VEC_URL: apiOnly.baseUrl, FLOW2VEC_API_KEY: apiOnly.adminKey };
      const capture = JSON.parse((await runCli(['--json', 'upload', capturePath], apiEnv)).stdout);
      const queued = JSON.parse((await runCli(['--json', 'train', '--capture', capture.id], apiEnv)).stdout);
      const outputPath = join(workDir, 'queued.txt');

      const result = await runCli(['export', queued.model.id, '-o', outputPath], apiEnv);

      assert.equal(result.code, 1);
      assert.match(result.stderr, /has no ready version.*Follow its job with "flow2vec jobs", or train with --wait/);
      assert.equal(existsSync(outputPath), false, 'a failed export left a file');
    } finally {
      await apiOnly.stop();
    }
  });

  it('projection of an unknown model is 404', async () => {
    const response = await server.fetch('/api/v1/models/00000000-0000-4000-8000-000000000000/projection');

    assert.equal(response.status, 404);
    assert.equal((await json(response)).code, 'MODEL_NOT_FOUND');
  });
});
