import { HttpException, Logger } from '@nestjs/common';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DomainError } from './domain-error';
import { httpStatusOf } from './http-exception.filter';

const logger = new Logger('GraphQL');

/**
 * Formats GraphQL errors: a domain error keeps its code and message in `extensions`, an unexpected
 * error is logged with its stack and reaches the client as "Internal server error".
 */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return {
      message: original.message,
      path: formatted.path,
      extensions: { code: original.code, status: httpStatusOf(original.code), details: original.details },
    };
  }

  if (
    original === undefined ||
    original === null ||
    formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' ||
    formatted.extensions?.code === 'BAD_USER_INPUT' ||
    formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED'
  ) {
    return formatted;
  }

  const status = (original as { status?: number }).status;
  if (typeof status === 'number' && status < 500) {
    return {
      message: clientMessage(original, formatted.message),
      path: formatted.path,
      extensions: { code: 'INVALID_INPUT', status },
    };
  }

  logger.error(`Unhandled error: ${String(original)}`, original instanceof Error ? original.stack : undefined);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_ERROR' } };
}

/** Returns the validation messages of a Nest HTTP exception (for example from the ValidationPipe), joined like REST does. */
function clientMessage(error: unknown, fallback: string): string {
  const body = error instanceof HttpException ? error.getResponse() : undefined;
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : body;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : fallback;
}
