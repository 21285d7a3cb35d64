import { INestApplication, INestApplicationContext, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import cluster, { Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { prepareApiKeys } from './access/api-key-startup';
import { ApiKeyService } from './access/api-key.service';
import { configureHttpSecurity } from './access/http-security';
import { AppModule, Role } from './app.module';
import { ArtifactRepository } from './artifacts/artifact.repository';
import { API_PREFIX } from './common/api-prefix';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { serveDashboard } from './dashboard/dashboard.static';
import { migrateDatabase } from './database/data-source';
import { buildOpenApiDocument } from './openapi';

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
/** Longest path parameter in characters, as sent (URL-encoded). */
const MAX_PATH_PARAMETER_LENGTH = 4096;

/**
 * Creates the HTTP adapter under Nest: Fastify rather than Express. Under load Express gives every request and
 * response a new prototype, so the garbage collector promotes those objects and later compacts them, which cost
 * the most-similar route much of its throughput and p99 latency (docs/benchmarks.md). JSON bodies above
 * MAX_JSON_BODY_BYTES get a 413. Fastify sends neither an ETag nor X-Powered-By.
 */
export function createHttpAdapter(config: Pick<AppConfig, 'MAX_JSON_BODY_BYTES'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.MAX_JSON_BODY_BYTES,
    routerOptions: {
      // A token is a path parameter, and a URL-encoded IPv6 flow's token with its label exceeds Fastify's default
      // limit of 100 characters, above which Fastify rejects the request with 414.
      maxParamLength: MAX_PATH_PARAMETER_LENGTH,
      ignoreTrailingSlash: true,
    },
  });
}

/** Applies the HTTP conventions shared by the server and the tests: prefix, validation, error format. */
export function configureHttp(app: INestApplication, config: Pick<AppConfig, 'MAX_JSON_BODY_BYTES'>): void {
  app.setGlobalPrefix(API_PREFIX, { exclude: ['graphql'] });
  app.useGlobalFilters(new HttpExceptionFilter(config.MAX_JSON_BODY_BYTES));
  app.useGlobalPipes(createValidationPipe());
}

/**
 * Sets how long one request may take to arrive, body included. Node 18 and later otherwise end a request whose body
 * is still arriving after 300 s with 408, which would cut off a large capture upload over a slow link.
 */
function setRequestTimeout(server: Server, timeoutMs: number): void {
  server.requestTimeout = timeoutMs;

  // http.createServer caps the headers timeout (60 s by default) by a request timeout passed to it. On Node 20.20, a
  // request timeout set after creation and shorter than the headers timeout never fired, so the cap is repeated here.
  if (timeoutMs > 0) {
    server.headersTimeout = Math.min(server.headersTimeout, timeoutMs);
  }
}

/**
 * Starts a role in this process. `shutdownHooks: false` leaves SIGTERM and SIGINT to the caller, which then closes
 * the returned application itself.
 */
export async function startApplication(
  role: Role,
  config: AppConfig,
  { shutdownHooks = true } = {},
): Promise<INestApplicationContext> {
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
    if (shutdownHooks) {
      context.enableShutdownHooks();
    }
    await context.init();
    return context;
  }

  // configureHttpSecurity registers the body parsers, so Nest's own are left out.
  const app = await NestFactory.create<NestFastifyApplication>(module, createHttpAdapter(config), {
    logger: logLevels,
    bodyParser: false,
  });
  setRequestTimeout(app.getHttpServer(), config.HTTP_REQUEST_TIMEOUT_MS);
  const artifacts = app.get(ArtifactRepository);
  await artifacts.ensureLayout();
  await prepareApiKeys(app.get(ApiKeyService), config, logger);
  configureHttpSecurity(app, config);
  configureHttp(app, config);
  await serveDashboard(app);
  SwaggerModule.setup('api/docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
  if (shutdownHooks) {
    app.enableShutdownHooks();
  }
  await app.listen(config.PORT, config.HOST);
  logger.log(`API (${role}) listening on ${await app.getUrl()}`);
  return app;
}

/**
 * Runs the API in API_PROCESSES child processes that share one port through node:cluster, whose primary (this
 * process) hands connections to them in turn. With the `all` role this process also runs the worker role.
 * An API process that dies after it started listening is replaced; one that fails to start stops everything.
 * SIGTERM or SIGINT stops the API processes, then the worker role, then exits.
 */
export async function startApiProcesses(role: 'api' | 'all', config: AppConfig): Promise<void> {
  const logger = new Logger('flow2vec');
  const worker = role === 'all' ? await startApplication('worker', config, { shutdownHooks: false }) : null;
  let stopping = false;

  // cluster.workers also lists processes still starting, so that none is left behind.
  const stop = async () => {
    stopping = true;
    await Promise.all(Object.values(cluster.workers ?? {}).map((apiProcess) => stopApiProcess(apiProcess!)));
    await worker?.close();
  };
  const stopAndExit = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }

    logger.log(`Received ${signal}: stopping the API processes`);
    void stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stopAndExit);
  process.on('SIGINT', stopAndExit);

  const start = async () => {
    const apiProcess = await forkApiProcess();
    apiProcess.once('exit', (code, signal) => {
      if (stopping) {
        return;
      }

      logger.error(`API process ${apiProcess.process.pid} exited with ${signal ?? code}; starting a replacement`);
      start().catch((error: Error) => {
        if (stopping) {
          return;
        }

        logger.error(`The replacement API process failed to start; stopping: ${error.message}`, error.stack);
        void stop().then(() => process.exit(1));
      });
    });
  };

  try {
    // One after another, so that only the first applies migrations and creates the first admin key.
    for (let started = 0; started < config.API_PROCESSES; started++) {
      await start();
    }
  } catch (error) {
    if (stopping) {
      return;
    }

    await stop();
    throw error;
  }
  logger.log(`${config.API_PROCESSES} API processes are listening`);
}

/** Forks an API process and resolves once it listens; rejects if it exits first. */
function forkApiProcess(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const apiProcess = cluster.fork();
    const onExit = (code: number, signal: string | null) =>
      reject(new Error(`API process ${apiProcess.process.pid} exited with ${signal ?? code} before listening`));
    apiProcess.once('exit', onExit);
    apiProcess.once('listening', () => {
      apiProcess.off('exit', onExit);
      resolve(apiProcess);
    });
  });
}

/** Sends SIGTERM, which the process's Nest shutdown hooks handle, and resolves once it has exited. */
function stopApiProcess(apiProcess: Worker): Promise<void> {
  if (apiProcess.isDead()) {
    return Promise.resolve();
  }

  return new Promise((resolve) => {
    apiProcess.once('exit', () => resolve());
    apiProcess.process.kill('SIGTERM');
  });
}
