import { UnsupportedMediaTypeException } from '@nestjs/common';
import { RouteConfig, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { isIP } from 'node:net';
import { AppConfig } from '../config/app-config';

interface StreamedBodyConfig {
  streamedBody?: boolean;
}

/**
 * Marks a route that reads its request body as a stream, in any media type; the body reaches it unread. Other
 * routes take JSON bodies only.
 */
export const STREAMED_BODY = () => RouteConfig({ streamedBody: true } satisfies StreamedBodyConfig);

/**
 * Adds the HTTP protections of the API server: security headers (helmet), CORS only for the origins in
 * CORS_ORIGINS, and the body parsers: JSON within the Fastify adapter's `bodyLimit` (MAX_JSON_BODY_BYTES), and
 * other bodies left unread for the routes that stream them, which MAX_UPLOAD_BYTES limits instead.
 */
export function configureHttpSecurity(app: NestFastifyApplication, config: AppConfig): void {
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();

  // Helmet's middleware is built once and sets its headers on Node's response, which Fastify's reply keeps. It
  // leaves out `upgrade-insecure-requests`: a server reached over plain HTTP beyond loopback (the compose set-up,
  // for example) would otherwise have browsers ask for the dashboard's files over HTTPS, which it does not serve.
  const securityHeaders = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  fastify.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );

  // JSON is the only media type parsed here, within the adapter's body limit. Routes marked STREAMED_BODY (capture
  // and vector uploads) read the request stream themselves without buffering it, so a body of any other type
  // reaches them unread. Every other route rejects such a body with 415. An empty body sent as JSON,
  // from a client that sets Content-Type on every request, reads as no body instead of a 400, so that such a
  // client can cancel a job or retrain a model with its settings unchanged.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  );
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    if ((request.routeOptions.config as StreamedBodyConfig).streamedBody) {
      done(null, undefined);
      return;
    }

    const type = request.headers['content-type'];
    done(
      new UnsupportedMediaTypeException(
        `Unsupported Content-Type "${type}": send the body as JSON with Content-Type: application/json`,
      ),
    );
  });

  const origins = corsOrigins(config);
  if (origins.length > 0) {
    app.enableCors({
      origin: origins,
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
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
