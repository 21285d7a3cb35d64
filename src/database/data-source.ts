import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { AuditRecordEntity } from '../entities/audit-record.entity';
import { CaptureEntity } from '../entities/capture.entity';
import { ClusterEntity } from '../entities/cluster.entity';
import { JobEntity } from '../entities/job.entity';
import { CutTokenEntity } from '../entities/cut-token.entity';
import { ModelEntity } from '../entities/model.entity';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { TokenEntity } from '../entities/token.entity';

const MIGRATION_LOCK_KEY = 728150201;

export const ENTITIES = [
  CaptureEntity,
  ModelEntity,
  ModelVersionEntity,
  TokenEntity,
  CutTokenEntity,
  JobEntity,
  ApiKeyEntity,
  AuditRecordEntity,
  ClusterEntity,
];

export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    host: config.DB_HOST,
    port: config.DB_PORT,
    username: config.DB_USER,
    password: config.DB_PASSWORD,
    database: config.DB_NAME,
    entities: ENTITIES,
    // Compiled migrations sit at dist/migrations, two levels above this file's dist/src/database.
    migrations: [join(__dirname, '..', '..', 'migrations', '*.js')],
    migrationsRun: false,
    synchronize: false,
  };
}

/** Connects to the server's `postgres` database, where databases are listed and created. */
async function connectToServer(config: AppConfig): Promise<Client> {
  const client = new Client({
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    database: 'postgres',
  });
  await client.connect();
  return client;
}

/** Returns whether the configured database exists. */
export async function databaseExists(config: AppConfig): Promise<boolean> {
  const client = await connectToServer(config);
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [config.DB_NAME]);
    return (existing.rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

/** Creates the configured database when it does not exist yet, connecting through the `postgres` database. */
export async function ensureDatabase(config: AppConfig): Promise<boolean> {
  if (await databaseExists(config)) {
    return false;
  }

  const client = await connectToServer(config);
  try {
    await client.query(`CREATE DATABASE "${config.DB_NAME.replaceAll('"', '""')}"`);
    return true;
  } catch (error) {
    // Two processes starting together can race to create the database; the second one finds it already exists.
    if ((error as { code?: string }).code === '42P04') {
      return false;
    }
    throw error;
  } finally {
    await client.end();
  }
}

/** Creates the database if needed and applies pending migrations. Returns the names of the migrations applied. */
export async function migrateDatabase(config: AppConfig): Promise<string[]> {
  await ensureDatabase(config);
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();

  try {
    // The advisory lock is held by one dedicated connection, so an API and a worker starting together
    // apply the migrations once: the second waits here and then finds nothing pending.
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockRunner.release();
    await dataSource.destroy();
  }
}
