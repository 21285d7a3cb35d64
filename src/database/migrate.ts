import { Logger } from '@nestjs/common';
import { loadConfig } from '../config/app-config';
import { migrateDatabase } from './data-source';

async function main(): Promise<void> {
  const logger = new Logger('Migrations');
  const applied = await migrateDatabase(loadConfig());
  logger.log(applied.length > 0 ? `Applied ${applied.join(', ')}` : 'Database is up to date');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
