import type { Flow } from '../captures/flow.types';
import type { ModelDefinition } from '../models/model-definition';
import type { TrainingCorpus } from '../trainer/trainer.types';
import { formatToken } from './token-format';
import { buildVocabulary, CountedToken, Vocabulary } from './vocabulary';

/** Growable Int32 storage, so a corpus of millions of flows costs 4 bytes a word. */
class IntBuffer {
  private data = new Int32Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index];
  }

  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export interface BuiltCorpus {
  corpus: TrainingCorpus;
  vocabulary: Vocabulary;
  flowsRead: number;
}

/**
 * Turns flows into sentences of token ids. Flows are fed in training order (captures concatenated in the
 * order the model names them); in `count` mode every `length` consecutive flows form one sentence.
 * After the vocabulary cut, tokens below the minimum count are removed from their sentences, as gensim
 * does, and sentences left with fewer than two words are dropped because they hold no training pair.
 */
export class CorpusBuilder {
  private readonly tokenIds = new Map<string, number>();
  private readonly counted: CountedToken[] = [];
  private readonly words = new IntBuffer();
  private flowsRead = 0;

  constructor(private readonly definition: ModelDefinition) {}

  addFlow(flow: Flow): void {
    const token = formatToken(flow, this.definition.tokenFields);
    let id = this.tokenIds.get(token);
    if (id === undefined) {
      id = this.counted.length;
      this.tokenIds.set(token, id);
      this.counted.push({ token, count: 0, labelCounts: new Map() });
    }

    const entry = this.counted[id];
    entry.count++;
    const label = flow.label ?? '';
    entry.labelCounts.set(label, (entry.labelCounts.get(label) ?? 0) + 1);
    this.words.push(id);
    this.flowsRead++;
  }

  get flowCount(): number {
    return this.flowsRead;
  }

  build(): BuiltCorpus {
    const { minCount, maxFinalVocab } = this.definition.vocabulary;
    const vocabulary = buildVocabulary(this.counted, minCount, maxFinalVocab);
    const sentenceLength = this.definition.sentences.length;

    const words = new IntBuffer();
    const offsets = new IntBuffer();
    for (let start = 0; start < this.words.length; start += sentenceLength) {
      const sentenceStart = words.length;
      const end = Math.min(start + sentenceLength, this.words.length);
      for (let i = start; i < end; i++) {
        const id = vocabulary.idOfCounted[this.words.get(i)];
        if (id >= 0) {
          words.push(id);
        }
      }

      if (words.length - sentenceStart < 2) {
        words.length = sentenceStart;
        continue;
      }
      offsets.push(sentenceStart);
    }
    offsets.push(words.length);

    const counts = new Float64Array(vocabulary.entries.length);
    vocabulary.entries.forEach((entry, id) => (counts[id] = entry.count));

    return {
      corpus: { words: words.toArray(), sentenceOffsets: offsets.toArray(), counts },
      vocabulary,
      flowsRead: this.flowsRead,
    };
  }
}
