import { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLResolveInfo } from 'graphql';
import type { AccessPrincipal } from './api-key.service';

/** A Fastify request with what access control learned about it. One GraphQL request may run several guards. */
export interface AccessRequest extends FastifyRequest {
  accessPrincipal?: AccessPrincipal;
  rateLimitCounted?: boolean;
}

/** The request behind a REST handler or a GraphQL root field, with what it does. */
export interface HandlerRequest {
  request: AccessRequest;
  reply: FastifyReply;
  /** HTTP method for REST, root type (`Query`, `Mutation`) for GraphQL. */
  operation: string;
  /** `GET /api/v1/models/:id` for REST, `query similar` for GraphQL. */
  description: string;
  /** Route parameters for REST, field arguments for GraphQL. */
  args: Record<string, unknown>;
}

/** The context of every GraphQL operation, built by `graphqlContext`. */
export interface GraphqlContext {
  req: AccessRequest;
  reply: FastifyReply;
}

/** Apollo's Fastify integration calls this with the request and reply of each GraphQL operation. */
export function graphqlContext(req: FastifyRequest, reply: FastifyReply): GraphqlContext {
  return { req, reply };
}

/** Finds the request of a REST or GraphQL execution context; other transports return null. */
export function handlerRequest(context: ExecutionContext): HandlerRequest | null {
  const type = context.getType<'http' | 'graphql'>();
  if (type === 'http') {
    const request = context.switchToHttp().getRequest<AccessRequest>();
    return {
      request,
      reply: context.switchToHttp().getResponse<FastifyReply>(),
      operation: request.method,
      description: `${request.method} ${request.routeOptions.url ?? request.url}`,
      args: (request.params as Record<string, unknown> | undefined) ?? {},
    };
  }

  if (type === 'graphql') {
    const gql = GqlExecutionContext.create(context);
    const { req: request, reply } = gql.getContext<GraphqlContext>();
    const info = gql.getInfo<GraphQLResolveInfo>();
    return {
      request,
      reply,
      operation: info.parentType.name,
      description: `${info.operation.operation} ${info.fieldName}`,
      args: gql.getArgs<Record<string, unknown>>(),
    };
  }

  return null;
}
