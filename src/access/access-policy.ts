import { SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_ROLES, AccessRole } from '../entities/api-key.entity';

const PUBLIC_METADATA = 'flow2vec:public';
const ROLE_METADATA = 'flow2vec:role';

/** Role a route requires, or `public` for a route served without a key. */
export type RequiredAccess = AccessRole | 'public';

/** Marks a route as served without an API key. Only the health check uses it. */
export const Public = () => SetMetadata(PUBLIC_METADATA, true);

/** Sets the role a route requires, overriding the one derived from its HTTP method or GraphQL operation type. */
export const RequireRole = (role: AccessRole) => SetMetadata(ROLE_METADATA, role);

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
