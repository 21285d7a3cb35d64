import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { isIP } from 'node:net';
import { AppConfig } from '../config/app-config';

/**
 * Adds the HTTP protections of the API server: security headers (helmet), CORS only for the origins in
 * CORS_ORIGINS, and a MAX_JSON_BODY_BYTES limit on JSON and URL-encoded bodies. Uploads are multipart and
 * limited by MAX_UPLOAD_BYTES instead.
 */
export function configureHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  // The GraphQL Playground page at GET /graphql loads its script from a CDN and runs an inline script, which
  // helmet's default Content-Security-Policy blocks, so /graphql gets every header of helmet except that one.
  const withPolicy = helmet();
  const withoutPolicy = helmet({ contentSecurityPolicy: false });
  app.use((request: Request, response: Response, next: NextFunction) =>
    request.path === '/graphql' ? withoutPolicy(request, response, next) : withPolicy(request, response, next),
  );
  app.useBodyParser('json', { limit: config.MAX_JSON_BODY_BYTES });
  app.useBodyParser('urlencoded', { limit: config.MAX_JSON_BODY_BYTES, extended: true });

  const origins = corsOrigins(config);
  if (origins.length > 0) {
    app.enableCors({
      origin: origins,
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type'],
      exposedHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'],
    });
  }
}

export function corsOrigins(config: AppConfig): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}

/** True for `localhost` and the loopback addresses 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') {
    return true;
  }
  if (isIP(bare) === 4) {
    return bare.startsWith('127.');
  }

  return bare === '::1' || /^::ffff:127\./i.test(bare);
}
