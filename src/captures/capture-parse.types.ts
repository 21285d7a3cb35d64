import type { CaptureFormat, Flow } from './flow.types';

/**
 * Reads the lines of one capture format, header included, in file order. `read` returns the flow of a good row,
 * the reason a row was rejected, or null for a line that contains no row (header, comment, blank line).
 * It throws `CaptureFormatError` when the header makes the rest of the file unreadable.
 */
export interface FlowLineReader {
  readonly format: CaptureFormat;
  read(line: string): Flow | string | null;
}
