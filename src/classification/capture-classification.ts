import { PassThrough, Readable } from 'node:stream';
import type { CaptureParseSummary } from '../captures/capture-parse-summary';
import { parseCapture } from '../captures/capture-parser';
import type { CaptureFormat } from '../captures/flow.types';
import type { LabelClass } from '../captures/label-class';
import { waitForDrain } from '../common/wait-for-drain';
import type { TokenField } from '../models/model-definition';
import type { VectorIndex } from '../similarity/vector-index.repository';
import { formatToken } from '../training/token-format';
import { TokenClassifier } from './token-classifier';

/** Header of the CSV that classifies a capture, one row per flow in file order. */
export const CLASSIFICATION_CSV_HEADER = 'line,token,status,labelClass,confidence,label\n';

/** Classification of one flow: by neighbour vote when its token is known, else unseen without a class. */
export interface FlowClassification {
  status: 'known' | 'unseen';
  /** Null when the flow is unseen, or known but the model has no other token to vote. */
  labelClass: LabelClass | null;
}

export interface CaptureClassificationInput {
  source: AsyncIterable<Uint8Array | string>;
  format: CaptureFormat;
  tokenFields: readonly TokenField[];
  /** Vocabulary id of every token of the model. */
  idOf: ReadonlyMap<string, number>;
  labelClassOf: (tokenId: number) => LabelClass;
  index: VectorIndex;
  /** Neighbours that vote on each known flow. */
  k: number;
  /** Called once per flow, after its row is queued on the stream. */
  onFlow?: (classification: FlowClassification) => void;
  /** Called with the parse summary once every row is on the stream, before it ends. */
  onParsed?: (summary: CaptureParseSummary) => void;
  /** Stops parsing: the stream is destroyed with the signal's reason. */
  signal?: AbortSignal;
}

interface TokenResult {
  classification: FlowClassification;
  /** The row's status, labelClass and confidence fields. */
  csvFields: string;
}

/**
 * Streams the classification of every flow of a capture as CSV. Each distinct token is classified once by neighbour
 * vote and the result reused for its other flows. Unseen flows have status `unseen` and empty class and confidence.
 * Parsing waits whenever the reader is slower, so memory keeps one result per distinct token, not per flow.
 * A parse failure or an abort destroys the stream with that error.
 */
export function classifyCaptureAsCsv(input: CaptureClassificationInput): Readable {
  const output = new PassThrough();
  const classifier = new TokenClassifier(input.index, input.labelClassOf);
  const results = new Map<string, TokenResult>();
  output.write(CLASSIFICATION_CSV_HEADER);

  const classify = (token: string): TokenResult => {
    let result = results.get(token);
    if (result === undefined) {
      const tokenId = input.idOf.get(token);
      const vote = tokenId === undefined ? null : classifier.classify(tokenId, input.k);
      result =
        tokenId === undefined
          ? { classification: { status: 'unseen', labelClass: null }, csvFields: 'unseen,,' }
          : {
              classification: { status: 'known', labelClass: vote?.labelClass ?? null },
              csvFields: `known,${vote?.labelClass ?? ''},${vote?.confidence ?? ''}`,
            };
      results.set(token, result);
    }

    return result;
  };

  // The parser calls `writeRow` for every row of a chunk before it waits, so all rows written while the output is
  // full share one wait, which keeps one set of listeners on the output and the signal.
  let pendingDrain: Promise<void> | undefined;
  const writeRow = (row: string): Promise<void> | undefined => {
    input.signal?.throwIfAborted();
    if (output.destroyed) {
      throw output.errored ?? new Error('Classification output was closed before every flow was written');
    }

    if (output.write(row)) {
      return undefined;
    }

    pendingDrain ??= waitForDrain(output, input.signal).finally(() => (pendingDrain = undefined));
    return pendingDrain;
  };

  parseCapture(
    input.source,
    (flow, line) => {
      const token = formatToken(flow, input.tokenFields);
      const result = classify(token);
      const written = writeRow(`${line},${csvField(token)},${result.csvFields},${csvField(flow.label ?? '')}\n`);
      input.onFlow?.(result.classification);
      return written;
    },
    { format: input.format },
  ).then(
    (summary) => {
      input.onParsed?.(summary);
      output.end();
    },
    (error: Error) => output.destroy(error),
  );

  return output;
}

/** Quotes a CSV field that contains a comma, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
