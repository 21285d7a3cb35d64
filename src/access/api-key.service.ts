import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { isUuid } from '../common/uuid';
import { AccessRole, ApiKeyEntity } from '../entities/api-key.entity';
import { ApiKeyRepository } from './api-key.repository';

/** The key a request was authenticated with. */
export interface AccessPrincipal {
  keyId: string;
  keyName: string;
  role: AccessRole;
}

const SECRET_PREFIX_LENGTH = 12;
/**
 * How long a looked-up key stays cached. Revocations clear the cache of every API process at once through
 * KeyRevocationListener; the expiry bounds a revoked key's life when that listener is disconnected.
 */
const CACHE_TTL_MS = 10_000;
const CACHE_MAX_ENTRIES = 10_000;

/**
 * Hashes a secret for storage and lookup. Secrets are 256 random bits (or an operator's key of at least
 * 32 characters), so a fast hash suffices: there is no low-entropy password for a slow hash to protect.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Creates, lists, revokes and checks API keys. */
@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly cache = new Map<string, { principal: AccessPrincipal | null; expiresAt: number }>();

  constructor(private readonly keys: ApiKeyRepository) {}

  /** Creates a key and returns it with its secret, which is stored only as a hash and cannot be shown again. */
  async create(name: string, role: AccessRole): Promise<{ key: ApiKeyEntity; secret: string }> {
    const secret = `f2v_${randomBytes(32).toString('base64url')}`;
    const key = await this.keys.insert({ name, role, ...secretColumns(secret) });
    this.logger.log(`Created ${role} API key ${key.id} (${key.name})`);

    return { key, secret };
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.keys.list();
  }

  /** Revokes a key; the key is kept for the audit trail. Revoking a revoked key changes nothing. */
  async revoke(id: string): Promise<ApiKeyEntity> {
    const key = isUuid(id) ? await this.keys.findById(id) : null;
    if (!key) {
      throw new DomainError(
        'API_KEY_NOT_FOUND',
        `API key ${id} not found: list keys with GET /api/v1/keys or npm run keys -- list`,
      );
    }

    await this.keys.revoke(id);
    this.clearCache();
    this.logger.log(`Revoked API key ${id} (${key.name})`);

    return (await this.keys.findById(id))!;
  }

  /** Drops every cached lookup, so the next request with any key reads it from the database. */
  clearCache(): void {
    this.cache.clear();
  }

  /** Returns the principal of an unrevoked key with this secret, or null. Results are cached for 10 seconds. */
  async authenticate(secret: string): Promise<AccessPrincipal | null> {
    const secretHash = hashSecret(secret);
    const cached = this.cache.get(secretHash);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.principal;
    }

    const key = await this.keys.findBySecretHash(secretHash);
    const principal = key && !key.revokedAt ? { keyId: key.id, keyName: key.name, role: key.role } : null;
    if (this.cache.size >= CACHE_MAX_ENTRIES) {
      this.cache.clear();
    }
    this.cache.set(secretHash, { principal, expiresAt: Date.now() + CACHE_TTL_MS });

    return principal;
  }

  /** Stores the operator's admin key from the environment unless it is stored already. */
  async registerEnvironmentKey(secret: string): Promise<void> {
    const existing = await this.keys.findBySecretHash(hashSecret(secret));
    if (existing?.revokedAt) {
      this.logger.warn(`FLOW2VEC_ADMIN_KEY is API key ${existing.id}, which was revoked; it stays revoked`);
      return;
    }
    if (existing) {
      return;
    }

    const key = await this.keys.insert({ name: 'FLOW2VEC_ADMIN_KEY', role: 'admin', ...secretColumns(secret) });
    this.logger.log(`Stored FLOW2VEC_ADMIN_KEY as admin API key ${key.id}`);
  }

  /** Creates an admin key when no unrevoked key exists; returns its secret, or null when a key exists. */
  async createInitialKey(): Promise<{ key: ApiKeyEntity; secret: string } | null> {
    const secret = `f2v_${randomBytes(32).toString('base64url')}`;
    const key = await this.keys.insertIfNoneActive({ name: 'initial admin', role: 'admin', ...secretColumns(secret) });

    return key ? { key, secret } : null;
  }

  countActive(): Promise<number> {
    return this.keys.countActive();
  }
}

function secretColumns(secret: string): { secretHash: string; secretPrefix: string } {
  return { secretHash: hashSecret(secret), secretPrefix: secret.slice(0, SECRET_PREFIX_LENGTH) };
}
