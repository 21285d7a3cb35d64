import type { Flow } from '../captures/flow.types';
import { MAX_SENTENCE_LENGTH, ModelDefinition } from '../models/model-definition';
import type { TrainingCorpus } from '../trainer/trainer.types';
import { formatLabel, formatToken } from './token-format';
import { buildVocabulary, CountedToken, Vocabulary } from './vocabulary';
import { sentenceOrder, SentenceSplitter } from './sentence-order';

/** Growable typed storage, so a corpus of millions of flows costs 4 bytes a word (8 with its start time). */
class GrowableArray<T extends Int32Array | Float64Array> {
  length = 0;

  constructor(
    private data: T,
    private readonly allocate: (size: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.allocate(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  get(index: number): number {
    return this.data[index];
  }

  toArray(): T {
    return this.data.slice(0, this.length) as T;
  }
}

const intBuffer = () => new GrowableArray(new Int32Array(1 << 16), (size) => new Int32Array(size));
const floatBuffer = () => new GrowableArray(new Float64Array(1 << 16), (size) => new Float64Array(size));

export interface BuiltCorpus {
  corpus: TrainingCorpus;
  vocabulary: Vocabulary;
  flowsRead: number;
  /** Flows left out because the sentence mode orders by StartTime and they had none. */
  flowsWithoutStartTime: number;
}

/**
 * Turns flows into sentences of token ids. Flows are fed in file order (captures concatenated in the order the
 * model names them); the sentence mode then decides the order and the cuts (see `SentenceDefinition`). After the
 * vocabulary cut, tokens below the minimum count are removed from their sentences, as gensim does, and sentences
 * left with fewer than two words are dropped because they hold no training pair.
 */
export class CorpusBuilder {
  private readonly tokenIds = new Map<string, number>();
  private readonly counted: CountedToken[] = [];
  private readonly words = intBuffer();
  /** StartTime and source address id of every kept flow, recorded only for the time-ordered modes. */
  private readonly startTimes = floatBuffer();
  private readonly sourceIds = intBuffer();
  private readonly sourceAddresses = new Map<string, number>();
  private readonly timeOrdered: boolean;
  private flowsRead = 0;
  private flowsWithoutStartTime = 0;

  constructor(private readonly definition: ModelDefinition) {
    this.timeOrdered = definition.sentences.mode !== 'count';
  }

  addFlow(flow: Flow): void {
    this.flowsRead++;
    if (this.timeOrdered) {
      if (flow.startTime === null) {
        this.flowsWithoutStartTime++;
        return;
      }

      this.startTimes.push(flow.startTime);
      this.sourceIds.push(this.sourceIdOf(flow.srcAddr));
    }

    const id = this.countToken(flow);
    this.words.push(id);
  }

  get flowCount(): number {
    return this.flowsRead;
  }

  build(): BuiltCorpus {
    const { minCount, maxFinalVocab } = this.definition.vocabulary;
    const vocabulary = buildVocabulary(this.counted, minCount, maxFinalVocab);
    const order = this.timeOrdered
      ? sentenceOrder(this.definition.sentences.mode, this.startTimes.toArray(), this.sourceIds.toArray())
      : null;
    const splitter = new SentenceSplitter(this.definition.sentences, this.startTimes, this.sourceIds);

    const words = intBuffer();
    const offsets = intBuffer();
    let sentenceStart = 0;
    const closeSentence = () => {
      if (words.length - sentenceStart < 2) {
        words.length = sentenceStart;
      } else {
        offsets.push(sentenceStart);
        sentenceStart = words.length;
      }
    };

    let flowsInSentence = 0;
    for (let position = 0; position < this.words.length; position++) {
      const flow = order ? order[position] : position;
      const split = splitter.startsSentence(flow, flowsInSentence);
      if (split || flowsInSentence >= MAX_SENTENCE_LENGTH) {
        closeSentence();
        flowsInSentence = 0;
      }

      flowsInSentence++;
      const id = vocabulary.idOfCounted[this.words.get(flow)];
      if (id >= 0) {
        words.push(id);
      }
    }
    closeSentence();
    offsets.push(words.length);

    const counts = new Float64Array(vocabulary.entries.length);
    vocabulary.entries.forEach((entry, id) => (counts[id] = entry.count));

    return {
      corpus: { words: words.toArray(), sentenceOffsets: offsets.toArray(), counts },
      vocabulary,
      flowsRead: this.flowsRead,
      flowsWithoutStartTime: this.flowsWithoutStartTime,
    };
  }

  private countToken(flow: Flow): number {
    let token = formatToken(flow, this.definition.tokenFields);
    if (this.definition.includeLabel) {
      token += `|${formatLabel(flow.label)}`;
    }

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
    return id;
  }

  private sourceIdOf(address: string): number {
    let id = this.sourceAddresses.get(address);
    if (id === undefined) {
      id = this.sourceAddresses.size;
      this.sourceAddresses.set(address, id);
    }

    return id;
  }
}
