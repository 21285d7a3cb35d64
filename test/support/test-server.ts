import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';

/** Repository root, found from the compiled test's location (dist/test/support). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const SHARED_DATA = resolve(REPO_ROOT, '..', 'shared', 'data', 'ctu13');

/** A request to the test server. `apiKey` replaces the admin key sent by default; `null` sends no key. */
export interface TestRequestInit extends RequestInit {
  apiKey?: string | null;
}

export interface TestServer {
  baseUrl: string;
  /** Process id of the server, for measuring its memory. */
  pid: number;
  /** Admin API key the server was started with (FLOW2VEC_ADMIN_KEY); `fetch` sends it unless `apiKey` is given. */
  adminKey: string;
  dataDir: string;
  databaseName: string;
  queuePrefix: string;
  /** Runs SQL against the test's own database. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Sends a request to the server: `path` is relative to the server root (for example `/api/v1/models`).
   * Tests use this instead of the global fetch, so that credentials and defaults live in one place: it sends
   * the admin key as `Authorization: Bearer` unless `init.apiKey` names another key or is null.
   */
  fetch(path: string, init?: TestRequestInit): Promise<Response>;
  /** The server's output so far, for failure messages. */
  output(): string;
  /**
   * Starts one more process of the `worker` role against the same database, queue prefix and artifact directory,
   * and resolves once it listens to the queue. `stop` ends it too.
   */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

export interface WorkerProcess {
  pid: number;
  /** Sends `signal` and resolves with the exit code or signal once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<number | string>;
  output(): string;
  /** Resolves as soon as the process's output matches `pattern`; rejects if the process exits first. */
  waitForOutput(pattern: RegExp): Promise<RegExpExecArray>;
}

const PG = {
  host: process.env.DB_HOST ?? '127.0.0.1',
  port: Number(process.env.DB_PORT ?? 5432),
  user: process.env.DB_USER ?? 'postgres',
};
const REDIS = { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };

/**
 * Starts the compiled server (`dist/src/main.js`) with its own database, BullMQ prefix and artifact
 * directory, and resolves once it listens. `stop` ends it and drops everything it created.
 */
export async function startTestServer(
  options: { role?: string; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `flow2vec_test_${suffix}`;
  const queuePrefix = `flow2vec_test_${suffix}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'flow2vec-test-'));
  const adminKey = `f2v_test_${randomBytes(24).toString('base64url')}`;

  const serverEnv = {
    ...process.env,
    DB_HOST: PG.host,
    DB_PORT: String(PG.port),
    DB_USER: PG.user,
    DB_NAME: databaseName,
    REDIS_HOST: REDIS.host,
    REDIS_PORT: String(REDIS.port),
    QUEUE_PREFIX: queuePrefix,
    DATA_DIR: dataDir,
    PORT: '0',
    NO_COLOR: '1',
    HOST: '127.0.0.1',
    FLOW2VEC_ADMIN_KEY: adminKey,
    ...options.env,
  };
  const { child, output } = spawnRole(options.role ?? 'all', serverEnv);
  const workers: ChildProcess[] = [];

  let baseUrl: string;
  try {
    const match = await waitForOutput(child, output, /listening on (http:\/\/\S+)/);
    baseUrl = match[1].replace('[::1]', '127.0.0.1');
  } catch (error) {
    await dropEverything(databaseName, queuePrefix, dataDir);
    throw error;
  }
  const db = new Client({ ...PG, database: databaseName });
  await db.connect();

  return {
    baseUrl,
    pid: child.pid!,
    adminKey,
    dataDir,
    databaseName,
    queuePrefix,
    query: async (sql, params) => (await db.query(sql, params)).rows,
    fetch: (path, init = {}) => {
      const { apiKey = adminKey, ...request } = init;
      const headers = new Headers(request.headers);
      if (apiKey !== null && !headers.has('authorization')) {
        headers.set('authorization', `Bearer ${apiKey}`);
      }
      return fetch(`${baseUrl}${path}`, { ...request, headers });
    },
    output,
    startWorker: async (env = {}) => {
      const worker = spawnRole('worker', { ...serverEnv, ...env });
      workers.push(worker.child);
      await waitForOutput(worker.child, worker.output, /Worker started on queue/);
      return {
        pid: worker.child.pid!,
        output: worker.output,
        waitForOutput: (pattern) => waitForOutput(worker.child, worker.output, pattern),
        kill: (signal) => {
          const exited = new Promise<number | string>((resolvePromise) =>
            worker.child.once('exit', (code, exitSignal) => resolvePromise(code ?? exitSignal ?? 'unknown')),
          );
          worker.child.kill(signal);
          return exited;
        },
      };
    },
    stop: async () => {
      await Promise.all(workers.map((worker) => stopProcess(worker)));
      await stopProcess(child);
      await db.end();
      await dropEverything(databaseName, queuePrefix, dataDir);
    },
  };
}

function spawnRole(role: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'main.js'), '--role', role], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Resolves with the first match of `pattern` in the process's output; rejects if it exits first. */
function waitForOutput(child: ChildProcess, output: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const onData = () => {
      const match = pattern.exec(output());
      if (match) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolvePromise(match);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`process exited with code ${code} before printing ${pattern}:\n${output()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    onData();
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }

  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function dropEverything(databaseName: string, queuePrefix: string, dataDir: string): Promise<void> {
  const admin = new Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();

  const redis = new IORedis(REDIS);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      await redis.del(...keys);
    }
  } while (cursor !== '0');
  redis.disconnect();

  await rm(dataDir, { recursive: true, force: true });
}

/** Polls `check` until it returns a value, failing after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  describe: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 500));
  }
}

/** Parses the response body as JSON, typed loosely because tests check its shape with assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(response: Response): Promise<any> {
  return response.json();
}
