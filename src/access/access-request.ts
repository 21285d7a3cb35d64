import { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request, Response } from 'express';
import type { GraphQLResolveInfo } from 'graphql';
import type { AccessPrincipal } from './api-key.service';

/** An Express request with what access control learned about it. One GraphQL request may run several guards. */
export interface AccessRequest extends Request {
  accessPrincipal?: AccessPrincipal;
  rateLimitCounted?: boolean;
}

/** The request behind a REST handler or a GraphQL root field, with what it does. */
export interface HandlerRequest {
  request: AccessRequest;
  response: Response;
  /** HTTP method for REST, root type (`Query`, `Mutation`) for GraphQL. */
  operation: string;
  /** `GET /api/v1/models/:id` for REST, `query similar` for GraphQL. */
  description: string;
  /** Route parameters for REST, field arguments for GraphQL. */
  args: Record<string, unknown>;
}

/** Finds the request of a REST or GraphQL execution context; other transports return null. */
export function handlerRequest(context: ExecutionContext): HandlerRequest | null {
  const type = context.getType<'http' | 'graphql'>();
  if (type === 'http') {
    const request = context.switchToHttp().getRequest<AccessRequest>();
    return {
      request,
      response: context.switchToHttp().getResponse<Response>(),
      operation: request.method,
      description: `${request.method} ${request.route?.path ?? request.path}`,
      args: request.params ?? {},
    };
  }

  if (type === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    const request = gql.getContext<{ req: AccessRequest }>().req;
    const info = gql.getInfo<GraphQLResolveInfo>();
    return {
      request,
      response: request.res!,
      operation: info.parentType.name,
      description: `${info.operation.operation} ${info.fieldName}`,
      args: gql.getArgs<Record<string, unknown>>(),
    };
  }

  return null;
}
