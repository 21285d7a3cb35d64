import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_TRAINER_SETTINGS, trainVectors } from '../src/trainer/trainer';
import { TrainerKernelName, TrainerSettings } from '../src/trainer/trainer.types';
import { BenchCorpus, readBenchCorpus } from './train-corpus';
import { labelAgreementAt } from './train-evaluation';

// Trains flow2vec and gensim 4 on the same sentences of a CTU-13 capture and prints training seconds, words/s
// (flows × epochs ÷ training seconds) and botnet label agreement@10 for each. flow2vec trains twice: with its
// default shared noise words (drawn once per centre word) and with gensim's noise words per (context, centre) pair.
// Usage: npm run bench:train [-- CAPTURE.binetflow.gz [simd|reference]]

const DEFAULT_CAPTURE = resolve(__dirname, '../../../shared/data/ctu13/scenario06_capture20110816.binetflow.gz');
const PYTHON = '/usr/bin/python3';
const SENTENCE_LENGTH = 30;
const MIN_COUNT = 1;
const SETTINGS: TrainerSettings = {
  ...DEFAULT_TRAINER_SETTINGS,
  vectorSize: 100,
  window: 30,
  negative: 10,
  sample: 0.001,
  epochs: 5,
  workers: 2,
};

interface BenchRow {
  trainer: string;
  isGensim: boolean;
  seconds: number;
  agreement: number;
}

async function main(): Promise<void> {
  const capture = process.argv[2] ?? DEFAULT_CAPTURE;
  const kernel = (process.argv[3] ?? 'simd') as TrainerKernelName;
  console.log(`capture: ${capture}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`);
  console.log(`settings: ${JSON.stringify({ ...SETTINGS, minCount: MIN_COUNT, sentenceLength: SENTENCE_LENGTH })}`);

  const bench = await readBenchCorpus(capture, SENTENCE_LENGTH);
  const botnetTokens = bench.tokenClasses.filter((labelClass) => labelClass === 'Botnet').length;
  console.log(`corpus: ${bench.flows} flows, ${bench.tokens.length} tokens, ${botnetTokens} botnet tokens`);

  const rows = [await benchFlow2vec(bench, kernel, true), await benchFlow2vec(bench, kernel, false)];
  const gensim = benchGensim(bench);
  if (gensim !== null) {
    rows.push(gensim);
  }

  printTable(rows, gensim, bench.flows * SETTINGS.epochs);
}

async function benchFlow2vec(
  bench: BenchCorpus,
  kernel: TrainerKernelName,
  sharedNegatives: boolean,
): Promise<BenchRow> {
  const noise = sharedNegatives ? 'noise per centre word' : 'noise per pair, as gensim';
  console.log(`flow2vec (${kernel} kernel, ${noise}): training, load average ${formatLoad()}`);
  const result = await trainVectors(bench.corpus, { ...SETTINGS, sharedNegatives }, { kernel });
  const losses = result.epochLosses.map((loss) => loss.toExponential(3)).join(', ');
  console.log(`flow2vec: ${result.trainingSeconds.toFixed(1)} s, epoch losses ${losses}`);

  const agreement = labelAgreementAt(result.vectors, SETTINGS.vectorSize, bench.tokenClasses, 'Botnet', 10);
  return {
    trainer: `flow2vec (${kernel}, ${SETTINGS.workers} threads, ${noise})`,
    isGensim: false,
    seconds: result.trainingSeconds,
    agreement,
  };
}

/** Runs bench/gensim_train.py on the same sentences, or returns null with a message when gensim is missing. */
function benchGensim(bench: BenchCorpus): BenchRow | null {
  const probe = spawnSync(PYTHON, ['-c', 'import gensim; print(gensim.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`gensim: skipped, ${PYTHON} cannot import gensim (install it with apt-get install python3-gensim).`);
    return null;
  }

  const directory = mkdtempSync(join(tmpdir(), 'flow2vec-bench-'));
  try {
    const sentencesPath = join(directory, 'sentences.txt');
    const vectorsPath = join(directory, 'vectors.txt');
    writeFileSync(sentencesPath, bench.sentences.map((sentence) => sentence.join(' ')).join('\n') + '\n');

    console.log(`gensim ${probe.stdout.trim()}: training, load average ${formatLoad()}`);
    const script = resolve(__dirname, '../../bench/gensim_train.py');
    const settings = JSON.stringify({ ...SETTINGS, minCount: MIN_COUNT });
    const run = spawnSync(PYTHON, [script, sentencesPath, vectorsPath, settings], { encoding: 'utf8' });
    if (run.status !== 0) {
      throw new Error(`gensim_train.py failed with exit code ${run.status}: ${run.stderr}`);
    }

    const { trainingSeconds } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { trainingSeconds: number };
    console.log(`gensim: ${trainingSeconds.toFixed(1)} s`);
    const vectors = readWord2VecText(vectorsPath, bench.tokens, SETTINGS.vectorSize);
    const agreement = labelAgreementAt(vectors, SETTINGS.vectorSize, bench.tokenClasses, 'Botnet', 10);

    return {
      trainer: `gensim ${probe.stdout.trim()} (${SETTINGS.workers} workers)`,
      isGensim: true,
      seconds: trainingSeconds,
      agreement,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Reads word2vec text vectors into the row order of `tokens`; every token must be present. */
function readWord2VecText(path: string, tokens: string[], vectorSize: number): Float32Array {
  const ids = new Map(tokens.map((token, id) => [token, id]));
  const vectors = new Float32Array(tokens.length * vectorSize);
  const seen = new Uint8Array(tokens.length);
  const lines = readFileSync(path, 'utf8').split('\n').slice(1);

  for (const line of lines) {
    const fields = line.trim().split(' ');
    const id = ids.get(fields[0]);
    if (id === undefined || fields.length !== vectorSize + 1) {
      continue;
    }

    seen[id] = 1;
    for (let i = 0; i < vectorSize; i++) {
      vectors[id * vectorSize + i] = Number(fields[i + 1]);
    }
  }

  const missing = seen.indexOf(0);
  if (missing >= 0) {
    throw new Error(`gensim wrote no vector for token ${tokens[missing]}.`);
  }

  return vectors;
}

function printTable(rows: BenchRow[], gensim: BenchRow | null, words: number): void {
  console.log('');
  console.log('| trainer | training s | words/s | botnet agreement@10 |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    const wordsPerSecond = Math.round(words / row.seconds).toLocaleString('en-US');
    console.log(`| ${row.trainer} | ${row.seconds.toFixed(1)} | ${wordsPerSecond} | ${row.agreement.toFixed(3)} |`);
  }

  if (gensim !== null) {
    for (const flow2vec of rows.filter((row) => !row.isGensim)) {
      const speed = (gensim.seconds / flow2vec.seconds).toFixed(2);
      const agreement = (flow2vec.agreement - gensim.agreement).toFixed(3);
      console.log('');
      console.log(`${flow2vec.trainer}:`);
      console.log(`  speed: ${speed}× gensim (bar: >= 3×)`);
      console.log(`  agreement: ${agreement} vs gensim (bar: >= -0.02)`);
    }
  }
  console.log(`load average after: ${formatLoad()}`);
}

function formatLoad(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
