import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditOutcome, AuditRecordEntity } from '../entities/audit-record.entity';

/** Fields of an audit record that are known before the write runs. */
export type AuditRecordStart = Pick<
  AuditRecordEntity,
  'actor' | 'apiKeyId' | 'apiKeyName' | 'action' | 'request' | 'targetIds'
>;

@Injectable()
export class AuditRecordRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get records() {
    return this.dataSource.getRepository(AuditRecordEntity);
  }

  /** Inserts a record with outcome `started` and returns its id. */
  async insertStarted(record: AuditRecordStart): Promise<string> {
    const result = await this.records.insert({ ...record, outcome: 'started', errorCode: null });
    return (result.identifiers[0] as { id: string }).id;
  }

  /** Sets the outcome of a started record, with the ids the write's result named. */
  async finish(
    id: string,
    outcome: Exclude<AuditOutcome, 'started'>,
    errorCode: string | null,
    targetIds: string[],
  ): Promise<void> {
    await this.records.update({ id }, { outcome, errorCode, targetIds });
  }

  list(limit: number, offset: number): Promise<[AuditRecordEntity[], number]> {
    return this.records.findAndCount({ order: { createdAt: 'DESC' }, take: limit, skip: offset });
  }
}
