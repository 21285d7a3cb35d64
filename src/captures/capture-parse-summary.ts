import { CaptureFormatError } from './capture-parse.errors';
import type { CaptureFormat, Flow, RejectedRow } from './flow.types';
import { labelClassOf, type LabelClass } from './label-class';

/** Rejected rows kept with their line number and reason; the rest are only counted. */
export const MAX_RECORDED_REJECTED_ROWS = 20;

/** Result of parsing one capture. */
export interface CaptureParseSummary {
  format: CaptureFormat;
  /** Good rows, each passed to `onFlow`. */
  flows: number;
  /** Size of the capture after gzip decompression, or the input size for a plain capture. */
  decompressedBytes: number;
  /** Rows that could not be parsed. */
  rejected: number;
  /** The first rejected rows, at most `MAX_RECORDED_REJECTED_ROWS`, in file order. */
  rejectedRows: RejectedRow[];
  /** Good rows per label class. Formats without labels count every flow as Background. */
  labelClassCounts: Record<LabelClass, number>;
  /** Good rows per lower-case protocol name. */
  protocolCounts: Record<string, number>;
  /** Earliest flow start time in epoch seconds, or null when no flow has one. Rows need not be in time order. */
  firstStartTime: number | null;
  /** Latest flow start time in epoch seconds, or null when no flow has one. */
  lastStartTime: number | null;
}

/** Accumulates a `CaptureParseSummary` row by row. */
export class CaptureSummaryBuilder {
  private flows = 0;
  private rejected = 0;
  private readonly rejectedRows: RejectedRow[] = [];
  private readonly labelClassCounts: Record<LabelClass, number> = { Botnet: 0, Normal: 0, Background: 0 };
  private readonly protocolCounts = new Map<string, number>();
  private firstStartTime = Infinity;
  private lastStartTime = -Infinity;

  addFlow(flow: Flow): void {
    this.flows++;
    this.labelClassCounts[labelClassOf(flow.label)]++;
    this.protocolCounts.set(flow.proto, (this.protocolCounts.get(flow.proto) ?? 0) + 1);

    const startTime = flow.startTime;
    if (startTime !== null) {
      if (startTime < this.firstStartTime) {
        this.firstStartTime = startTime;
      }

      if (startTime > this.lastStartTime) {
        this.lastStartTime = startTime;
      }
    }
  }

  addRejected(line: number, reason: string): void {
    this.rejected++;
    if (this.rejectedRows.length < MAX_RECORDED_REJECTED_ROWS) {
      this.rejectedRows.push({ line, reason });
    }
  }

  /** Returns the summary, or throws `CaptureFormatError` (`NO_FLOWS`) when no row gave a flow. */
  finish(format: CaptureFormat, decompressedBytes: number): CaptureParseSummary {
    if (this.flows === 0) {
      throw new CaptureFormatError('NO_FLOWS', this.noFlowsMessage(format));
    }

    const hasStartTime = this.firstStartTime !== Infinity;

    return {
      format,
      flows: this.flows,
      decompressedBytes,
      rejected: this.rejected,
      rejectedRows: [...this.rejectedRows],
      labelClassCounts: { ...this.labelClassCounts },
      protocolCounts: Object.fromEntries(this.protocolCounts),
      firstStartTime: hasStartTime ? this.firstStartTime : null,
      lastStartTime: hasStartTime ? this.lastStartTime : null,
    };
  }

  private noFlowsMessage(format: CaptureFormat): string {
    const first = this.rejectedRows[0];
    if (first === undefined) {
      return `The ${format} capture has a header but no rows; upload a capture with at least one flow.`;
    }

    return (
      `No row of the ${format} capture is a valid flow: ${this.rejected} row(s) rejected, ` +
      `the first at line ${first.line} (${first.reason}).`
    );
  }
}
