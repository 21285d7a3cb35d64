import { CaptureLimitError } from './capture-parse.errors';
import type { ParseProgress } from './capture-parse-stream';

const LF = 0x0a;
const CR = 0x0d;
const BYTE_ORDER_MARK = 0xfeff;

/**
 * Splits a capture's bytes into lines and passes each non-blank one, decoded as UTF-8, to `onLine` with its one-based
 * line number. Accepts LF and CRLF line ends and strips a byte order mark from the first line. Throws
 * `CaptureLimitError` (`LINE_TOO_LONG`) for a line longer than `maxLineLength` bytes, before buffering more of it.
 *
 * Lines are split on bytes and each line is decoded on its own, so a line string never shares memory with the
 * chunk it came from. Fields sliced from a line may still keep that line (not the chunk) alive.
 */
export class CaptureLineSplitter {
  /** Bytes of the unfinished line at the end of the chunks so far. */
  private carry: Buffer[] = [];
  private carryLength = 0;

  constructor(
    private readonly maxLineLength: number,
    private readonly progress: ParseProgress,
    private readonly onLine: (line: string, lineNumber: number) => void,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(LF);
    if (newline >= 0 && this.carryLength > 0) {
      const line = Buffer.concat([...this.carry, chunk.subarray(0, newline)]);
      this.carry = [];
      this.carryLength = 0;
      this.emit(line, 0, line.length);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }

    while (newline >= 0) {
      this.emit(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }

    if (start < chunk.length) {
      this.keep(chunk.subarray(start));
    }
  }

  end(): void {
    if (this.carryLength > 0) {
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.carryLength = 0;
      this.emit(line, 0, line.length);
    }
  }

  /** Buffers the start of a line that continues in the next chunk, copied so that the chunk itself can be freed. */
  private keep(piece: Buffer): void {
    this.carry.push(Buffer.from(piece));
    this.carryLength += piece.length;

    // The unfinished line may end in the CR of a CRLF, which does not count towards its length.
    if (this.carryLength > this.maxLineLength + 1) {
      throw this.lineTooLong(this.progress.lines + 1);
    }
  }

  /** Passes on the line from `start` to `end` (exclusive, at the LF or the data end), dropping a trailing CR. */
  private emit(bytes: Buffer, start: number, end: number): void {
    const lineNumber = ++this.progress.lines;
    const contentEnd = end > start && bytes[end - 1] === CR ? end - 1 : end;
    if (contentEnd - start > this.maxLineLength) {
      throw this.lineTooLong(lineNumber);
    }

    let line = bytes.toString('utf8', start, contentEnd);
    if (lineNumber === 1 && line.charCodeAt(0) === BYTE_ORDER_MARK) {
      line = line.slice(1);
    }

    if (line.length > 0) {
      this.onLine(line, lineNumber);
    }
  }

  private lineTooLong(lineNumber: number): CaptureLimitError {
    return new CaptureLimitError(
      'LINE_TOO_LONG',
      `Line ${lineNumber} is longer than ${this.maxLineLength} bytes. A capture row is far shorter, so the file is ` +
        'probably not a capture. If it is one, raise the line limit (MAX_LINE_LENGTH on the server).',
      lineNumber,
      this.progress.decompressedBytes,
    );
  }
}
