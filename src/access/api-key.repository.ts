import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { AccessRole, ApiKeyEntity } from '../entities/api-key.entity';

export interface ApiKeyInsert {
  name: string;
  role: AccessRole;
  secretHash: string;
  secretPrefix: string;
}

@Injectable()
export class ApiKeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get keys() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  findById(id: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ id });
  }

  findBySecretHash(secretHash: string): Promise<ApiKeyEntity | null> {
    return this.keys.findOneBy({ secretHash });
  }

  list(): Promise<ApiKeyEntity[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  insert(key: ApiKeyInsert): Promise<ApiKeyEntity> {
    return this.keys.save(this.keys.create(key));
  }

  /**
   * Inserts `key` only when no unrevoked key exists. The table lock makes two processes starting together
   * create one key between them, not two.
   */
  async insertIfNoneActive(key: ApiKeyInsert): Promise<ApiKeyEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
      const active = await manager.countBy(ApiKeyEntity, { revokedAt: IsNull() });
      if (active > 0) {
        return null;
      }

      return manager.save(manager.create(ApiKeyEntity, key));
    });
  }

  countActive(): Promise<number> {
    return this.keys.countBy({ revokedAt: IsNull() });
  }

  async revoke(id: string): Promise<void> {
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
