import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type { CaptureFormat } from '../captures/flow.types';
import { parseCapture } from '../captures/capture-parser';
import type { LabelClass } from '../captures/label-class';
import type { TokenField } from '../models/model-definition';
import type { VectorIndex } from '../similarity/vector-index.repository';
import { formatToken } from '../training/token-format';
import { DEFAULT_VOTING_NEIGHBOURS, TokenClassifier } from './token-classifier';

const logger = new Logger('CaptureClassification');

/** Header of the CSV that classifies a capture, one row per flow in file order. */
export const CLASSIFICATION_CSV_HEADER = 'line,token,status,labelClass,confidence,label\n';

export interface CaptureClassificationInput {
  source: AsyncIterable<Uint8Array | string>;
  format: CaptureFormat;
  tokenFields: readonly TokenField[];
  /** Vocabulary id of every token of the model. */
  idOf: ReadonlyMap<string, number>;
  labelClassOf: (tokenId: number) => LabelClass;
  index: VectorIndex;
  /** Names the capture and model in the log when the stream fails. */
  description: string;
}

/**
 * Streams the classification of every flow of a capture as CSV. Each distinct token is classified once by neighbour
 * vote and the result reused for its other flows. Unseen flows have status `unseen` and empty class and confidence.
 * Parsing waits whenever the reader is slower, so memory keeps one result per distinct token, not per flow.
 */
export function classifyCaptureAsCsv(input: CaptureClassificationInput): Readable {
  const output = new PassThrough();
  const classifier = new TokenClassifier(input.index, input.labelClassOf);
  const results = new Map<string, string>();
  output.write(CLASSIFICATION_CSV_HEADER);

  const classify = (token: string): string => {
    let result = results.get(token);
    if (result === undefined) {
      const tokenId = input.idOf.get(token);
      const vote = tokenId === undefined ? null : classifier.classify(tokenId, DEFAULT_VOTING_NEIGHBOURS);
      result = tokenId === undefined ? 'unseen,,' : `known,${vote?.labelClass ?? ''},${vote?.confidence ?? ''}`;
      results.set(token, result);
    }

    return result;
  };

  parseCapture(
    input.source,
    (flow, line) => {
      const token = formatToken(flow, input.tokenFields);
      const row = `${line},${csvField(token)},${classify(token)},${csvField(flow.label ?? '')}\n`;
      return output.write(row) ? undefined : once(output, 'drain');
    },
    { format: input.format },
  ).then(
    () => output.end(),
    (error: Error) => {
      logger.error(`Classifying ${input.description} failed: ${error.message}`, error.stack);
      output.destroy(error);
    },
  );

  return output;
}

/** Quotes a CSV field that contains a comma, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
