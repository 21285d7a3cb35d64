import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable } from 'rxjs';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import { isAuditedWrite } from './access-policy';
import { handlerRequest, HandlerRequest } from './access-request';
import { AuditRecordRepository } from './audit-record.repository';

/**
 * Records every write that passed the access guard: requests to routes that require the writer or admin role, and
 * requests that `AuditWhen` marks as writes on reader routes (see `isAuditedWrite`). The record is stored before the response is sent, so a client that saw a write
 * succeed can find its record. Requests the guard rejected never reach this interceptor.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly records: AuditRecordRepository,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = handlerRequest(context);
    if (
      !handler?.request.accessPrincipal ||
      !isAuditedWrite(this.reflector, [context.getHandler(), context.getClass()], handler.operation, handler.request)
    ) {
      return next.handle();
    }

    const action = `${actionScope(context.getClass().name)}.${context.getHandler().name}`;
    return next.handle().pipe(
      mergeMap((result) => from(this.record(handler, action, result, null).then(() => result))),
      catchError((error: unknown) =>
        from(this.record(handler, action, undefined, error).then(() => Promise.reject(error))),
      ),
    );
  }

  private async record(handler: HandlerRequest, action: string, result: unknown, error: unknown): Promise<void> {
    const principal = handler.request.accessPrincipal!;
    const targetIds = [...new Set([...idsIn(handler.args), ...idsIn(result)])];
    const failed = error !== null;

    try {
      await this.records.insert({
        apiKeyId: principal.keyId,
        apiKeyName: principal.keyName,
        action,
        request: handler.description,
        targetIds,
        outcome: failed ? 'failed' : 'succeeded',
        errorCode: failed ? errorCode(error) : null,
      });
    } catch (insertError) {
      this.logger.error(
        `Failed to store the audit record of ${action} by API key ${principal.keyId} on [${targetIds.join(', ')}]`,
        insertError instanceof Error ? insertError.stack : String(insertError),
      );
    }
  }
}

/** `CapturesController` → `captures`, `ModelsResolver` → `models`. */
function actionScope(className: string): string {
  const base = className.replace(/(Controller|Resolver)$/, '');
  return base.charAt(0).toLowerCase() + base.slice(1);
}

/** String values of `id` and `*Id` fields, at the top level and one level down (`{ model: { id } }`). */
function idsIn(value: unknown, depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > 1) {
    return [];
  }

  return Object.entries(value).flatMap(([field, inner]) => {
    if (typeof inner === 'string' && (field === 'id' || field.endsWith('Id'))) {
      return [inner];
    }
    if (Array.isArray(inner) && field.endsWith('Ids')) {
      return inner.filter((item): item is string => typeof item === 'string');
    }
    return idsIn(inner, depth + 1);
  });
}

function errorCode(error: unknown): string {
  if (error instanceof DomainError) {
    return error.code;
  }

  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? `HTTP_${status}` : 'INTERNAL_ERROR';
}
