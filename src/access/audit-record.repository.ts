import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditRecordEntity } from '../entities/audit-record.entity';

@Injectable()
export class AuditRecordRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get records() {
    return this.dataSource.getRepository(AuditRecordEntity);
  }

  async insert(record: Omit<AuditRecordEntity, 'id' | 'createdAt'>): Promise<void> {
    await this.records.insert(record);
  }

  list(limit: number, offset: number): Promise<[AuditRecordEntity[], number]> {
    return this.records.findAndCount({ order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }
}
