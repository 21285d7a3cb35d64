import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min, validateSync } from 'class-validator';

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

  /** Largest accepted upload in bytes. Default 2 GiB. */
  @Transform(toInt) @IsInt() @Min(1) MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
  /** Longest accepted capture line in characters. Default 65,536. */
  @Transform(toInt) @IsInt() @Min(256) MAX_LINE_LENGTH = 64 * 1024;
  /** Largest accepted ratio of decompressed to compressed size of a gzip upload; stops gzip bombs early. Default 100. */
  @Transform(toInt) @IsInt() @Min(2) MAX_DECOMPRESSION_RATIO = 100;
  /** An upload that sends no byte for this many milliseconds is aborted with 408. Default 30,000. */
  @Transform(toInt) @IsInt() @Min(100) UPLOAD_IDLE_TIMEOUT_MS = 30_000;
  /** Models whose HNSW index stays loaded in the API process. Default 4. */
  @Transform(toInt) @IsInt() @Min(1) INDEX_CACHE_MODELS = 4;
  /** Training jobs one worker process runs at the same time. Default 1. */
  @Transform(toInt) @IsInt() @Min(1) WORKER_CONCURRENCY = 1;

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

/** Builds the configuration from `env`, throwing one error that lists every invalid variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => known.includes(key) && value !== ''));
  const config = plainToInstance(AppConfig, present);
  const errors = validateSync(config, { forbidUnknownValues: false });

  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join('; ');
      return `  ${error.property}=${JSON.stringify(env[error.property])}: ${reasons}`;
    });
    throw new ConfigError(`Invalid environment variables:\n${lines.join('\n')}`);
  }

  return config;
}
