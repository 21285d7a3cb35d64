import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
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
 * Nest's own HTTP exceptions (validation, unknown routes) keep their status, and anything else is
 * logged with its stack and reaches the client as a plain 500.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }

    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof DomainError) {
      const statusCode = httpStatusOf(exception.code);
      response
        .status(statusCode)
        .json({ statusCode, code: exception.code, message: exception.message, details: exception.details });
      return;
    }

    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const code = httpStatusCode(statusCode);
      response
        .status(statusCode)
        .json({ statusCode, code, message: Array.isArray(message) ? message.join('; ') : message });
      return;
    }

    // Express middleware such as the body parser fails with http-errors objects: `expose` marks a client error.
    const clientError = exception as { expose?: unknown; status?: unknown; message?: unknown; limit?: unknown };
    if (clientError?.expose === true && typeof clientError.status === 'number' && clientError.status < 500) {
      const statusCode = clientError.status;
      const code = httpStatusCode(statusCode);
      const limit = typeof clientError.limit === 'number' ? ` (limit: ${clientError.limit} bytes)` : '';
      response.status(statusCode).json({ statusCode, code, message: `${String(clientError.message)}${limit}` });
      return;
    }

    this.logger.error(
      `Unhandled error: ${String(exception)}`,
      exception instanceof Error ? exception.stack : undefined,
    );
    response.status(500).json({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
  }
}
