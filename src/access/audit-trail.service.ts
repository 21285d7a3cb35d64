import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { httpStatusCode } from '../common/http-exception.filter';
import { AuditRecordRepository, AuditRecordStart } from './audit-record.repository';

/** An audit record stored as `started`, whose outcome is still to be recorded. */
export interface StartedAuditRecord {
  id: string;
  entry: AuditRecordStart;
}

/**
 * Records writes in the audit trail in two steps. The record is stored before the write runs, and a write whose
 * record cannot be stored is not carried out: the caller gets AUDIT_UNAVAILABLE (503). The outcome is stored after
 * the write. If that fails, the write has already happened, so the failure is only logged and the record stays
 * `started`, which still records who attempted what and when.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger(AuditTrail.name);

  constructor(private readonly records: AuditRecordRepository) {}

  /** Stores the record of a write about to run; throws AUDIT_UNAVAILABLE when it cannot be stored. */
  async start(entry: AuditRecordStart): Promise<StartedAuditRecord> {
    try {
      return { id: await this.records.insertStarted(entry), entry };
    } catch (error) {
      this.logger.error(
        `Rejected ${entry.action} by ${entry.actor} on [${entry.targetIds.join(', ')}]: its audit record could not ` +
          'be stored',
        error instanceof Error ? error.stack : String(error),
      );
      throw new DomainError(
        'AUDIT_UNAVAILABLE',
        'The write was not carried out because the audit trail could not record it; try again later',
      );
    }
  }

  /** Stores the outcome of a started write: `error` is null when it succeeded. `resultIds` are ids it created. */
  async finish(started: StartedAuditRecord, error: unknown, resultIds: string[]): Promise<void> {
    const { entry } = started;
    const targetIds = [...new Set([...entry.targetIds, ...resultIds])];
    const failed = error !== null;

    try {
      await this.records.finish(
        started.id,
        failed ? 'failed' : 'succeeded',
        failed ? auditErrorCode(error) : null,
        targetIds,
      );
    } catch (updateError) {
      this.logger.error(
        `Failed to store the outcome of ${entry.action} by ${entry.actor} on [${targetIds.join(', ')}]; its audit ` +
          `record ${started.id} stays started`,
        updateError instanceof Error ? updateError.stack : String(updateError),
      );
    }
  }
}

function auditErrorCode(error: unknown): string {
  if (error instanceof DomainError) {
    return error.code;
  }

  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status < 500 ? httpStatusCode(status) : 'INTERNAL_ERROR';
}
