import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Announces every job cancellation on the `job_cancelled` channel with the job's id, whichever process cancelled
 * it, so that the worker running the job stops it at once instead of at its next poll of the `jobs` table.
 */
export class JobCancellationNotify1765500000000 implements MigrationInterface {
  name = 'JobCancellationNotify1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION notify_job_cancelled() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('job_cancelled', NEW.id::text);
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER jobs_cancelled
        AFTER UPDATE OF state ON jobs
        FOR EACH ROW
        WHEN (OLD.state <> 'cancelled' AND NEW.state = 'cancelled')
        EXECUTE FUNCTION notify_job_cancelled()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER jobs_cancelled ON jobs`);
    await queryRunner.query(`DROP FUNCTION notify_job_cancelled()`);
  }
}
