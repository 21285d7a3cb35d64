import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

import { LABEL_CLASSES, LabelClass, labelClassOf } from '../src/captures/label-class';
import { TrainingCorpus } from '../src/trainer/trainer.types';

/** The benchmark corpus: tokens of a capture, in vocabulary order, encoded as consecutive sentences. */
export interface BenchCorpus {
  corpus: TrainingCorpus;
  /** Token string of each vocabulary id. */
  tokens: string[];
  /** Majority label class of the flows of each vocabulary id. */
  tokenClasses: LabelClass[];
  /** Each sentence as its token strings, for gensim. */
  sentences: string[][];
  flows: number;
}

const TOKEN_FIELDS = ['SrcAddr', 'DstAddr', 'Dport', 'Proto'] as const;

/**
 * Reads a gzip'd Argus binetflow capture with a plain comma split, which is enough for the clean 15-field CTU-13
 * files the benchmark uses, and builds tokens SrcAddr|DstAddr|Dport|proto and sentences of `sentenceLength`
 * consecutive flows in file order.
 */
export async function readBenchCorpus(path: string, sentenceLength: number): Promise<BenchCorpus> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  const flowTokens: string[] = [];
  const flowClasses: LabelClass[] = [];
  let columns: number[] | null = null;
  let labelColumn = -1;

  for await (const line of lines) {
    const fields = line.split(',');
    if (columns === null) {
      const names = fields.map((name) => name.trim());
      columns = TOKEN_FIELDS.map((name) => requireColumn(names, name));
      labelColumn = requireColumn(names, 'Label');
      continue;
    }

    if (line.length === 0) {
      continue;
    }

    const [src, dst, dport, proto] = columns.map((column) => fields[column]);
    flowTokens.push(`${src}|${dst}|${dport}|${proto.toLowerCase()}`);
    flowClasses.push(labelClassOf(fields[labelColumn]));
  }

  return encodeCorpus(flowTokens, flowClasses, sentenceLength);
}

function requireColumn(names: string[], name: string): number {
  const index = names.indexOf(name);
  if (index < 0) {
    throw new Error(`The capture header has no ${name} column: ${names.join(',')}`);
  }

  return index;
}

/** Orders the vocabulary by count descending, then by token, so it never depends on hashing. */
function encodeCorpus(flowTokens: string[], flowClasses: LabelClass[], sentenceLength: number): BenchCorpus {
  const classCounts = new Map<string, number[]>();
  flowTokens.forEach((token, flow) => {
    const counts = classCounts.get(token) ?? LABEL_CLASSES.map(() => 0);
    counts[LABEL_CLASSES.indexOf(flowClasses[flow])]++;
    classCounts.set(token, counts);
  });

  const total = (token: string): number => classCounts.get(token)!.reduce((sum, count) => sum + count, 0);
  const byCountThenToken = (a: string, b: string): number => {
    if (total(a) !== total(b)) {
      return total(b) - total(a);
    }

    return a < b ? -1 : 1;
  };
  const tokens = [...classCounts.keys()].sort(byCountThenToken);
  const ids = new Map(tokens.map((token, id) => [token, id]));
  const words = Int32Array.from(flowTokens, (token) => ids.get(token)!);
  const counts = Float64Array.from(tokens, total);
  const tokenClasses = tokens.map((token) => majorityClass(classCounts.get(token)!));

  const sentenceCount = Math.ceil(words.length / sentenceLength);
  const sentenceOffsets = Int32Array.from({ length: sentenceCount + 1 }, (_, i) =>
    Math.min(i * sentenceLength, words.length),
  );
  const sentences = Array.from({ length: sentenceCount }, (_, i) =>
    flowTokens.slice(sentenceOffsets[i], sentenceOffsets[i + 1]),
  );

  return { corpus: { words, sentenceOffsets, counts }, tokens, tokenClasses, sentences, flows: words.length };
}

/** Returns the class with the most flows. A tie goes to the class listed first in LABEL_CLASSES (Botnet, Normal, Background). */
function majorityClass(counts: number[]): LabelClass {
  let best = 0;
  for (let i = 1; i < counts.length; i++) {
    if (counts[i] > counts[best]) {
      best = i;
    }
  }

  return LABEL_CLASSES[best];
}
