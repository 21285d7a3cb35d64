import { Readable } from 'node:stream';

import { BinetflowReader, BINETFLOW_REQUIRED_COLUMNS, looksLikeBinetflowHeader } from './binetflow-reader';
import { quoteValue } from './capture-parse-fields';
import { CaptureFormatError } from './capture-parse.errors';
import { CaptureLineSplitter } from './capture-parse-lines';
import { decompressedChunks, type ParseProgress } from './capture-parse-stream';
import { CaptureSummaryBuilder, type CaptureParseSummary } from './capture-parse-summary';
import type { FlowLineReader } from './capture-parse.types';
import type { CaptureFormat, Flow } from './flow.types';
import { ZeekJsonReader, ZeekTsvReader } from './zeek-reader';

export { CaptureFormatError, CaptureLimitError } from './capture-parse.errors';
export type { CaptureFormatErrorCode, CaptureLimitErrorCode } from './capture-parse.errors';
export { MAX_RECORDED_REJECTED_ROWS, type CaptureParseSummary } from './capture-parse-summary';

export const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;
export const DEFAULT_MAX_DECOMPRESSION_RATIO = 100;

export interface CaptureParseOptions {
  /** Format of the capture. Default: detected from the first non-blank line. */
  format?: CaptureFormat;
  /** Maximum line length in bytes, line end excluded. A longer line stops the parse with `LINE_TOO_LONG`. Default 65,536. */
  maxLineLength?: number;
  /**
   * Maximum ratio of decompressed to compressed bytes for gzip input. A higher ratio stops the parse with
   * `DECOMPRESSION_RATIO`, checked once more than 1 MiB has been decompressed. Default 100. For comparison, CTU-13
   * scenario 6 compresses 6.4 times with `gzip -9`.
   */
  maxDecompressionRatio?: number;
}

/**
 * Called for every good row, in file order, with the one-based line number in the decompressed file. An exception
 * it throws, or a rejection of the promise it returns, stops the parse and rejects `parseCapture` with that error.
 *
 * A handler that returns a promise gets backpressure by chunk: the parser calls it for every row of the current
 * chunk without waiting, then waits for all those promises before it reads the next chunk. So calls for rows of one
 * chunk may run concurrently.
 */
// The return type is `unknown`, not `void | PromiseLike<void>`, so that handlers such as `(flow) => flows.push(flow)`
// type-check. Only a returned thenable is waited for.
export type FlowHandler = (flow: Flow, line: number) => unknown;

/**
 * Parses a capture from a stream of its raw bytes (plain, or gzip as detected by its magic bytes) and calls
 * `onFlow` for every good row. Memory use does not grow with the capture, as long as `onFlow` keeps nothing.
 *
 * Rejects with `CaptureFormatError` when the format is not recognised, required columns are missing, the gzip data
 * is corrupt, or no row is a valid flow. Rejects with `CaptureLimitError` when a limit in `options` is exceeded, and
 * with the source's own error when reading fails. On these rejections the source is destroyed. Invalid options
 * reject with `RangeError` before anything is read.
 */
