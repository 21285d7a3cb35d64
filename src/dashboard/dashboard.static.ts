import { INestApplication, Logger } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Output folder of the dashboard build, found from this file's compiled location (dist/src/dashboard). */
export const DASHBOARD_DIR = resolve(__dirname, '..', '..', 'dashboard');

/** Paths the API serves. The dashboard's files are never looked up for them. */
const API_PATH = /^\/(api|graphql)(\/|$)/;

/**
 * Serves the bundled dashboard at `/`. Every asset is in the bundle, so the page works without internet access.
 * A server built without the dashboard keeps serving the API and logs how to build it.
 */
export function serveDashboard(app: INestApplication): void {
  if (!existsSync(join(DASHBOARD_DIR, 'index.html'))) {
    new Logger('Dashboard').warn(`No dashboard in ${DASHBOARD_DIR}; run "npm run build" to build it`);
    return;
  }

  // Without the path check every API request would first cost a file lookup in the dashboard folder.
  const assets = express.static(DASHBOARD_DIR, { index: 'index.html', fallthrough: true });
  app.use((request: Request, response: Response, next: NextFunction) =>
    API_PATH.test(request.path) ? next() : assets(request, response, next),
  );
}
