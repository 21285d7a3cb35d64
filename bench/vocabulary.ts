/**
 * Vocabulary search benchmark: latency of prefix, substring and CIDR searches through the REST API on a
 * synthetic vocabulary of millions of tokens, generated inside PostgreSQL with the default token fields.
 *
 * Usage: npm run bench:vocabulary [-- --tokens N]
 * It starts its own API server (own database, dropped at the end) and writes bench/out/vocabulary.md.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { json, REPO_ROOT, startTestServer, TestServer } from '../test/support/test-server';

const OUT_DIR = path.join(REPO_ROOT, 'bench', 'out');
const REPEATS = 20;

const SEARCHES: [string, string][] = [
  ['prefix of one source address', 'prefix=10.1.2.3%7C'],
  ['substring of a port and protocol', 'contains=%7C6667%7Ctcp'],
  ['source CIDR /24', 'cidr=10.1.2.0/24&addressField=src'],
  ['destination CIDR /16, any label', 'cidr=147.32.0.0/16&addressField=dst'],
  ['either address in a /32', 'cidr=10.1.2.3/32'],
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tokens: { type: 'string', default: '2000000' } } });
  const size = Number(values.tokens);
  const server = await startTestServer({ role: 'api' });

  try {
    const modelId = await insertVocabulary(server, size);
    const rows: string[] = [];
    for (const [name, parameters] of SEARCHES) {
      const { median, max, total } = await timeSearch(server, modelId, parameters);
      rows.push(
        `| ${name} | \`${decodeURIComponent(parameters)}\` | ${total} | ${median.toFixed(1)} | ${max.toFixed(1)} |`,
      );
      console.error(rows[rows.length - 1]);
    }

    const report = [
      `Synthetic vocabulary of ${size} tokens; ${REPEATS} requests per search, first 50 results with the total count.`,
      `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}.`,
      '',
      '| search | parameters | matches | median ms | max ms |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n');
    await mkdir(OUT_DIR, { recursive: true });
    await writeFile(path.join(OUT_DIR, 'vocabulary.md'), report + '\n');
    console.log(report);
  } finally {
    await server.stop();
  }
}

/** Inserts a ready model with `size` generated default-field tokens: 10.x.y.z sources, 147.32.x.y destinations. */
async function insertVocabulary(server: TestServer, size: number): Promise<string> {
  const modelId = randomUUID();
  const definition = {
    tokenFields: ['srcAddr', 'dstAddr', 'dport', 'proto'],
    sentences: { mode: 'count', length: 30 },
    vocabulary: { minCount: 1, maxFinalVocab: null },
    trainer: { vectorSize: 2, seed: 1 },
  };
  await server.query(
    `INSERT INTO models (id, name, status, "captureIds", definition, "vocabularySize", "readyAt")
     VALUES ($1, 'vocabulary benchmark', 'ready', '{}', $2, $3, now())`,
    [modelId, JSON.stringify(definition), size],
  );
  await server.query(
    `INSERT INTO tokens ("modelId", "tokenId", token, count, "labelCounts", "labelClass")
     SELECT $1, i - 1,
       format('10.%s.%s.%s|147.32.%s.%s|%s|%s', i % 7, (i / 7) % 250, (i / 1750) % 250, (i * 7) % 256, (i * 13) % 256,
         (ARRAY['53', '80', '443', '25', '6667'])[1 + i % 5], (ARRAY['tcp', 'udp'])[1 + (i / 5) % 2]),
       1 + (i * 31) % 1000, '{"flow=Background": 1}', 'Background'
     FROM generate_series(1, $2) AS i
     ON CONFLICT DO NOTHING`,
    [modelId, size],
  );
  await server.query('ANALYZE tokens');
  return modelId;
}

async function timeSearch(server: TestServer, modelId: string, parameters: string) {
  const timings: number[] = [];
  let total = 0;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const response = await server.fetch(`/api/v1/models/${modelId}/tokens?${parameters}`);
    const body = await json(response);
    timings.push(performance.now() - started);
    if (response.status !== 200) {
      throw new Error(`${parameters}: ${response.status} ${JSON.stringify(body)}`);
    }
    total = body.total;
  }

  timings.sort((a, b) => a - b);
  return { median: timings[Math.floor(REPEATS / 2)], max: timings[REPEATS - 1], total };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
