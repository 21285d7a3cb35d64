import { InvalidArgumentError } from 'commander';
import type { ApiClient } from './api-client';
import type { GlobalOptions } from './main';

/** The global options and an API client built from them; read when a command runs, after parsing. */
export type CommandContext = () => { options: GlobalOptions; client: ApiClient };

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return parsed;
}

export function nonNegativeInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`expected an integer of 0 or more, got "${value}"`);
  }
  return parsed;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Writes `value` as JSON with --json, else the human-readable text that `human` builds. */
export function print(options: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Columns padded to their widest cell, without trailing spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((cells) => cells[column].length)));
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Formats a share of 0..1 as a percentage with one decimal, and null as an empty cell. */
export function percent(share: number | null): string {
  return share === null ? '' : `${(share * 100).toFixed(1)}%`;
}
