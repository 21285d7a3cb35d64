import type { SentenceDefinition, SentenceMode } from '../models/model-definition';

interface NumberSource {
  get(index: number): number;
}

/**
 * Returns the order in which the time-ordered modes read flows: by StartTime (`time`), or by source address (in the order
 * each address first appears) and then StartTime (`host`). Captures are not strictly time-ordered, so this sorts; ties keep file order, which makes the
 * corpus the same on every run.
 */
export function sentenceOrder(mode: SentenceMode, startTimes: Float64Array, sourceIds: Int32Array): Int32Array {
  const order = new Int32Array(startTimes.length);
  for (let i = 0; i < order.length; i++) {
    order[i] = i;
  }

  if (mode === 'host') {
    return order.sort((a, b) => sourceIds[a] - sourceIds[b] || startTimes[a] - startTimes[b] || a - b);
  }

  return order.sort((a, b) => startTimes[a] - startTimes[b] || a - b);
}

/** Decides where one sentence ends and the next begins, as flows arrive in sentence order. */
export class SentenceSplitter {
  private previous = -1;

  constructor(
    private readonly sentences: SentenceDefinition,
    private readonly startTimes: NumberSource,
    private readonly sourceIds: NumberSource,
  ) {}

  /** Returns whether `flow` starts a new sentence, given how many flows the current sentence holds. The first never does. */
  startsSentence(flow: number, flowsInSentence: number): boolean {
    const previous = this.previous;
    this.previous = flow;
    if (previous === -1) {
      return false;
    }

    switch (this.sentences.mode) {
      case 'count':
        return flowsInSentence >= this.sentences.length;
      case 'time':
        return this.bucketOf(flow) !== this.bucketOf(previous);
      case 'host':
        return (
          flowsInSentence >= this.sentences.length ||
          this.sourceIds.get(flow) !== this.sourceIds.get(previous) ||
          this.startTimes.get(flow) - this.startTimes.get(previous) > this.sentences.seconds
        );
    }
  }

  /** Windows are aligned to multiples of `seconds` since the Unix epoch, so equal settings give equal buckets. */
  private bucketOf(flow: number): number {
    return Math.floor(this.startTimes.get(flow) / this.sentences.seconds);
  }
}
