import { normalizePort, parseStartTime, quoteValue } from './capture-parse-fields';
import { CaptureFormatError } from './capture-parse.errors';
import type { FlowLineReader } from './capture-parse.types';
import type { Flow } from './flow.types';

/** conn.log fields every Zeek capture must have. */
export const ZEEK_REQUIRED_FIELDS = ['id.orig_h', 'id.resp_h', 'id.resp_p', 'proto'] as const;

/** Every conn.log field read, in the order of `ZeekTsvReader.columns`. */
const FIELDS = [...ZEEK_REQUIRED_FIELDS, 'id.orig_p', 'conn_state', 'ts'] as const;
type ZeekField = (typeof FIELDS)[number];

/**
 * Reads Zeek conn.log in its default TSV form: `#` directive lines (`#separator`, `#unset_field`, `#fields`, …)
 * followed by rows. A new `#fields` line, as in concatenated logs, replaces the columns from there on.
 */
export class ZeekTsvReader implements FlowLineReader {
  readonly format = 'zeek-tsv';

  private separator = '\t';
  private unsetField = '-';
  private emptyField = '(empty)';
  /** Field index of each name in `FIELDS`, or -1 when absent. Null until the `#fields` line is read. */
  private columns: number[] | null = null;
  private fieldCount = 0;

  read(line: string): Flow | string | null {
    if (line.startsWith('#')) {
      this.readDirective(line);
      return null;
    }

    if (this.columns === null) {
      throw new CaptureFormatError(
        'UNRECOGNISED_FORMAT',
        'Zeek TSV row comes before the #fields line. A conn.log must declare its fields in a #fields line first.',
      );
    }

    const fields = line.split(this.separator);
    if (fields.length !== this.fieldCount) {
      return `expected ${this.fieldCount} fields as in #fields, found ${fields.length}`;
    }

    return this.toFlow(fields, this.columns);
  }

  private readDirective(line: string): void {
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      return;
    }

    const parts = line.split(this.separator);
    const keyword = parts[0];
    if (keyword === '#unset_field') {
      this.unsetField = parts[1] ?? this.unsetField;
    } else if (keyword === '#empty_field') {
      this.emptyField = parts[1] ?? this.emptyField;
    } else if (keyword === '#fields') {
      this.readFields(parts.slice(1));
    }
  }

  private readFields(names: string[]): void {
    const missing = ZEEK_REQUIRED_FIELDS.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new CaptureFormatError(
        'MISSING_COLUMNS',
        `Zeek #fields line is missing ${missing.join(', ')}. A conn.log must have ${ZEEK_REQUIRED_FIELDS.join(', ')}.`,
      );
    }

    this.columns = FIELDS.map((name) => names.indexOf(name));
    this.fieldCount = names.length;
  }

  private toFlow(fields: string[], columns: number[]): Flow | string {
    const value = (name: ZeekField): string => {
      const column = columns[FIELDS.indexOf(name)];
      const text = column < 0 ? '' : fields[column];

      return text === this.unsetField || text === this.emptyField ? '' : text;
    };

    const ts = value('ts');

    return buildZeekFlow({
      srcAddr: value('id.orig_h'),
      sport: value('id.orig_p'),
      dstAddr: value('id.resp_h'),
      dport: value('id.resp_p'),
      proto: value('proto'),
      state: value('conn_state'),
      startTime: ts === '' ? null : parseStartTime(ts),
      rawStartTime: ts,
    });
  }
}

/** Reads Zeek conn.log written as JSON lines (`LogAscii::use_json`), with flat (`id.orig_h`) or nested (`id`) keys. */
export class ZeekJsonReader implements FlowLineReader {
  readonly format = 'zeek-json';

  read(line: string): Flow | string | null {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return 'invalid JSON';
    }

    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return 'expected a JSON object';
    }

    const fields = record as Record<string, unknown>;
    const id = typeof fields.id === 'object' && fields.id !== null ? (fields.id as Record<string, unknown>) : {};
    const field = (name: string): unknown => fields[`id.${name}`] ?? id[name];
    const ts = fields.ts;

    return buildZeekFlow({
      srcAddr: jsonText(field('orig_h')),
      sport: jsonText(field('orig_p')),
      dstAddr: jsonText(field('resp_h')),
      dport: jsonText(field('resp_p')),
      proto: jsonText(fields.proto),
      state: jsonText(fields.conn_state),
      startTime: jsonStartTime(ts),
      rawStartTime: jsonText(ts),
    });
  }
}

function jsonText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }

  return typeof value === 'number' ? String(value) : '';
}

/** Zeek writes `ts` as epoch seconds, or as ISO 8601 text when `LogAscii::json_timestamps` is `JSON::TS_ISO8601`. */
function jsonStartTime(ts: unknown): number | null {
  if (typeof ts === 'number') {
    return ts;
  }

  return typeof ts === 'string' ? parseStartTime(ts) : null;
}

interface ZeekValues {
  srcAddr: string;
  sport: string;
  dstAddr: string;
  dport: string;
  proto: string;
  state: string;
  /** Parsed start time: null when absent, NaN when invalid. */
  startTime: number | null;
  rawStartTime: string;
}

function buildZeekFlow(values: ZeekValues): Flow | string {
  if (values.srcAddr === '') {
    return 'missing id.orig_h';
  }

  if (values.dstAddr === '') {
    return 'missing id.resp_h';
  }

  if (values.proto === '') {
    return 'missing proto';
  }

  const sport = normalizePort(values.sport);
  if (sport === null) {
    return `invalid id.orig_p ${quoteValue(values.sport)}`;
  }

  const dport = normalizePort(values.dport);
  if (dport === null) {
    return `invalid id.resp_p ${quoteValue(values.dport)}`;
  }

  if (Number.isNaN(values.startTime)) {
    return `invalid ts ${quoteValue(values.rawStartTime)}`;
  }

  return {
    startTime: values.startTime,
    srcAddr: values.srcAddr,
    sport,
    dstAddr: values.dstAddr,
    dport,
    proto: values.proto.toLowerCase(),
    state: values.state,
    label: null,
  };
}

/** Decodes the `\xNN` escapes Zeek uses in directive values, for example `#separator \x09`. */
function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
