import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Role } from './app.module';
import { startApplication } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

const ROLES: Role[] = ['api', 'worker', 'all'];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
  const role = values.role as Role;
  if (!ROLES.includes(role)) {
    throw new ConfigError(`Invalid --role "${values.role}": use one of ${ROLES.join(', ')}`);
  }

  await startApplication(role, loadConfig());
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('flow2vec failed to start:', error);
  }
  process.exit(1);
});
