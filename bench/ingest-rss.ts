/**
 * Peak RSS of one process that parses a capture streamed several times over, as one large upload. Run by
 * bench/ingest.ts in a fresh process, because peak RSS never goes down within a process.
 *
 * Usage: node dist/bench/ingest-rss.js FILE COPIES
 * Prints flows, decompressed bytes and peak RSS in bytes as one JSON line.
 */
import { createReadStream } from 'node:fs';

import { parseCapture } from '../src/captures/capture-parser';

/** Streams `file` `copies` times back to back. Copies of a gzip file make one valid multi-member gzip stream. */
async function* repeated(file: string, copies: number): AsyncGenerator<Buffer> {
  for (let copy = 0; copy < copies; copy++) {
    yield* createReadStream(file) as AsyncIterable<Buffer>;
  }
}

async function main(): Promise<void> {
  const [file, copiesText] = process.argv.slice(2);
  const copies = Number(copiesText);
  if (file === undefined || !Number.isInteger(copies) || copies < 1) {
    throw new Error('Usage: node dist/bench/ingest-rss.js FILE COPIES, with COPIES a positive integer.');
  }

  const summary = await parseCapture(repeated(file, copies), () => undefined);
  // resourceUsage() reports maxRSS in kilobytes.
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  console.log(JSON.stringify({ flows: summary.flows, decompressedBytes: summary.decompressedBytes, maxRssBytes }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
