import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min, validateSync, ValidateIf } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/**
 * Every setting flow2vec reads from the environment. Nothing else reads `process.env`;
 * `loadConfig` validates it once at boot and reports every bad variable together.
 */
export class AppConfig {
  /** PostgreSQL host. Default `127.0.0.1`. */
  @IsString() @IsNotEmpty() DB_HOST = '127.0.0.1';
  /** PostgreSQL port. Default 5432. */
  @Transform(toInt) @IsInt() @Min(1) @Max(65535) DB_PORT = 5432;
  @IsString() @IsNotEmpty() DB_USER = 'postgres';
  @IsString() DB_PASSWORD = '';
  /** Database name; it is created on start if it does not exist. Default `flow2vec`. */
  @IsString() @IsNotEmpty() DB_NAME = 'flow2vec';

  /** Redis host for BullMQ. Default `127.0.0.1`. */
  @IsString() @IsNotEmpty() REDIS_HOST = '127.0.0.1';
  @Transform(toInt) @IsInt() @Min(1) @Max(65535) REDIS_PORT = 6379;
  @IsString() REDIS_PASSWORD = '';
  /** Prefix of every BullMQ key in Redis, so several deployments can share one Redis. Default `flow2vec`. */
  @IsString() @IsNotEmpty() QUEUE_PREFIX = 'flow2vec';

  /** Artifact directory: capture files, vectors and index files. Default `./data`. */
  @IsString() @IsNotEmpty() DATA_DIR = './data';

  /** HTTP port of the API. Default 3000. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  /** Address the API listens on. Default `127.0.0.1`. */
  @IsString() @IsNotEmpty() HOST = '127.0.0.1';
  /**
   * API processes sharing PORT (node:cluster) for the `api` and `all` roles. Each one keeps its own loaded models
   * within INDEX_CACHE_MB, so memory grows with the count. Default 1.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(256) API_PROCESSES = 1;

  /** Largest accepted upload in bytes. Default 2 GiB. */
  @Transform(toInt) @IsInt() @Min(1) MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
  /** Maximum capture line length in bytes, line end excluded. A longer line is rejected with 422. Default 65,536. */
  @Transform(toInt) @IsInt() @Min(256) MAX_LINE_LENGTH = 64 * 1024;
  /** Largest accepted ratio of decompressed to compressed size of a gzip upload; stops gzip bombs early. Default 100. */
  @Transform(toInt) @IsInt() @Min(2) MAX_DECOMPRESSION_RATIO = 100;
  /** An upload that sends no byte for this many milliseconds is aborted with 408. Default 30,000. */
  @Transform(toInt) @IsInt() @Min(100) UPLOAD_IDLE_TIMEOUT_MS = 30_000;
  /**
   * Maximum time in milliseconds for one HTTP request to arrive, from its first byte to the end of its body
   * (Node's `server.requestTimeout`). When it runs out, the client gets 408 and the connection is closed. It bounds
   * how long a client sending slowly but steadily can hold a connection, while UPLOAD_IDLE_TIMEOUT_MS catches an
   * upload that stops. Node checks it every 30 s, so the 408 can come up to 30 s late. 0 turns the limit off.
   * Default 21,600,000 (6 hours), enough for 2 GiB at 1 Mbit/s.
   */
  @Transform(toInt) @IsInt() @Min(0) HTTP_REQUEST_TIMEOUT_MS = 6 * 3600 * 1000;
  /**
   * Memory budget in MiB for the models the API keeps loaded (HNSW index, unit vectors and vocabulary).
   * The least recently used models are unloaded beyond it; one model larger than the budget is still served.
   * Default 2048.
   */
  @Transform(toInt) @IsInt() @Min(1) INDEX_CACHE_MB = 2048;
  /** Training jobs one worker process runs at the same time. Default 1. */
  @Transform(toInt) @IsInt() @Min(1) WORKER_CONCURRENCY = 1;
  /** Most frequent tokens of a model drawn on its 2-D map; 0 skips the map. Default 20000. */
  @Transform(toInt) @IsInt() @Min(0) PROJECTION_MAX_TOKENS = 20_000;

  /**
   * Admin API key the server accepts from its first start on (at least 32 characters from
   * `[A-Za-z0-9_-]`). Unset by default: the first start on a loopback HOST then creates an admin key
   * and prints it once.
   */
  @ValidateIf((config: AppConfig) => config.FLOW2VEC_ADMIN_KEY !== '')
  @Matches(/^[A-Za-z0-9_-]{32,256}$/, { message: 'FLOW2VEC_ADMIN_KEY must be 32 to 256 characters from [A-Za-z0-9_-]' })
  FLOW2VEC_ADMIN_KEY = '';
  /** Requests one API key may make per minute, counted in Redis across all API processes. Default 600. */
  @Transform(toInt) @IsInt() @Min(1) RATE_LIMIT_PER_MINUTE = 600;
  /** Largest accepted JSON request body in bytes; uploads use MAX_UPLOAD_BYTES. Default 1 MiB. */
  @Transform(toInt) @IsInt() @Min(1) MAX_JSON_BODY_BYTES = 1024 ** 2;
  /** Deepest accepted nesting of GraphQL selections. Default 8. */
  @Transform(toInt) @IsInt() @Min(1) GRAPHQL_MAX_DEPTH = 8;
  /** Highest accepted GraphQL query complexity: one per field, list fields times their `limit` or `k`. Default 20000. */
  @Transform(toInt) @IsInt() @Min(1) GRAPHQL_MAX_COMPLEXITY = 20_000;
  /** Comma-separated origins allowed to call the API from a browser. Empty by default, which sends no CORS headers. */
  @IsString() CORS_ORIGINS = '';

  /**
   * BullMQ lock duration of a running training job, in milliseconds. The worker renews the lock every half of it;
   * a job whose lock lapses (its worker died) is taken over by another worker after at most about twice this.
   * Default 30,000.
   */
  @Transform(toInt) @IsInt() @Min(1000) JOB_LOCK_MS = 30_000;
  /** Delay before the first retry of a failed training job, in milliseconds; each later retry doubles it. Default 5,000. */
  @Transform(toInt) @IsInt() @Min(0) RETRY_DELAY_MS = 5_000;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose']) LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

export class ConfigError extends Error {}

/** Variables whose values never appear in error messages. */
const SECRET_VARIABLES = new Set(['DB_PASSWORD', 'REDIS_PASSWORD', 'FLOW2VEC_ADMIN_KEY']);

/** Builds the configuration from `env`, throwing one error that lists every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, present);
  const errors = validateSync(config, { forbidUnknownValues: false });

  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join('; ');
      const value = SECRET_VARIABLES.has(error.property) ? '(hidden)' : JSON.stringify(env[error.property]);
      return `  ${error.property}=${value}: ${reasons}`;
    });
    throw new ConfigError(`Invalid environment variables:\n${lines.join('\n')}`);
  }

  return config;
}
