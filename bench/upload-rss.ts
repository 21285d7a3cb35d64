import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { SHARED_DATA, startTestServer } from '../test/support/test-server';

const SOURCE = join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const TARGET_BYTES = 400 * 1024 * 1024;
/** Each copy of the capture starts this many seconds after the previous one, beyond its 2.15 h span. */
const COPY_SHIFT_SECONDS = 3 * 3600;

/** Shifts an Argus StartTime such as `2011/08/16 10:01:46.972101` by whole seconds. */
function shiftStartTime(value: string, seconds: number): string {
  const match = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/.exec(value);
  if (!match) {
    return value;
  }

  const [, year, month, day, hour, minute, second, fraction = ''] = match;
  const date = new Date(Date.UTC(+year, +month - 1, +day, +hour, +minute, +second) + seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}`;
}

/** Writes scenario 6 repeated with shifted start times until the file reaches `TARGET_BYTES`. */
async function buildLargeCapture(path: string): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;

  for (let copy = 0; written < TARGET_BYTES; copy++) {
    const lines = createInterface({ input: createReadStream(SOURCE).pipe(createGunzip()), crlfDelay: Infinity });
    let isHeader = true;
    for await (const line of lines) {
      if (isHeader) {
        isHeader = false;
        if (copy > 0) {
          continue;
        }
      }

      const comma = line.indexOf(',');
      const text =
        copy === 0 ? line : shiftStartTime(line.slice(0, comma), copy * COPY_SHIFT_SECONDS) + line.slice(comma);
      written += Buffer.byteLength(text) + 1;
      if (!out.write(`${text}\n`)) {
        await once(out, 'drain');
      }
    }
  }

  out.end();
  await once(out, 'finish');
  return written;
}

/** Resident set size of a process in bytes, from /proc. */
async function residentBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function main(): Promise<void> {
  const path = join(tmpdir(), `flow2vec-bench-${process.pid}.binetflow`);
  console.log('Building a capture of 400 MB or more from scenario 6 with shifted start times…');
  await buildLargeCapture(path);
  const size = (await stat(path)).size;

  const server = await startTestServer({ role: 'api' });
  try {
    const idleRss = await residentBytes(server.pid, 'VmRSS');
    let peakRss = idleRss;
    const sampler = setInterval(() => {
      residentBytes(server.pid, 'VmRSS').then(
        (rss) => (peakRss = Math.max(peakRss, rss)),
        () => undefined,
      );
    }, 50);

    const started = performance.now();
    const url = new URL('/api/v1/captures?fileName=scenario06x.binetflow', server.baseUrl);
    const { status, body } = await upload(url, path, server.adminKey);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const highWater = await residentBytes(server.pid, 'VmHWM');
    // Each run starts a server with an empty database, so anything but a new capture means the upload failed and
    // the time and memory measured are not those of an ingest.
    if (status !== 201) {
      throw new Error(`Upload failed with HTTP ${status}, expected 201: ${body.slice(0, 2000)}`);
    }

    const capture = JSON.parse(body);
    console.log(`upload status        ${status}, ${capture.flowCount} flows`);
    console.log(`capture size         ${(size / 1e6).toFixed(1)} MB`);
    console.log(`upload + parse       ${seconds.toFixed(1)} s, ${(size / 1e6 / seconds).toFixed(1)} MB/s`);
    console.log(`server RSS idle      ${(idleRss / 2 ** 20).toFixed(0)} MiB`);
    console.log(`server RSS peak      ${(Math.max(peakRss, highWater) / 2 ** 20).toFixed(0)} MiB (bar: < 300 MB)`);
  } finally {
    await server.stop();
    await rm(path, { force: true });
  }
}

function upload(url: URL, path: string, apiKey: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'text/csv', 'x-api-key': apiKey } },
      (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    createReadStream(path).pipe(request);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
