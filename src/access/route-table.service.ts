import { Injectable } from '@nestjs/common';
import { INTERCEPTORS_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { FastifyInstance } from 'fastify';
import type { GraphQLObjectType } from 'graphql';
import { API_PREFIX } from '../common/api-prefix';
import { requiredAccess, RequiredAccess } from './access-policy';
import { RequestHandler, requestHandlers } from './audit-binding';
import { AuditInterceptor } from './audit.interceptor';

/**
 * Metadata key that `@Query()`, `@Mutation()` and `@Subscription()` of @nestjs/graphql 13 set on resolver methods
 * for a field named otherwise than the method. The package does not export it; if it changes, the route table shows
 * such resolvers as unguarded.
 */
const RESOLVER_NAME_METADATA = 'graphql:resolver_name';

/** Access control of one handler: its required role and whether it is audited. */
interface HandlerAccess {
  access: RequiredAccess;
  /** Whether the audit interceptor is bound to the handler, so that its writes are recorded. */
  audited: boolean;
}

/** One route of the running application and what access control requires of it. */
export interface AccessRoute {
  transport: 'rest' | 'graphql';
  /** HTTP method for REST; `query`, `mutation` or `subscription` for GraphQL. */
  method: string;
  /** Fastify path pattern for REST (`/api/v1/models/:id`); root field name for GraphQL. */
  path: string;
  /**
   * Role the route requires, `public` for a route marked `@Public()`, and `unguarded` for a route that
   * Fastify serves without any Nest handler (the OpenAPI document and its UI, the dashboard's files), where the
   * guard never runs.
   */
  access: RequiredAccess | 'unguarded';
  /** Whether writes through the route are recorded in the audit trail. */
  audited: boolean;
}

/**
 * Lists the routes the running application serves: the REST routes as Fastify registered them, which is what
 * actually dispatches requests, and the root fields of the GraphQL schema. Each route's access comes from the
 * same `requiredAccess` the guard applies. The HTTP route `/graphql` is left out, because the guard runs on its
 * root fields, and so are the HEAD routes that Fastify adds beside every GET route.
 */
@Injectable()
export class RouteTableService {
  private readonly registered: { method: string; path: string }[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    httpAdapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
  ) {
    // Providers are created before the application registers any route, so every route passes through this hook.
    const fastify = httpAdapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        if (method !== 'HEAD' && route.url !== '/graphql') {
          this.registered.push({ method, path: route.url });
        }
      }
    });
  }

  routes(): AccessRoute[] {
    return [...this.restRoutes(), ...this.graphqlRoutes()];
  }

  private restRoutes(): AccessRoute[] {
    const handlers = this.nestHandlers();
    return this.registered.map(({ method, path }) => ({
      transport: 'rest' as const,
      method,
      path,
      ...(handlers.get(`${method} ${path}`) ?? { access: 'unguarded' as const, audited: false }),
    }));
  }

  /** Access of every controller method, keyed by `METHOD /path` both with and without the API prefix. */
  private nestHandlers(): Map<string, HandlerAccess> {
    const handlers = new Map<string, HandlerAccess>();
    for (const handler of this.handlers().filter(({ transport }) => transport === 'rest')) {
      for (const controllerPath of asArray(Reflect.getMetadata(PATH_METADATA, handler.owner))) {
        for (const methodPath of asArray(Reflect.getMetadata(PATH_METADATA, handler.handler))) {
          handlers.set(`${handler.operation} ${joinPath(controllerPath, methodPath)}`, handler.access);
          handlers.set(`${handler.operation} ${joinPath(API_PREFIX, controllerPath, methodPath)}`, handler.access);
        }
      }
    }

    return handlers;
  }

  private graphqlRoutes(): AccessRoute[] {
    const schema = this.schemaHost.schema;
    const resolvers = new Map<string, HandlerAccess>();
    for (const resolver of this.handlers().filter(({ transport }) => transport === 'graphql')) {
      const field =
        (Reflect.getMetadata(RESOLVER_NAME_METADATA, resolver.handler) as string | undefined) ?? resolver.handler.name;
      resolvers.set(`${resolver.operation}.${field}`, resolver.access);
    }
    const roots: [string, GraphQLObjectType | null | undefined][] = [
      ['query', schema.getQueryType()],
      ['mutation', schema.getMutationType()],
      ['subscription', schema.getSubscriptionType()],
    ];

    return roots.flatMap(([method, type]) =>
      Object.keys(type?.getFields() ?? {}).map((field) => ({
        transport: 'graphql' as const,
        method,
        path: field,
        ...(resolvers.get(`${type!.name}.${field}`) ?? { access: 'unguarded' as const, audited: false }),
      })),
    );
  }

  private handlers(): (RequestHandler & { transport: 'rest' | 'graphql'; access: HandlerAccess })[] {
    return requestHandlers(this.discovery, this.scanner).map((handler) => {
      const interceptors = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler.handler) as unknown[] | undefined) ?? [];
      return {
        ...handler,
        transport: ['Query', 'Mutation', 'Subscription'].includes(handler.operation) ? 'graphql' : 'rest',
        access: {
          access: requiredAccess(this.reflector, [handler.handler, handler.owner], handler.operation),
          audited: interceptors.some((interceptor) => interceptor instanceof AuditInterceptor),
        },
      };
    });
  }
}

function asArray(value: string | string[] | undefined): string[] {
  if (value === undefined) {
    return ['/'];
  }

  return Array.isArray(value) ? value : [value];
}

/** Joins path segments the way Nest does: one leading slash, no doubled or trailing slashes. */
function joinPath(...segments: string[]): string {
  const joined = segments
    .map((segment) => segment.replace(/^\/+|\/+$/g, ''))
    .filter((segment) => segment !== '')
    .join('/');

  return `/${joined}`;
}
