import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../common/domain-error';
import { ACCESS_ROLES, AccessRole } from '../entities/api-key.entity';
import type { AccessRequest } from './access-request';

const PUBLIC_METADATA = 'flow2vec:public';
const ROLE_METADATA = 'flow2vec:role';

/** Role a route requires, or `public` for a route served without a key. */
export type RequiredAccess = AccessRole | 'public';

/** Marks a route as served without an API key. Only the health check uses it. */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

const AUDIT_WHEN_METADATA = 'flow2vec:audit-when';

/**
 * Marks a route declared `reader` whose request body can make it a write: the audit trail records the requests for
 * which `isWrite` is true.
 */
export const AuditWhen = (isWrite: (request: AccessRequest) => boolean) => SetMetadata(AUDIT_WHEN_METADATA, isWrite);

/**
 * Returns whether a request that passed the guard is a write for the audit trail: the route requires more than
 * `reader`, or it is a `reader` route whose `AuditWhen` test holds for this request.
 */
export function isAuditedWrite(
  reflector: Reflector,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  targets: [Function, Function],
  operation: string,
  request: AccessRequest,
): boolean {
  const required = requiredAccess(reflector, targets, operation);
  if (required === 'public') {
    return false;
  }
  if (required !== 'reader') {
    return true;
  }

  const isWrite = reflector.getAllAndOverride<((request: AccessRequest) => boolean) | undefined>(
    AUDIT_WHEN_METADATA,
    targets,
  );
  return isWrite?.(request) ?? false;
}

/**
 * Returns whether any request to a handler can be an audited write: its required role is above `reader`, or it is
 * a `reader` route marked `AuditWhen`. `isAuditedWrite` then decides for each request.
 */
export function mayBeAuditedWrite(
  reflector: Reflector,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  targets: [Function, Function],
  operation: string,
): boolean {
  const required = requiredAccess(reflector, targets, operation);
  if (required === 'public') {
    return false;
  }

  return required !== 'reader' || reflector.getAllAndOverride(AUDIT_WHEN_METADATA, targets) !== undefined;
}

/** Sets the role a route requires, overriding the one derived from its HTTP method or GraphQL operation type. */
export const RequireRole = (role: AccessRole) => SetMetadata(ROLE_METADATA, role);

/**
 * Throws the guard's 403 unless the request's key has `required`, for a route whose body decides what it does. The
 * guard has already let the request in with the route's declared role.
 */
export function assertRequestRole(request: AccessRequest, required: AccessRole, action: string): void {
  const principal = request.accessPrincipal;
  if (principal && !roleSatisfies(principal.role, required)) {
    throw new DomainError(
      'FORBIDDEN',
      `${action} requires the ${required} role; API key "${principal.keyName}" has ${principal.role}`,
    );
  }
}

/** True when `role` grants everything `required` does: admin ⊃ writer ⊃ reader. */
export function roleSatisfies(role: AccessRole, required: AccessRole): boolean {
  return ACCESS_ROLES.indexOf(role) >= ACCESS_ROLES.indexOf(required);
}

/**
 * Derives what a handler requires: `@Public()` or `@RequireRole()` on the method or its class when present,
 * else `reader` for reads (HTTP GET, HEAD and OPTIONS, GraphQL queries) and `writer` for everything else.
 * `operation` is the HTTP method or the GraphQL root type (`Query`, `Mutation`, `Subscription`).
 */
export function requiredAccess(
  reflector: Reflector,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  targets: [Function, Function],
  operation: string,
): RequiredAccess {
  if (reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) {
    return 'public';
  }

  const declared = reflector.getAllAndOverride<AccessRole | undefined>(ROLE_METADATA, targets);
  if (declared) {
    return declared;
  }

  return ['GET', 'HEAD', 'OPTIONS', 'Query'].includes(operation) ? 'reader' : 'writer';
}
