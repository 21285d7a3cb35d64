import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { DomainError } from '../common/domain-error';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { databaseExists, dataSourceOptions, migrateDatabase } from '../database/data-source';
import { ACCESS_ROLES, AccessRole, ApiKeyEntity } from '../entities/api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuditRecordRepository } from './audit-record.repository';
import { AuditTrail } from './audit-trail.service';

const USAGE = `Usage:
  npm run keys -- create --role reader|writer|admin --name NAME   create a key and print its secret once
  npm run keys -- list                                            list keys, revoked ones included
  npm run keys -- revoke ID                                       revoke a key

Connects to the database named by the DB_* environment variables, like the server. Creations and revocations
are recorded in the audit trail with actor cli:<OS user name>; a change whose record cannot be stored is not made.`;

/** Manages API keys directly in the database, for operators without an admin key at hand. */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, id] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }

  const config = loadConfig();
  // A mistyped or missing DB_NAME would otherwise create an empty database and list or store keys there.
  if (!(await databaseExists(config))) {
    throw new ConfigError(
      `Database "${config.DB_NAME}" does not exist on ${config.DB_HOST}:${config.DB_PORT}: set DB_NAME, DB_HOST and ` +
        'DB_PORT as for the server, or start the server once to create its database',
    );
  }
  await migrateDatabase(config);
  const context = await NestFactory.createApplicationContext(KeysCliModule.forConfig(config), { logger: ['error'] });

  try {
    const keys = context.get(ApiKeyService);
    const trail = context.get(AuditTrail);
    switch (command) {
      case 'create':
        await create(keys, trail, values.role, values.name);
        break;
      case 'list':
        (await keys.list()).forEach((key) => console.log(describeKey(key)));
        break;
      case 'revoke': {
        if (!id) {
          throw new ConfigError(`Missing key id: npm run keys -- revoke ID\n\n${USAGE}`);
        }
        const revoked = await audited(
          trail,
          'revoke',
          [id],
          () => keys.revoke(id),
          (key) => key.id,
        );
        console.log(describeKey(revoked));
        break;
      }
      default:
        throw new ConfigError(`Unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    await context.close();
  }
}

async function create(
  keys: ApiKeyService,
  trail: AuditTrail,
  role: string | undefined,
  name: string | undefined,
): Promise<void> {
  if (!ACCESS_ROLES.includes(role as AccessRole)) {
    throw new ConfigError(`Invalid --role "${role ?? ''}": use one of ${ACCESS_ROLES.join(', ')}`);
  }
  if (!name || name.length > 100) {
    throw new ConfigError('Missing or invalid --name: give the key a name of 1 to 100 characters');
  }

  const { key, secret } = await audited(
    trail,
    'create',
    [],
    () => keys.create(name, role as AccessRole),
    (created) => created.key.id,
  );
  console.log(describeKey(key));
  console.log(`secret (shown once, store it now): ${secret}`);
}

/**
 * Runs a key change with its audit record, which is stored first, as for API requests, so that a change is never
 * made without one. The action has the name the API records for the same change (`keys.create`, `keys.revoke`).
 */
async function audited<T>(
  trail: AuditTrail,
  command: 'create' | 'revoke',
  targetIds: string[],
  change: () => Promise<T>,
  keyIdOf: (result: T) => string,
): Promise<T> {
  const started = await trail.start({
    actor: `cli:${operatorName()}`,
    apiKeyId: null,
    apiKeyName: null,
    action: `keys.${command}`,
    request: `keys-cli ${command}`,
    targetIds,
  });

  try {
    const result = await change();
    await trail.finish(started, null, [keyIdOf(result)]);
    return result;
  } catch (error) {
    await trail.finish(started, error, []);
    throw error;
  }
}

/** Returns the name of the OS user running the CLI, or its uid when the system has no name for it. */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

function describeKey(key: ApiKeyEntity): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  return `${key.id}  ${key.role.padEnd(6)}  ${key.secretPrefix}…  ${state}  ${key.name}`;
}

@Module({})
class KeysCliModule {
  static forConfig(config: AppConfig) {
    return {
      module: KeysCliModule,
      imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(config))],
      providers: [ApiKeyRepository, ApiKeyService, AuditRecordRepository, AuditTrail],
    };
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if (error instanceof DomainError) {
    console.error(error.message);
  } else {
    console.error('npm run keys failed:', error);
  }
  process.exit(1);
});