export async function parseCapture(
  source: AsyncIterable<Uint8Array | string>,
  onFlow: FlowHandler,
  options: CaptureParseOptions = {},
): Promise<CaptureParseSummary> {
  const { format, maxLineLength, maxDecompressionRatio } = validateOptions(options);
  const progress: ParseProgress = { compressedBytes: 0, decompressedBytes: 0, lines: 0 };
  const summary = new CaptureSummaryBuilder();
  let reader: FlowLineReader | null = null;
  const pending: PromiseLike<unknown>[] = [];

  const splitter = new CaptureLineSplitter(maxLineLength, progress, (line, lineNumber) => {
    reader ??= openReader(line, format);
    const result = reader.read(line);
    if (result === null) {
      return;
    }

    if (typeof result === 'string') {
      summary.addRejected(lineNumber, result);
      return;
    }

    summary.addFlow(result);
    const handled = onFlow(result, lineNumber);
    if (isPromiseLike(handled)) {
      pending.push(handled);
    }
  });

  try {
    for await (const chunk of decompressedChunks(source, maxDecompressionRatio, progress)) {
      splitter.write(chunk);
      await settle(pending);
    }

    splitter.end();
    await settle(pending);
  } catch (error) {
    ignoreRejections(pending);
    throw error;
  }

  if (reader === null) {
    throw new CaptureFormatError('UNRECOGNISED_FORMAT', 'Capture is empty. Upload a binetflow or Zeek conn.log file.');
  }

  return summary.finish((reader as FlowLineReader).format, progress.decompressedBytes);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/** Waits for the promises `onFlow` returned for one chunk, and empties the list. */
async function settle(pending: PromiseLike<unknown>[]): Promise<void> {
  if (pending.length === 0) {
    return;
  }

  const promises = pending.splice(0);
  await Promise.all(promises);
}

/** Marks promises that will not be awaited because the parse already failed, so they cannot reject unhandled. */
function ignoreRejections(pending: PromiseLike<unknown>[]): void {
  for (const promise of pending.splice(0)) {
    promise.then(undefined, () => undefined);
  }
}

/** A good row of a capture parsed by `parseCaptureBuffer`. */
export interface ParsedFlow {
  flow: Flow;
  /** One-based line number in the decompressed file. */
  line: number;
}

/**
 * Parses a capture held in memory and returns its flows with the summary. Meant for tests and small captures: the
 * flows are kept, so memory grows with the capture.
 */
export async function parseCaptureBuffer(
  data: Uint8Array | string,
  options: CaptureParseOptions = {},
): Promise<{ summary: CaptureParseSummary; flows: ParsedFlow[] }> {
  const flows: ParsedFlow[] = [];
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const summary = await parseCapture(Readable.from([bytes]), (flow, line) => flows.push({ flow, line }), options);

  return { summary, flows };
}

const CAPTURE_FORMATS: readonly CaptureFormat[] = ['binetflow', 'zeek-tsv', 'zeek-json'];

/** Fills in defaults, and throws `RangeError` for an option no caller should pass. */
function validateOptions(options: CaptureParseOptions): Required<Omit<CaptureParseOptions, 'format'>> & {
  format: CaptureFormat | undefined;
} {
  const { format, maxLineLength = DEFAULT_MAX_LINE_LENGTH } = options;
  const maxDecompressionRatio = options.maxDecompressionRatio ?? DEFAULT_MAX_DECOMPRESSION_RATIO;
  if (format !== undefined && !CAPTURE_FORMATS.includes(format)) {
    throw new RangeError(
      `Invalid capture format ${JSON.stringify(format)}. Expected one of ${CAPTURE_FORMATS.join(', ')}.`,
    );
  }

  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new RangeError(`Invalid maxLineLength ${maxLineLength}. Expected a positive integer.`);
  }

  if (!(maxDecompressionRatio >= 1)) {
    throw new RangeError(`Invalid maxDecompressionRatio ${maxDecompressionRatio}. Expected a number of at least 1.`);
  }

  return { format, maxLineLength, maxDecompressionRatio };
}

/** Detects a capture's format from its first non-blank line, or returns null when no format matches. */
export function detectCaptureFormat(firstLine: string): CaptureFormat | null {
  if (firstLine.startsWith('#')) {
    return 'zeek-tsv';
  }

  if (firstLine.trimStart().startsWith('{')) {
    return 'zeek-json';
  }

  return looksLikeBinetflowHeader(firstLine) ? 'binetflow' : null;
}

function openReader(firstLine: string, format: CaptureFormat | undefined): FlowLineReader {
  const detected = format ?? detectCaptureFormat(firstLine);
  switch (detected) {
    case 'binetflow':
      return new BinetflowReader();
    case 'zeek-tsv':
      return new ZeekTsvReader();
    case 'zeek-json':
      return new ZeekJsonReader();
    case null:
      throw new CaptureFormatError(
        'UNRECOGNISED_FORMAT',
        `Capture format not recognised from its first line ${quoteValue(firstLine)}. Expected an Argus binetflow ` +
          `CSV header naming ${BINETFLOW_REQUIRED_COLUMNS.join(', ')}, a Zeek conn.log starting with #separator or ` +
          '#fields, or Zeek conn.log JSON lines.',
      );
  }
}
