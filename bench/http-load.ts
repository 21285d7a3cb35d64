/**
 * HTTP load generator for bench/query.ts, started as a child process so that autocannon's CPU time and garbage
 * collection stay out of the benchmark process, which contains the model's vectors, tokens and index.
 *
 * Usage: BENCH_AUTHORIZATION='Bearer …' node dist/bench/http-load.js URL PATHS_FILE CONNECTIONS SECONDS
 * It sends GET requests to URL with autocannon, cycling through the request paths in PATHS_FILE (one a line),
 * with BENCH_AUTHORIZATION as the Authorization header, and prints one line of JSON (an HttpResult) on stdout.
 * The key travels in the environment so that it shows neither in the process list nor in a file.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import type { HttpResult } from './http-clients';

async function main(): Promise<void> {
  const [url, pathsFile, connectionsArgument, secondsArgument] = process.argv.slice(2);
  const connections = Number(connectionsArgument);
  const seconds = Number(secondsArgument);
  if (!url || !pathsFile || !(connections >= 1) || !(seconds > 0)) {
    throw new Error('Usage: BENCH_AUTHORIZATION=… node dist/bench/http-load.js URL PATHS_FILE CONNECTIONS SECONDS');
  }

  const paths = readFileSync(pathsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const authorization = process.env.BENCH_AUTHORIZATION;
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: authorization ? { authorization } : {},
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) }],
  });

  const output: HttpResult = {
    connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
  process.stdout.write(JSON.stringify(output) + '\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
