import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets the `jobs` table hold classification jobs next to training jobs: the capture classified, the neighbours that
 * vote (k) and the summary of the result. Deleting a capture keeps the jobs that classified it, without the link.
 */
export class ClassificationJobs1765200000000 implements MigrationInterface {
  name = 'ClassificationJobs1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN "captureId" uuid REFERENCES captures(id) ON DELETE SET NULL`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN k integer`);
    await queryRunner.query(`ALTER TABLE jobs ADD COLUMN result jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM jobs WHERE kind <> 'train'`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN result`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN k`);
    await queryRunner.query(`ALTER TABLE jobs DROP COLUMN "captureId"`);
  }
}
