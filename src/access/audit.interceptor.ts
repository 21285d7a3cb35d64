import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable } from 'rxjs';
import { Reflector } from '@nestjs/core';
import { isAuditedWrite } from './access-policy';
import { handlerRequest } from './access-request';
import { AuditTrail } from './audit-trail.service';

/**
 * Records every write that passed the access guard: requests to routes that require the writer or admin role, and
 * requests that `AuditWhen` marks as writes on reader routes (see `isAuditedWrite`). The record is stored before the
 * handler runs, and a request whose record cannot be stored gets a 503 without running. Its outcome is stored
 * before the response is sent, so a client that saw a write succeed can find its record. Requests the guard rejected
 * never reach this interceptor.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly trail: AuditTrail,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handler = handlerRequest(context);
    const principal = handler?.request.accessPrincipal;
    if (
      !handler ||
      !principal ||
      !isAuditedWrite(this.reflector, [context.getHandler(), context.getClass()], handler.operation, handler.request)
    ) {
      return next.handle();
    }

    const entry = {
      actor: `api-key:${principal.keyId}`,
      apiKeyId: principal.keyId,
      apiKeyName: principal.keyName,
      action: `${actionScope(context.getClass().name)}.${context.getHandler().name}`,
      request: handler.description,
      targetIds: [...new Set(idsIn(handler.args))],
    };
    return from(this.trail.start(entry)).pipe(
      mergeMap((started) =>
        next.handle().pipe(
          mergeMap((result) => from(this.trail.finish(started, null, idsIn(result)).then(() => result))),
          catchError((error: unknown) => from(this.trail.finish(started, error, []).then(() => Promise.reject(error)))),
        ),
      ),
    );
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
