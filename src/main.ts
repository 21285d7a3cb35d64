import 'reflect-metadata';
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { Role } from './app.module';
import { startApiProcesses, startApplication } from './bootstrap';
import { ConfigError, loadConfig } from './config/app-config';

const ROLES: Role[] = ['api', 'worker', 'all'];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
  const role = values.role as Role;
  if (!ROLES.includes(role)) {
    throw new ConfigError(`Invalid --role "${values.role}": use one of ${ROLES.join(', ')}`);
  }

  const config = loadConfig();
  if (cluster.isWorker) {
    // A process forked by startApiProcesses: it serves the API only, whatever role the primary runs.
    await startApplication('api', config);
  } else if (role !== 'worker' && config.API_PROCESSES > 1) {
    await startApiProcesses(role, config);
  } else {
    await startApplication(role, config);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('flow2vec failed to start:', error);
  }
  process.exit(1);
});
