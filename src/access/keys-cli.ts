import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import { DomainError } from '../common/domain-error';
import { AppConfig, ConfigError, loadConfig } from '../config/app-config';
import { ConfigModule } from '../config/config.module';
import { databaseExists, dataSourceOptions, migrateDatabase } from '../database/data-source';
import { ACCESS_ROLES, AccessRole, ApiKeyEntity } from '../entities/api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';

const USAGE = `Usage:
  npm run keys -- create --role reader|writer|admin --name NAME   create a key and print its secret once
  npm run keys -- list                                            list keys, revoked ones included
  npm run keys -- revoke ID                                       revoke a key

Connects to the database named by the DB_* environment variables, like the server.`;

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
    switch (command) {
      case 'create':
        await create(keys, values.role, values.name);
        break;
      case 'list':
        (await keys.list()).forEach((key) => console.log(describeKey(key)));
        break;
      case 'revoke':
        if (!id) {
          throw new ConfigError(`Missing key id: npm run keys -- revoke ID\n\n${USAGE}`);
        }
        console.log(describeKey(await keys.revoke(id)));
        break;
      default:
        throw new ConfigError(`Unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    await context.close();
  }
}

async function create(keys: ApiKeyService, role: string | undefined, name: string | undefined): Promise<void> {
  if (!ACCESS_ROLES.includes(role as AccessRole)) {
    throw new ConfigError(`Invalid --role "${role ?? ''}": use one of ${ACCESS_ROLES.join(', ')}`);
  }
  if (!name || name.length > 100) {
    throw new ConfigError('Missing or invalid --name: give the key a name of 1 to 100 characters');
  }

  const { key, secret } = await keys.create(name, role as AccessRole);
  console.log(describeKey(key));
  console.log(`secret (shown once, store it now): ${secret}`);
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
      providers: [ApiKeyRepository, ApiKeyService],
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
