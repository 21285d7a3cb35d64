import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds `actor` to audit records, so that writes made without an API key (the keys CLI, run by an operator on the
 * database directly) are recorded too. Such records have no API key, so the key columns become nullable.
 */
export class AuditActor1765400000000 implements MigrationInterface {
  name = 'AuditActor1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_records ADD COLUMN actor text`);
    await queryRunner.query(`UPDATE audit_records SET actor = 'api-key:' || "apiKeyId"`);
    await queryRunner.query(`
      ALTER TABLE audit_records
        ALTER COLUMN actor SET NOT NULL,
        ALTER COLUMN "apiKeyId" DROP NOT NULL,
        ALTER COLUMN "apiKeyName" DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM audit_records WHERE "apiKeyId" IS NULL`);
    await queryRunner.query(`
      ALTER TABLE audit_records
        DROP COLUMN actor,
        ALTER COLUMN "apiKeyId" SET NOT NULL,
        ALTER COLUMN "apiKeyName" SET NOT NULL`);
  }
}
