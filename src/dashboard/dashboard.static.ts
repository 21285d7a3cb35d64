import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Output folder of the dashboard build, found from this file's compiled location (dist/src/dashboard). */
export const DASHBOARD_DIR = resolve(__dirname, '..', '..', 'dashboard');

/**
 * Serves the bundled dashboard at `/`. Every asset is in the bundle, so the page works without internet access.
 * A server built without the dashboard keeps serving the API and logs how to build it.
 */
export async function serveDashboard(app: NestFastifyApplication): Promise<void> {
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) {
    new Logger('Dashboard').warn(`No dashboard in ${DASHBOARD_DIR}; run "npm run build" to build it`);
    return;
  }

  // `wildcard: false` gives each file of the build its own route, read once at start. A catch-all route at `/`
  // would return its own 404 for unknown API paths instead of the API's JSON error.
  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
  });
}
