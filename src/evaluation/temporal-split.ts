import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { LABEL_CLASSES, LabelClass, labelClassOf } from '../captures/label-class';
import type { Flow } from '../captures/flow.types';
import { DEFAULT_VOTING_NEIGHBOURS, TokenClassifier } from '../classification/token-classifier';
import type { TokenField } from '../models/model-definition';
import type { VectorIndex } from '../similarity/vector-index.repository';
import { formatToken } from '../training/token-format';
import type { VocabularyEntry } from '../training/vocabulary';

/** Held-out tokens classified between yields to the event loop. */
const CLASSIFY_BATCH = 1000;

/** Botnet detection over the held-out part. Unseen flows and tokens get no prediction, so botnet ones are misses. */
export interface HeldOutDetection {
  /** Held-out flows or distinct held-out tokens. */
  total: number;
  /** Of `total`, those whose token is not in the vocabulary. */
  unseen: number;
  /** Of `unseen`, those labelled Botnet (by majority of their flows, for tokens). */
  unseenBotnet: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Result of training on the flows before a StartTime cut and classifying the flows from it on. */
export interface TemporalSplitEvaluation {
  /** Requested share of flows, in StartTime order, that the model trained on. */
  trainShare: number;
  /** StartTime (epoch seconds) of the first held-out flow; flows at or after it were held out. */
  cutoff: number;
  trainingFlows: number;
  heldOutFlows: number;
  /** Flows without a StartTime, which cannot be placed on either side and were trained on. */
  flowsWithoutStartTime: number;
  byFlows: HeldOutDetection;
  byTokens: HeldOutDetection;
}

/**
 * Returns the StartTime at which the flows after the first `trainShare` of them (in StartTime order) begin.
 * Flows at exactly this time are all held out, so the training share can fall a little below `trainShare`.
 */
export function temporalCutoff(startTimes: Float64Array, trainShare: number): number {
  if (startTimes.length === 0) {
    throw new RangeError('No flow has a StartTime, so the capture cannot be split by time');
  }

  const sorted = Float64Array.from(startTimes).sort();
  return sorted[Math.min(Math.floor(sorted.length * trainShare), sorted.length - 1)];
}

/** Routes each flow to training or to the held-out set, and classifies the held-out set once trained. */
export class TemporalSplit {
  private readonly heldOut = new Map<string, Record<LabelClass, number>>();
  private trainingFlows = 0;
  private heldOutFlows = 0;
  private flowsWithoutStartTime = 0;

  constructor(
    readonly trainShare: number,
    readonly cutoff: number,
    private readonly tokenFields: readonly TokenField[],
  ) {}

  /** Returns true when the flow belongs to training; otherwise records it as held out. */
  accept(flow: Flow): boolean {
    if (flow.startTime === null) {
      this.flowsWithoutStartTime++;
      this.trainingFlows++;
      return true;
    }

    if (flow.startTime < this.cutoff) {
      this.trainingFlows++;
      return true;
    }

    const token = formatToken(flow, this.tokenFields);
    let counts = this.heldOut.get(token);
    if (!counts) {
      counts = { Botnet: 0, Normal: 0, Background: 0 };
      this.heldOut.set(token, counts);
    }
    counts[labelClassOf(flow.label)]++;
    this.heldOutFlows++;
    return false;
  }

  /**
   * Classifies every held-out token with the trained model and scores botnet detection over flows and tokens. It
   * yields to the event loop between batches, so the process keeps serving requests and renewing its job lock.
   */
  async evaluate(
    entries: readonly VocabularyEntry[],
    index: VectorIndex,
    signal?: AbortSignal,
  ): Promise<TemporalSplitEvaluation> {
    const idOf = new Map(entries.map((entry, tokenId) => [entry.token, tokenId]));
    const classifier = new TokenClassifier(index, (tokenId) => entries[tokenId].labelClass);
    const byFlows = new DetectionCounter();
    const byTokens = new DetectionCounter();

    let classified = 0;
    for (const [token, counts] of this.heldOut) {
      if (++classified % CLASSIFY_BATCH === 0) {
        signal?.throwIfAborted();
        await yieldToEventLoop();
      }

      const tokenId = idOf.get(token);
      const known = tokenId !== undefined;
      const predictedBotnet = known && classifier.classify(tokenId, DEFAULT_VOTING_NEIGHBOURS)?.labelClass === 'Botnet';
      const flows = counts.Botnet + counts.Normal + counts.Background;

      byFlows.add(known, predictedBotnet, counts.Botnet, flows - counts.Botnet);
      const botnetToken = majorityClass(counts) === 'Botnet';
      byTokens.add(known, predictedBotnet, botnetToken ? 1 : 0, botnetToken ? 0 : 1);
    }

    return {
      trainShare: this.trainShare,
      cutoff: this.cutoff,
      trainingFlows: this.trainingFlows,
      heldOutFlows: this.heldOutFlows,
      flowsWithoutStartTime: this.flowsWithoutStartTime,
      byFlows: byFlows.scores(),
      byTokens: byTokens.scores(),
    };
  }
}

class DetectionCounter {
  private total = 0;
  private unseen = 0;
  private unseenBotnet = 0;
  private truePositives = 0;
  private falsePositives = 0;
  private falseNegatives = 0;

  add(known: boolean, predictedBotnet: boolean, botnet: number, other: number): void {
    this.total += botnet + other;
    if (!known) {
      this.unseen += botnet + other;
      this.unseenBotnet += botnet;
    }

    if (predictedBotnet) {
      this.truePositives += botnet;
      this.falsePositives += other;
    } else {
      this.falseNegatives += botnet;
    }
  }

  scores(): HeldOutDetection {
    const { truePositives, falsePositives, falseNegatives } = this;
    const precision = truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : null;
    const recall = truePositives + falseNegatives > 0 ? truePositives / (truePositives + falseNegatives) : null;
    let f1: number | null = null;
    if (precision !== null && recall !== null) {
      f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    }

    return {
      total: this.total,
      unseen: this.unseen,
      unseenBotnet: this.unseenBotnet,
      truePositives,
      falsePositives,
      falseNegatives,
      precision,
      recall,
      f1,
    };
  }
}

/** Returns the class with the most flows; ties go to the class listed first in LABEL_CLASSES, as for vocabulary tokens. */
function majorityClass(counts: Record<LabelClass, number>): LabelClass {
  return LABEL_CLASSES.reduce((best, labelClass) => (counts[labelClass] > counts[best] ? labelClass : best));
}
