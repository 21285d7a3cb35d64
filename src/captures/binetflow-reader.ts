import { splitQuotedCsvLine } from './binetflow-csv';
import { normalizePort, parseStartTime, quoteValue } from './capture-parse-fields';
import { CaptureFormatError } from './capture-parse.errors';
import type { FlowLineReader } from './capture-parse.types';
import type { Flow } from './flow.types';

/** Columns every binetflow capture must name, as Argus spells them. */
export const BINETFLOW_REQUIRED_COLUMNS = ['SrcAddr', 'DstAddr', 'Dport', 'Proto'] as const;

/** Columns read when present. Any others (Dur, Dir, TotBytes, …) are skipped. */
const OPTIONAL_COLUMNS = ['StartTime', 'Sport', 'State', 'Label'] as const;

type ColumnName = (typeof BINETFLOW_REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

/** Argus column names that mark a line as a binetflow header, lower-cased. */
const ARGUS_COLUMNS = new Set([
  'starttime',
  'dur',
  'proto',
  'srcaddr',
  'sport',
  'dir',
  'dstaddr',
  'dport',
  'state',
  'label',
]);

const CHAR_SPACE = 32;

/** Slots of `BinetflowReader.values`, one per column read. */
const SRC_ADDR = 0;
const DST_ADDR = 1;
const DPORT = 2;
const PROTO = 3;
const START_TIME = 4;
const SPORT = 5;
const STATE = 6;
const LABEL = 7;
const SLOT_NAMES: readonly ColumnName[] = [...BINETFLOW_REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
const NON_EMPTY_SLOTS = [SRC_ADDR, DST_ADDR, PROTO];

/** Tells whether a first line is an Argus binetflow header: comma-separated and naming at least one Argus column. */
export function looksLikeBinetflowHeader(line: string): boolean {
  if (!line.includes(',')) {
    return false;
  }

  return splitHeader(line).some((name) => ARGUS_COLUMNS.has(name.toLowerCase()));
}

/**
 * Reads Argus bidirectional NetFlow CSV (`ra -c ,` output, as in CTU-13). Columns may come in any order and any
 * subset that includes the required ones. Header names are matched trimmed and case-insensitively. Values are
 * trimmed, because Argus pads some (for example `Dir`).
 */
export class BinetflowReader implements FlowLineReader {
  readonly format = 'binetflow';

  /** Field index of each slot, or -1 for an optional column the header lacks. Empty until the header is read. */
  private columnOfSlot: number[] = [];
  private fieldCount = 0;
  private header = '';
  /** Start offset of each field in the current line, plus one past the line end. Reused for every row. */
  private fieldStarts = new Int32Array(0);
  /** Raw values of the columns read from the current row, by slot. Reused for every row. */
  private readonly values: string[] = new Array<string>(SLOT_NAMES.length).fill('');

  read(line: string): Flow | string | null {
    if (this.fieldCount === 0) {
      this.readHeader(line);
      return null;
    }

    const reason = line.includes('"') ? this.splitQuoted(line) : this.splitPlain(line);
    const flow = reason ?? this.toFlow();

    // A copy of the header inside the file, as left by concatenating captures, is no row. Comparing only after a
    // row fails keeps the comparison off the path of good rows.
    return typeof flow === 'string' && line === this.header ? null : flow;
  }

  private readHeader(line: string): void {
    const names = splitHeader(line).map((name) => name.toLowerCase());
    const missing = BINETFLOW_REQUIRED_COLUMNS.filter((column) => !names.includes(column.toLowerCase()));
    if (missing.length > 0) {
      throw new CaptureFormatError(
        'MISSING_COLUMNS',
        `Binetflow header is missing the column(s) ${missing.join(', ')}. ` +
          `A binetflow capture must name ${BINETFLOW_REQUIRED_COLUMNS.join(', ')} in its first line. ` +
          `Found: ${quoteValue(line)}.`,
      );
    }

    this.columnOfSlot = SLOT_NAMES.map((column) => names.indexOf(column.toLowerCase()));
    this.fieldCount = names.length;
    this.header = line;
    this.fieldStarts = new Int32Array(names.length + 1);
  }

  /** Fills `values` from a line without quotes. Returns the reject reason, or null. */
  private splitPlain(line: string): string | null {
    const starts = this.fieldStarts;
    let fields = 1;
    let comma = line.indexOf(',');
    while (comma >= 0 && fields < this.fieldCount) {
      starts[fields++] = comma + 1;
      comma = line.indexOf(',', comma + 1);
    }

    if (fields < this.fieldCount || comma >= 0) {
      return this.fieldCountReason(line.split(',').length);
    }

    starts[fields] = line.length + 1;
    for (let slot = 0; slot < SLOT_NAMES.length; slot++) {
      const column = this.columnOfSlot[slot];
      this.values[slot] = column < 0 ? '' : sliceTrimmed(line, starts[column], starts[column + 1] - 1);
    }

    return null;
  }

  /** Fills `values` from a line with quoted fields. Returns the reject reason, or null. */
  private splitQuoted(line: string): string | null {
    const fields = splitQuotedCsvLine(line);
    if (fields === null) {
      return 'unterminated quoted field';
    }

    if (fields.length !== this.fieldCount) {
      return this.fieldCountReason(fields.length);
    }

    for (let slot = 0; slot < SLOT_NAMES.length; slot++) {
      const column = this.columnOfSlot[slot];
      this.values[slot] = column < 0 ? '' : fields[column].trim();
    }

    return null;
  }

  private fieldCountReason(found: number): string {
    return `expected ${this.fieldCount} fields as in the header, found ${found}`;
  }

  /** Builds the flow from `values`, or returns the reason a value is invalid. */
  private toFlow(): Flow | string {
    const values = this.values;
    for (const slot of NON_EMPTY_SLOTS) {
      if (values[slot] === '') {
        return `missing ${SLOT_NAMES[slot]}`;
      }
    }

    const sport = normalizePort(values[SPORT]);
    if (sport === null) {
      return `invalid Sport ${quoteValue(values[SPORT])}`;
    }

    const dport = normalizePort(values[DPORT]);
    if (dport === null) {
      return `invalid Dport ${quoteValue(values[DPORT])}`;
    }

    const startTime = values[START_TIME] === '' ? null : parseStartTime(values[START_TIME]);
    if (Number.isNaN(startTime)) {
      return `invalid StartTime ${quoteValue(values[START_TIME])}`;
    }

    return {
      startTime,
      srcAddr: values[SRC_ADDR],
      sport,
      dstAddr: values[DST_ADDR],
      dport,
      proto: values[PROTO].toLowerCase(),
      state: values[STATE],
      label: this.columnOfSlot[LABEL] < 0 ? null : values[LABEL],
    };
  }
}

function splitHeader(line: string): string[] {
  const names = line.includes('"') ? (splitQuotedCsvLine(line) ?? line.split(',')) : line.split(',');

  return names.map((name) => name.trim());
}

/** Slices `line` from `start` to `end` without surrounding spaces or control characters, in one allocation. */
function sliceTrimmed(line: string, start: number, end: number): string {
  while (start < end && line.charCodeAt(start) <= CHAR_SPACE) {
    start++;
  }

  while (end > start && line.charCodeAt(end - 1) <= CHAR_SPACE) {
    end--;
  }

  return line.slice(start, end);
}
