/**
 * Ingest benchmark: parse speed of `parseCapture` against `pandas.read_csv` and csv-parse on the same decompressed
 * CTU-13 scenario 6 file, in one run, alternating tools round by round so that machine load hits all of them alike.
 *
 * Usage: npm run bench:ingest [-- --rounds N]
 * Needs Debian's python3-pandas at /usr/bin/python3 and the capture beside the repository in
 * ../shared/data/ctu13. Writes the decompressed copy and the results to bench/out/.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { parse as parseCsv } from 'csv-parse';

import { parseCapture } from '../src/captures/capture-parser';

/** Repository root, from `dist/bench` where the compiled benchmark runs. */
const REPO_ROOT = path.resolve(__dirname, '../..');
const CAPTURE_GZ = path.resolve(REPO_ROOT, '../shared/data/ctu13/scenario06_capture20110816.binetflow.gz');
const OUT_DIR = path.join(REPO_ROOT, 'bench/out');
const CAPTURE = path.join(OUT_DIR, 'scenario06_capture20110816.binetflow');
const PYTHON = '/usr/bin/python3';
const EXPECTED_FLOWS = 558_919;

interface Timing {
  rows: number;
  seconds: number;
}

type Tool =
  'flow2vec parseCapture (plain)' | 'flow2vec parseCapture (gzip)' | 'csv-parse (records only)' | 'pandas.read_csv';

async function main(): Promise<void> {
  const rounds = roundsFromArguments(process.argv.slice(2));
  mkdirSync(OUT_DIR, { recursive: true });
  await decompressOnce();

  const bytes = statSync(CAPTURE).size;
  const loadBefore = os.loadavg();
  const timings = new Map<Tool, Timing[]>();
  const record = (tool: Tool, timing: Timing): void => {
    timings.set(tool, [...(timings.get(tool) ?? []), timing]);
    console.error(`round ${timings.get(tool)?.length}: ${tool} ${megabytesPerSecond(bytes, timing.seconds)} MB/s`);
  };

  const pandasVersion = pandasRead().version;
  for (let round = 0; round < rounds; round++) {
    record('pandas.read_csv', pandasRead().timing);
    record('flow2vec parseCapture (plain)', await parseCaptureTiming(CAPTURE));
    record('flow2vec parseCapture (gzip)', await parseCaptureTiming(CAPTURE_GZ));
    record('csv-parse (records only)', await csvParseTiming());
  }

  const report = renderReport(bytes, timings, rounds, pandasVersion, [loadBefore, os.loadavg()]);
  writeFileSync(path.join(OUT_DIR, 'ingest.md'), report);
  console.log(report);
}

function roundsFromArguments(args: string[]): number {
  const index = args.indexOf('--rounds');
  const rounds = index < 0 ? 5 : Number(args[index + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`Invalid --rounds ${JSON.stringify(args[index + 1])}. Expected a positive integer.`);
  }

  return rounds;
}

/** Writes the decompressed capture to bench/out once, so that every tool reads the same plain file. */
async function decompressOnce(): Promise<void> {
  if (!existsSync(CAPTURE_GZ)) {
    throw new Error(`Capture not found at ${CAPTURE_GZ}. The benchmark reads CTU-13 scenario 6 from there.`);
  }

  if (!existsSync(CAPTURE)) {
    await pipeline(createReadStream(CAPTURE_GZ), createGunzip(), createWriteStream(CAPTURE));
  }
}

async function parseCaptureTiming(file: string): Promise<Timing> {
  const start = process.hrtime.bigint();
  const summary = await parseCapture(createReadStream(file), () => undefined);
  const seconds = secondsSince(start);
  checkRows('parseCapture', summary.flows);

  return { rows: summary.flows, seconds };
}

/** Times csv-parse splitting the file into records without building flows, so its figure is an upper bound. */
async function csvParseTiming(): Promise<Timing> {
  const start = process.hrtime.bigint();
  let records = 0;
  for await (const _record of createReadStream(CAPTURE).pipe(parseCsv({ from_line: 2 }))) {
    records++;
  }

  const seconds = secondsSince(start);
  checkRows('csv-parse', records);

  return { rows: records, seconds };
}

function pandasRead(): { timing: Timing; version: string } {
  const output = execFileSync(PYTHON, [path.join(REPO_ROOT, 'bench/pandas_read.py'), CAPTURE], { encoding: 'utf8' });
  const result = JSON.parse(output) as { rows: number; seconds: number; pandas: string; python: string };
  checkRows('pandas.read_csv', result.rows);

  return {
    timing: { rows: result.rows, seconds: result.seconds },
    version: `pandas ${result.pandas}, Python ${result.python}`,
  };
}

function checkRows(tool: string, rows: number): void {
  if (rows !== EXPECTED_FLOWS) {
    throw new Error(
      `${tool} read ${rows} rows, expected ${EXPECTED_FLOWS}. Delete bench/out/ to decompress the capture again.`,
    );
  }
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function megabytesPerSecond(bytes: number, seconds: number): string {
  return (bytes / 1e6 / seconds).toFixed(1);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function renderReport(
  bytes: number,
  timings: Map<Tool, Timing[]>,
  rounds: number,
  pandasVersion: string,
  load: number[][],
): string {
  const pandasSeconds = (timings.get('pandas.read_csv') ?? []).map((timing) => timing.seconds);
  const rows = [...timings].map(([tool, runs]) => {
    const seconds = runs.map((timing) => timing.seconds);
    // Each round's ratio compares runs made back to back, so load that drifts between rounds affects both alike.
    const ratios = seconds.map((toolSeconds, round) => pandasSeconds[round] / toolSeconds);

    return (
      `| ${tool} | ${megabytesPerSecond(bytes, seconds[0])} | ${megabytesPerSecond(bytes, median(seconds))} | ` +
      `${megabytesPerSecond(bytes, Math.min(...seconds))} | ${median(ratios).toFixed(2)}× |`
    );
  });
  const cpu = os.cpus();
  const loadText = load.map((values) => values.map((value) => value.toFixed(2)).join(' ')).join(' → ');

  return [
    `Input: CTU-13 scenario 6, ${bytes} bytes decompressed, ${EXPECTED_FLOWS} rows; ${rounds} rounds.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `Node ${process.version}; ${pandasVersion}; load average (1, 5, 15 min) ${loadText}.`,
    '',
    '| tool | first round MB/s | median MB/s | best MB/s | speed vs pandas, median of rounds |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
