export type CaptureFormatErrorCode =
  /** The capture is empty, or its first line is neither a binetflow header nor Zeek conn.log output. */
  | 'UNRECOGNISED_FORMAT'
  /** The header lacks a column that every flow needs. */
  | 'MISSING_COLUMNS'
  /** The header was read but not one row gave a valid flow. */
  | 'NO_FLOWS'
  /** The bytes start like gzip but do not decompress. */
  | 'INVALID_GZIP';

/** A capture that cannot be read as a whole, so nothing from it should be kept. */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';

  constructor(
    readonly code: CaptureFormatErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type CaptureLimitErrorCode =
  /** A line is longer than `maxLineLength`. */
  | 'LINE_TOO_LONG'
  /** The gzip stream expands by more than `maxDecompressionRatio`, as a gzip bomb does. */
  | 'DECOMPRESSION_RATIO';

/** A capture that exceeds one of the parser's resource limits. Parsing stops at the line where the limit is hit. */
export class CaptureLimitError extends Error {
  override readonly name = 'CaptureLimitError';

  constructor(
    readonly code: CaptureLimitErrorCode,
    message: string,
    /** Line number (one-based, in the decompressed file) at which parsing stopped. */
    readonly line: number,
    /** Decompressed bytes read before parsing stopped. */
    readonly decompressedBytes: number,
  ) {
    super(message);
  }
}
