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
  stop(): Promise<void>;
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

  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'main.js'), '--role', options.role ?? 'all'], {
    env: {
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
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));

  let baseUrl: string;
  try {
    baseUrl = await waitForListening(child, () => output);
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
    output: () => output,
    stop: async () => {
      await stopProcess(child);
      await db.end();
      await dropEverything(databaseName, queuePrefix, dataDir);
    },
  };
}

function waitForListening(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output());
      if (match) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        resolvePromise(match[1].replace('[::1]', '127.0.0.1'));
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`server exited with code ${code} before listening:\n${output()}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
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

/** The response body as JSON, typed loosely because tests check its shape with assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(response: Response): Promise<any> {
  return response.json();
}
