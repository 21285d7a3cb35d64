import { Injectable } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { FastifyInstance } from 'fastify';
import type { GraphQLObjectType } from 'graphql';
import { API_PREFIX } from '../common/api-prefix';
import { requiredAccess, RequiredAccess } from './access-policy';

/**
 * Metadata keys that `@Query()`, `@Mutation()` and `@Subscription()` of @nestjs/graphql 13 set on resolver
 * methods. The package does not export them; if they change, the route table shows resolvers as unguarded.
 */
const RESOLVER_TYPE_METADATA = 'graphql:resolver_type';
const RESOLVER_NAME_METADATA = 'graphql:resolver_name';

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
      access: handlers.get(`${method} ${path}`) ?? ('unguarded' as const),
    }));
  }

  /** Access of every controller method, keyed by `METHOD /path` both with and without the API prefix. */
  private nestHandlers(): Map<string, RequiredAccess> {
    const handlers = new Map<string, RequiredAccess>();
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
      if (!controller) {
        continue;
      }

      const controllerPaths = asArray(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
        const method = (controller.prototype as Record<string, Function>)[name];
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, method) as RequestMethod | undefined;
        if (requestMethod === undefined) {
          continue;
        }

        const httpMethod = RequestMethod[requestMethod];
        const access = requiredAccess(this.reflector, [method, controller], httpMethod);
        for (const controllerPath of controllerPaths) {
          for (const methodPath of asArray(Reflect.getMetadata(PATH_METADATA, method))) {
            handlers.set(`${httpMethod} ${joinPath(controllerPath, methodPath)}`, access);
            handlers.set(`${httpMethod} ${joinPath(API_PREFIX, controllerPath, methodPath)}`, access);
          }
        }
      }
    }

    return handlers;
  }

  private graphqlRoutes(): AccessRoute[] {
    const schema = this.schemaHost.schema;
    const resolvers = this.resolverAccess();
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
        access: resolvers.get(`${type!.name}.${field}`) ?? ('unguarded' as const),
      })),
    );
  }

  /** Access of every resolver root field, keyed by `<root type>.<field>`. */
  private resolverAccess(): Map<string, RequiredAccess> {
    const access = new Map<string, RequiredAccess>();
    for (const wrapper of this.discovery.getProviders()) {
      const resolver = wrapper.metatype as (new (...args: unknown[]) => object) | undefined;
      if (!resolver?.prototype || !wrapper.instance) {
        continue;
      }

      for (const name of this.scanner.getAllMethodNames(resolver.prototype)) {
        // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
        const method = (resolver.prototype as Record<string, Function>)[name];
        const rootType = Reflect.getMetadata(RESOLVER_TYPE_METADATA, method) as string | undefined;
        if (rootType !== 'Query' && rootType !== 'Mutation' && rootType !== 'Subscription') {
          continue;
        }

        const field = (Reflect.getMetadata(RESOLVER_NAME_METADATA, method) as string | undefined) ?? name;
        access.set(`${rootType}.${field}`, requiredAccess(this.reflector, [method, resolver], rootType));
      }
    }

    return access;
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
