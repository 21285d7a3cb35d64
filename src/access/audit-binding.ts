import { Injectable } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common/enums/request-method.enum';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { mayBeAuditedWrite } from './access-policy';
import { AuditInterceptor } from './audit.interceptor';

/**
 * Metadata key that `@Query()`, `@Mutation()` and `@Subscription()` of @nestjs/graphql 13 set on resolver
 * methods. The package does not export it.
 */
export const RESOLVER_TYPE_METADATA = 'graphql:resolver_type';

/** A controller or resolver method that handles requests, with its HTTP method or GraphQL root type. */
export interface RequestHandler {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  handler: Function;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  owner: Function;
  /** `GET`, `POST`, … for REST; `Query`, `Mutation` or `Subscription` for GraphQL. */
  operation: string;
}

/** Lists every REST route handler of the controllers and every root field resolver of the providers. */
export function requestHandlers(discovery: DiscoveryService, scanner: MetadataScanner): RequestHandler[] {
  const handlers: RequestHandler[] = [];
  for (const wrapper of [...discovery.getControllers(), ...discovery.getProviders()]) {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    const owner = wrapper.metatype as Function | null | undefined;
    if (!owner?.prototype) {
      continue;
    }

    for (const name of scanner.getAllMethodNames(owner.prototype)) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
      const handler = (owner.prototype as Record<string, Function>)[name];
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const rootType = Reflect.getMetadata(RESOLVER_TYPE_METADATA, handler) as string | undefined;
      if (requestMethod !== undefined) {
        handlers.push({ handler, owner, operation: RequestMethod[requestMethod] });
      } else if (rootType === 'Query' || rootType === 'Mutation' || rootType === 'Subscription') {
        handlers.push({ handler, owner, operation: rootType });
      }
    }
  }

  return handlers;
}

/**
 * Binds the audit interceptor to every handler that can write: each one whose required role is above reader, and
 * each reader route marked `AuditWhen`. It binds them when the application starts, from the same rules as the
 * access guard, so a handler added later is audited without a decorator of its own. Reads get no interceptor at
 * all: a global one would wrap every read in Nest's interceptor pipeline (rxjs observables and a watch on the
 * connection), which cost the most-similar route a fifth of its throughput (docs/benchmarks.md).
 */
@Injectable()
export class AuditBinding {
  constructor(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector, audit: AuditInterceptor) {
    // Nest reads a handler's interceptors when it registers the routes and resolvers, after every provider is
    // constructed. Nest uses an instance in the metadata as it is; a class would have to be registered in each module.
    for (const { handler, owner, operation } of requestHandlers(discovery, scanner)) {
      if (!mayBeAuditedWrite(reflector, [handler, owner], operation)) {
        continue;
      }

      const bound = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[] | undefined) ?? [];
      // An application created earlier in the same process left its own instance here.
      const others = bound.filter((interceptor) => !(interceptor instanceof AuditInterceptor));
      Reflect.defineMetadata(INTERCEPTORS_METADATA, [...others, audit], handler);
    }
  }
}
