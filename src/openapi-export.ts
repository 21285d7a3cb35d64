import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { AppModule } from './app.module';
import { configureHttp, createHttpAdapter } from './bootstrap';
import { loadConfig } from './config/app-config';
import { buildOpenApiDocument } from './openapi';

/**
 * Writes `openapi.yaml` at the repository root from the controllers' decorators. The application is created
 * in preview mode, so no database or Redis connection is needed.
 */
async function main(): Promise<void> {
  const config = loadConfig({});
  const app = await NestFactory.create(AppModule.forRole('api', config), createHttpAdapter(config), {
    preview: true,
    logger: ['error'],
  });
  configureHttp(app, config);
  const document = buildOpenApiDocument(app);
  const target = resolve(__dirname, '..', '..', 'openapi.yaml');
  await writeFile(target, stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 }));
  await app.close();
  console.log(`Wrote ${target}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
