import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../common/domain-error';
import { requiredAccess, roleSatisfies } from './access-policy';
import { AccessRequest, handlerRequest } from './access-request';
import { ApiKeyService } from './api-key.service';
import { RateLimitRepository, RateLimitResult } from './rate-limit.repository';

/**
 * Global guard of every REST route and GraphQL root field: a route runs only for a valid key whose role
 * is at least the one the route requires (see `requiredAccess`), within that key's rate limit.
 * Failed authentications are counted against the client address, so a flood of bad keys is limited too.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
    private readonly rateLimits: RateLimitRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = handlerRequest(context);
    if (!handler) {
      return true;
    }

    const required = requiredAccess(this.reflector, [context.getHandler(), context.getClass()], handler.operation);
    if (required === 'public') {
      return true;
    }

    const { request, reply } = handler;
    const principal = request.accessPrincipal ?? (await this.authenticate(request, reply));
    request.accessPrincipal = principal;

    if (!request.rateLimitCounted) {
      request.rateLimitCounted = true;
      this.enforce(await this.rateLimits.consume(`key:${principal.keyId}`), reply, `API key ${principal.keyId}`);
    }

    if (!roleSatisfies(principal.role, required)) {
      throw new DomainError(
        'FORBIDDEN',
        `${handler.description} requires the ${required} role; API key "${principal.keyName}" has ${principal.role}`,
      );
    }

    return true;
  }

  private async authenticate(request: AccessRequest, reply: FastifyReply) {
    const secret = presentedSecret(request);
    const principal = secret ? await this.keys.authenticate(secret) : null;
    if (principal) {
      return principal;
    }

    // NOTE: Fastify's `trustProxy` is off, so behind a load balancer every client shares the balancer's address.
    this.enforce(await this.rateLimits.consume(`ip:${request.ip}`), reply, `address ${request.ip}`);
    if (!secret) {
      throw new DomainError(
        'UNAUTHENTICATED',
        'Missing API key: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
      );
    }

    this.logger.warn(`Rejected an unknown or revoked API key from ${request.ip}`);
    throw new DomainError('UNAUTHENTICATED', 'Invalid API key: it is unknown or revoked');
  }

  private enforce(result: RateLimitResult, reply: FastifyReply, subject: string): void {
    reply.header('RateLimit-Limit', result.limit);
    reply.header('RateLimit-Remaining', result.remaining);
    reply.header('RateLimit-Reset', Math.ceil(result.resetMs / 1000));
    if (result.allowed) {
      return;
    }

    reply.header('Retry-After', Math.ceil(result.resetMs / 1000));
    throw new DomainError(
      'RATE_LIMITED',
      `Rate limit of ${result.limit} requests per minute exceeded for ${subject}: retry in ${Math.ceil(result.resetMs / 1000)} s`,
    );
  }
}

/** Extracts the key from `Authorization: Bearer <key>`, else from `X-API-Key`; returns null when neither is sent. */
export function presentedSecret(request: Pick<AccessRequest, 'headers'>): string | null {
  const authorization = request.headers.authorization;
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (bearer) {
    return bearer[1];
  }

  const apiKey = request.headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;

  return value?.trim() || null;
}
