/**
 * Ingest benchmark: parse speed of `parseCapture` against `pandas.read_csv` and csv-parse on the same decompressed
 * CTU-13 scenario 6 file, in one run. Tools alternate round by round so that machine load hits all of them alike.
 *
 * Usage: npm run bench:ingest [-- --rounds N]
 * Needs Debian's python3-pandas at /usr/bin/python3 and the capture beside the repository in
 * ../shared/data/ctu13. Writes the decompressed copy and the results to bench/out/. Ends with the server memory
 * measurement of bench/upload-rss.ts, in a process of its own.
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
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds of every thread of the process, which other processes' load disturbs far less than wall time. */
  cpuSeconds: number;
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
    const speeds = `${megabytesPerSecond(bytes, timing.seconds)} MB/s, ${megabytesPerSecond(bytes, timing.cpuSeconds)} MB/s CPU`;
    console.error(`round ${timings.get(tool)?.length}: ${tool} ${speeds}`);
  };

  const pandasVersion = pandasRead().version;
  for (let round = 0; round < rounds; round++) {
    record('pandas.read_csv', pandasRead().timing);
    record('flow2vec parseCapture (plain)', await parseCaptureTiming(CAPTURE));
    record('flow2vec parseCapture (gzip)', await parseCaptureTiming(CAPTURE_GZ));
    record('csv-parse (records only)', await csvParseTiming());
  }

  const memory = [1, 5, 12].map((copies) => peakRss(copies));
  const report = [
    renderReport(bytes, timings, rounds, pandasVersion, [loadBefore, os.loadavg()]),
    renderPeakRss(memory),
  ].join('\n');
  writeFileSync(path.join(OUT_DIR, 'ingest.md'), report);
  console.log(report);

  execFileSync(process.execPath, [path.join(__dirname, 'upload-rss.js')], { stdio: 'inherit' });
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
  const stopwatch = startStopwatch();
  const summary = await parseCapture(createReadStream(file), () => undefined);
  const timing = stopwatch(summary.flows);
  checkRows('parseCapture', summary.flows);

  return timing;
}

/** Times csv-parse splitting the file into records without building flows, so its figure is an upper bound. */
async function csvParseTiming(): Promise<Timing> {
  const stopwatch = startStopwatch();
  let records = 0;
  for await (const _record of createReadStream(CAPTURE).pipe(parseCsv({ from_line: 2 }))) {
    records++;
  }

  const timing = stopwatch(records);
  checkRows('csv-parse', records);

  return timing;
}

function pandasRead(): { timing: Timing; version: string } {
  const output = execFileSync(PYTHON, [path.join(REPO_ROOT, 'bench/pandas_read.py'), CAPTURE], { encoding: 'utf8' });
  const result = JSON.parse(output) as Timing & { pandas: string; python: string };
  checkRows('pandas.read_csv', result.rows);

  return {
    timing: { rows: result.rows, seconds: result.seconds, cpuSeconds: result.cpuSeconds },
    version: `pandas ${result.pandas}, Python ${result.python}`,
  };
}

interface PeakRss {
  copies: number;
  decompressedBytes: number;
  maxRssBytes: number;
}

/** Runs bench/ingest-rss.js in a fresh process on the gzip capture streamed `copies` times as one upload. */
function peakRss(copies: number): PeakRss {
  const script = path.join(REPO_ROOT, 'dist/bench/ingest-rss.js');
  const output = execFileSync(process.execPath, [script, CAPTURE_GZ, String(copies)], { encoding: 'utf8' });
  const result = JSON.parse(output) as { flows: number; decompressedBytes: number; maxRssBytes: number };
  checkRows('ingest-rss', result.flows / copies);

  return { copies, decompressedBytes: result.decompressedBytes, maxRssBytes: result.maxRssBytes };
}

function renderPeakRss(results: PeakRss[]): string {
  const rows = results.map(
    (result) =>
      `| ${result.copies} | ${(result.decompressedBytes / 1e6).toFixed(0)} | ${(result.maxRssBytes / 2 ** 20).toFixed(0)} |`,
  );

  return [
    'Peak RSS of a Node process that only parses (no HTTP server, no disk write), gzip capture streamed N times:',
    '',
    '| copies | decompressed MB | peak RSS MiB |',
    '|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

function checkRows(tool: string, rows: number): void {
  if (rows !== EXPECTED_FLOWS) {
    throw new Error(
      `${tool} read ${rows} rows, expected ${EXPECTED_FLOWS}. Delete bench/out/ to decompress the capture again.`,
    );
  }
}

/** Starts measuring wall and CPU time. Calling the returned function stops and returns the timing. */
function startStopwatch(): (rows: number) => Timing {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();

  return (rows) => {
    const cpu = process.cpuUsage(cpuStart);

    return { rows, seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
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
  const pandas = timings.get('pandas.read_csv') ?? [];
  const rows = [...timings].map(([tool, runs]) => {
    const seconds = runs.map((timing) => timing.seconds);
    const cpuSeconds = runs.map((timing) => timing.cpuSeconds);
    // Each round's ratio compares runs made back to back, so load that drifts between rounds affects both alike.
    const ratios = runs.map((timing, round) => pandas[round].seconds / timing.seconds);
    const cpuRatios = runs.map((timing, round) => pandas[round].cpuSeconds / timing.cpuSeconds);

    return (
      `| ${tool} | ${megabytesPerSecond(bytes, seconds[0])} | ${megabytesPerSecond(bytes, median(seconds))} | ` +
      `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) | ` +
      `${megabytesPerSecond(bytes, median(cpuSeconds))} | ` +
      `${median(cpuRatios).toFixed(2)}× (${Math.min(...cpuRatios).toFixed(2)}–${Math.max(...cpuRatios).toFixed(2)}) |`
    );
  });
  const cpu = os.cpus();
  const loadText = load.map((values) => values.map((value) => value.toFixed(2)).join(' ')).join(' → ');

  return [
    `Input: CTU-13 scenario 6, ${bytes} bytes decompressed, ${EXPECTED_FLOWS} rows; ${rounds} rounds.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `Node ${process.version}; ${pandasVersion}; load average (1, 5, 15 min) ${loadText}.`,
    '',
    'Speeds are decompressed MB per second; ratios are the median over rounds of pandas time / tool time, (min–max).',
    '',
    '| tool | first round, wall MB/s | median wall MB/s | wall speed vs pandas | median CPU MB/s | CPU speed vs pandas |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
