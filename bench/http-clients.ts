/**
 * HTTP load generators of bench/query.ts. Each measurement runs in a process of its own: autocannon in
 * dist/bench/http-load.js, wrk (4.1, one thread) as itself with a Lua script written here. Both send the admin
 * key from the environment variable BENCH_AUTHORIZATION, never on a command line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export const HTTP_CLIENTS = ['autocannon', 'wrk'] as const;
export type HttpClient = (typeof HTTP_CLIENTS)[number];

/** One measurement: GET requests cycling through the paths in `pathsFile` (one a line). */
export interface HttpLoad {
  /** Server root, for example http://127.0.0.1:3000. */
  baseUrl: string;
  /** Value of the Authorization header. */
  authorization: string;
  pathsFile: string;
  connections: number;
  seconds: number;
}

export interface HttpResult {
  connections: number;
  /** Completed requests. */
  requests: number;
  requestsPerSecond: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Responses that were not 2xx (autocannon) or had a status above 399 (wrk). */
  non2xx: number;
}

/** Prefix of the line that the wrk script prints in `done()`, to tell it apart from the summary wrk prints. */
const WRK_RESULT_PREFIX = 'flow2vec-wrk-result ';

/**
 * wrk script: each thread formats every request once in `init` (the paths file is the script's first argument)
 * and `request` returns them in turn. `done` prints the counts and the latency percentiles in microseconds.
 */
const WRK_SCRIPT = `-- Written by bench/query.ts for wrk 4.1; see bench/http-clients.ts.
local prepared = {}
local count = 0

function init(args)
  wrk.headers["Authorization"] = os.getenv("BENCH_AUTHORIZATION")
  for line in io.lines(args[1]) do
    if line ~= "" then
      prepared[#prepared + 1] = wrk.format("GET", line)
    end
  end
end

function request()
  count = count + 1
  return prepared[(count - 1) % #prepared + 1]
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '${WRK_RESULT_PREFIX}{"requests":%d,"durationMicroseconds":%d,"p50Microseconds":%d,"p99Microseconds":%d,' ..
      '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.connect, errors.read, errors.write, errors.timeout, errors.status))
end
`;

/** Returns the full path of `command` in a PATH folder, or undefined if no folder has it as an executable. */
export function findOnPath(command: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder === '') {
      continue;
    }
    const candidate = path.join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/**
 * Returns the clients that `--client` selects. Without the option, both run if wrk is on PATH, else autocannon
 * alone, and a line on stderr reports that wrk is missing.
 */
export function selectClients(option: string | undefined): HttpClient[] {
  const wrkInstalled = findOnPath('wrk') !== undefined;
  if (option === undefined) {
    if (wrkInstalled) {
      return [...HTTP_CLIENTS];
    }
    console.error('wrk is not installed, so only autocannon measures HTTP; `apt-get install wrk` adds it.');
    return ['autocannon'];
  }

  let clients: HttpClient[];
  if (option === 'both') {
    clients = [...HTTP_CLIENTS];
  } else if (option === 'autocannon' || option === 'wrk') {
    clients = [option];
  } else {
    throw new Error(`Invalid --client "${option}": expected autocannon, wrk or both`);
  }
  if (clients.includes('wrk') && !wrkInstalled) {
    throw new Error(`--client ${option} needs wrk, which is not on PATH; install it with \`apt-get install wrk\``);
  }
  return clients;
}

/** Returns the client's name and version for the report, for example "autocannon 8.0.0". */
export function describeClient(client: HttpClient): string {
  if (client === 'autocannon') {
    const manifest = JSON.parse(readFileSync(require.resolve('autocannon/package.json'), 'utf8'));
    return `autocannon ${manifest.version}`;
  }

  // `wrk -v` of Debian's wrk 4.1 prints "wrk debian/4.1.0-3+b2 [epoll] Copyright …" and exits with status 1.
  const banner = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout ?? '';
  const version = /^wrk (\S+)/.exec(banner)?.[1];
  return version ? `wrk ${version}` : 'wrk';
}

/** Writes the wrk Lua script into `folder` and returns its path. */
export async function writeWrkScript(folder: string): Promise<string> {
  const scriptPath = path.join(folder, 'similar.lua');
  await writeFile(scriptPath, WRK_SCRIPT);
  return scriptPath;
}

/** Runs one measurement with `client` in a process of its own. `wrkScript` is the path from writeWrkScript. */
export async function measureHttp(client: HttpClient, load: HttpLoad, wrkScript: string): Promise<HttpResult> {
  return client === 'autocannon' ? runAutocannon(load) : runWrk(load, wrkScript);
}

async function runAutocannon(load: HttpLoad): Promise<HttpResult> {
  const script = path.join(__dirname, 'http-load.js');
  const args = [script, load.baseUrl, load.pathsFile, String(load.connections), String(load.seconds)];
  const stdout = await runProcess(process.execPath, args, load);
  return JSON.parse(stdout.trim().split('\n').pop()!) as HttpResult;
}

async function runWrk(load: HttpLoad, wrkScript: string): Promise<HttpResult> {
  const args = [
    '-t1',
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    // autocannon's default timeout, so that both clients count a timeout alike.
    '--timeout',
    '10s',
    '-s',
    wrkScript,
    `${load.baseUrl}/`,
    '--',
    load.pathsFile,
  ];
  const stdout = await runProcess('wrk', args, load);
  const line = stdout.split('\n').find((entry) => entry.startsWith(WRK_RESULT_PREFIX));
  if (line === undefined) {
    throw new Error(`wrk printed no result line; its output was:\n${stdout}`);
  }

  const result = JSON.parse(line.slice(WRK_RESULT_PREFIX.length));
  return {
    connections: load.connections,
    requests: result.requests,
    requestsPerSecond: result.requests / (result.durationMicroseconds / 1e6),
    p50: result.p50Microseconds / 1000,
    p99: result.p99Microseconds / 1000,
    errors: result.connect + result.read + result.write + result.timeout,
    non2xx: result.status,
  };
}

/**
 * Runs a load generator with the Authorization header in its environment and resolves with its stdout. Its
 * stderr passes through. It is killed if it runs a minute longer than the measurement.
 */
function runProcess(command: string, args: string[], load: HttpLoad): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, BENCH_AUTHORIZATION: load.authorization },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: (load.seconds + 60) * 1000,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(stdout);
      } else {
        reject(new Error(`${path.basename(command)} exited with ${code ?? signal}; its output was:\n${stdout}`));
      }
    });
  });
}
