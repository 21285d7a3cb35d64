import {
  Logger,
  LogLevel,
  ValidationError,
  ValidationPipe,
  BadRequestException,
  INestApplication,
  INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { prepareApiKeys } from './access/api-key-startup';
import { ApiKeyService } from './access/api-key.service';
import { configureHttpSecurity } from './access/http-security';
import { AppModule, Role } from './app.module';
import { ArtifactRepository } from './artifacts/artifact.repository';
import { API_PREFIX } from './common/api-prefix';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { AppConfig } from './config/app-config';
import { serveDashboard } from './dashboard/dashboard.static';
import { migrateDatabase } from './database/data-source';
import { buildOpenApiDocument } from './openapi';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Turns class-validator errors into one message that names every bad field, nested ones by their path. */
export function validationMessage(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((constraint) => constraint.replace(error.property, path));
    return [...own, ...validationMessage(error.children ?? [], path)];
  });
}

/** Applies the HTTP conventions shared by the server and the tests: prefix, validation, error format. */
export function configureHttp(app: INestApplication): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['graphql'] });
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) => new BadRequestException(validationMessage(errors)),
    }),
  );
}

export async function startApplication(role: Role, config: AppConfig): Promise<INestApplicationContext> {
  const logger = new Logger('flow2vec');
  const logLevels = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.LOG_LEVEL) + 1);

  const applied = await migrateDatabase(config);
  if (applied.length > 0) {
    logger.log(`Applied migrations: ${applied.join(', ')}`);
  }

  const module = AppModule.forRole(role, config);
  if (role === 'worker') {
    const context = await NestFactory.createApplicationContext(module, { logger: logLevels });
    await context.get(ArtifactRepository).ensureLayout();
    context.enableShutdownHooks();
    await context.init();
    return context;
  }

  const app = await NestFactory.create<NestExpressApplication>(module, { logger: logLevels });
  const artifacts = app.get(ArtifactRepository);
  await artifacts.ensureLayout();
  await prepareApiKeys(app.get(ApiKeyService), config, logger);
  configureHttpSecurity(app, config);
  configureHttp(app);
  serveDashboard(app);
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
  app.enableShutdownHooks();
  await app.listen(config.PORT, config.HOST);
  logger.log(`API (${role}) listening on ${await app.getUrl()}`);
  return app;
}
