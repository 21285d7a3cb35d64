import { Provider, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessController } from './access.controller';
import { AccessGuard } from './access.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuditBinding } from './audit-binding';
import { AuditRecordRepository } from './audit-record.repository';
import { AuditTrail } from './audit-trail.service';
import { AuditInterceptor } from './audit.interceptor';
import { KeyRevocationListener } from './key-revocation.listener';
import { KeysController } from './keys.controller';
import { RateLimitRepository } from './rate-limit.repository';
import { RouteTableService } from './route-table.service';

export const ACCESS_CONTROLLERS: Type[] = [KeysController, AccessController];

/**
 * Access control of the API role. The guard is global (APP_GUARD), so every controller and resolver, including
 * ones added later, requires a key. AuditBinding binds the audit interceptor to every handler that can write.
 */
export const ACCESS_PROVIDERS: Provider[] = [
  ApiKeyRepository,
  AuditRecordRepository,
  AuditTrail,
  RateLimitRepository,
  ApiKeyService,
  KeyRevocationListener,
  RouteTableService,
  AuditInterceptor,
  AuditBinding,
  { provide: APP_GUARD, useClass: AccessGuard },
];
