import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, DomainErrorCode } from './domain-error';

export function httpStatusOf(code: DomainErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return HttpStatus.BAD_REQUEST;
    case 'CAPTURE_NOT_FOUND':
    case 'MODEL_NOT_FOUND':
    case 'JOB_NOT_FOUND':
    case 'TOKEN_NOT_FOUND':
    case 'API_KEY_NOT_FOUND':
    case 'PROJECTION_NOT_FOUND':
    case 'CLUSTER_NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'MODEL_NOT_READY':
    case 'CAPTURE_IN_USE':
    case 'JOB_FINISHED':
    case 'RESULT_NOT_AVAILABLE':
      return HttpStatus.CONFLICT;
    case 'UPLOAD_TIMEOUT':
      return HttpStatus.REQUEST_TIMEOUT;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return HttpStatus.UNSUPPORTED_MEDIA_TYPE;
    case 'CAPTURE_UNREADABLE':
    case 'VECTORS_UNREADABLE':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'UPLOAD_TOO_LARGE':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'INDEX_UNAVAILABLE':
    case 'AUDIT_UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'UNAUTHENTICATED':
      return HttpStatus.UNAUTHORIZED;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
    case 'RATE_LIMITED':
      return HttpStatus.TOO_MANY_REQUESTS;
  }
}

/** Returns the `code` that responses carry for a client error given only as an HTTP status, as Nest's exceptions are. */
export function httpStatusCode(statusCode: number): string {
  return statusCode === HttpStatus.BAD_REQUEST ? 'INVALID_INPUT' : (HttpStatus[statusCode] ?? 'INVALID_INPUT');
}

/**
 * Writes every REST error as `{ statusCode, code, message, details? }`. Domain errors keep their code,
 * Nest's own HTTP exceptions (validation, unknown routes, Fastify's refusals of a body) keep their status, and
 * anything else is logged with its stack and reaches the client as a plain 500.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  /** `jsonBodyLimit` is the adapter's body limit in bytes, named in the 413 for a JSON body above it. */
  constructor(private readonly jsonBodyLimit: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }

    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (request.raw.socket?.destroyed) {
      // The client closed the connection, so no response can reach it. An aborted upload ends here.
      this.logger.warn(
        `${request.method} ${request.url}: the client closed the connection (${(exception as Error)?.message})`,
      );
      return;
    }

    if (exception instanceof DomainError) {
      const statusCode = httpStatusOf(exception.code);
      void reply
        .status(statusCode)
        .send({ statusCode, code: exception.code, message: exception.message, details: exception.details });
      return;
    }

    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const code = httpStatusCode(statusCode);
      void reply.status(statusCode).send({
        statusCode,
        code,
        // Nest turns Fastify's refusal of a body above its limit into a 413 HttpException. Uploads above their
        // own limit are domain errors with their own message.
        message:
          statusCode === HttpStatus.PAYLOAD_TOO_LARGE
            ? `Request body is larger than the limit of ${this.jsonBodyLimit} bytes (MAX_JSON_BODY_BYTES); send a ` +
              'smaller body'
            : Array.isArray(message)
              ? message.join('; ')
              : message,
      });
      return;
    }

    this.logger.error(
      `Unhandled error: ${String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    void reply.status(500).send({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
  }
}
