import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError } from 'commander';
import { CliError } from './api-client';

/** Most flows one classify request may carry; the server rejects more. */
export const MAX_FLOWS_PER_REQUEST = 1000;
/**
 * Largest binetflow text per classify request, in UTF-8 bytes. The route accepts 1,000,000 characters and the
 * server's default JSON body limit is 1 MiB, so this leaves room for JSON escaping and the rest of the body.
 */
export const MAX_ROWS_BYTES = 900_000;

/** Flow fields as the classify route takes them. */
export interface FlowFields {
  srcAddr: string;
  dstAddr: string;
  proto: string;
  sport?: string;
  dport?: string;
  state?: string;
}

const FIELD_NAMES: Record<string, keyof FlowFields> = {
  srcaddr: 'srcAddr',
  dstaddr: 'dstAddr',
  proto: 'proto',
  sport: 'sport',
  dport: 'dport',
  state: 'state',
};

/** Parses `--flow srcAddr=A,dstAddr=B,dport=53,proto=udp`; names are the binetflow columns, in any case. */
export function parseFlowFlag(value: string, previous: FlowFields[]): FlowFields[] {
  const fields: Partial<FlowFields> = {};
  for (const pair of value.split(',')) {
    const separator = pair.indexOf('=');
    const name = FIELD_NAMES[pair.slice(0, separator).trim().toLowerCase()];
    if (separator < 0 || name === undefined) {
      throw new InvalidArgumentError(
        `"${pair}" is not NAME=VALUE with NAME one of srcAddr, sport, dstAddr, dport, proto, state`,
      );
    }
    fields[name] = pair.slice(separator + 1).trim();
  }

  const missing = (['srcAddr', 'dstAddr', 'proto'] as const).filter((name) => !fields[name]);
  if (missing.length > 0) {
    throw new InvalidArgumentError(`"${value}" is missing ${missing.join(', ')}`);
  }

  return [...previous, fields as FlowFields];
}

/** Reads a binetflow file line by line: `-` is standard input, and a name ending in `.gz` is gunzipped. */
export function readLines(file: string): AsyncIterable<string> {
  const input: Readable = file === '-' ? process.stdin : createReadStream(file);
  const source = file.endsWith('.gz') ? input.pipe(createGunzip()) : input;

  return (async function* () {
    try {
      yield* createInterface({ input: source, crlfDelay: Infinity });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`Cannot read ${file === '-' ? 'standard input' : file}: ${code ?? (error as Error).message}`);
    }
  })();
}

/**
 * Splits binetflow text into request bodies for the classify route: each starts with the header line and carries
 * at most `maxRows` rows and `maxBytes` bytes. Blank lines are dropped.
 */
export async function* binetflowBatches(
  lines: AsyncIterable<string>,
  maxRows = MAX_FLOWS_PER_REQUEST,
  maxBytes = MAX_ROWS_BYTES,
): AsyncGenerator<string> {
  let header: string | null = null;
  let rows: string[] = [];
  let bytes = 0;
  let lineNumber = 0;

  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') {
      continue;
    }
    if (header === null) {
      header = line;
      bytes = Buffer.byteLength(header) + 1;
      continue;
    }

    const lineBytes = Buffer.byteLength(line) + 1;
    if (Buffer.byteLength(header) + 1 + lineBytes > maxBytes) {
      throw new CliError(`Line ${lineNumber} is longer than ${maxBytes} bytes, so no classify request can carry it`);
    }
    if (rows.length === maxRows || bytes + lineBytes > maxBytes) {
      yield `${header}\n${rows.join('\n')}\n`;
      rows = [];
      bytes = Buffer.byteLength(header) + 1;
    }
    rows.push(line);
    bytes += lineBytes;
  }

  if (rows.length > 0) {
    yield `${header}\n${rows.join('\n')}\n`;
  }
}
