import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Announces every key revocation on the `api_key_revoked` channel with the key's id, whichever process or tool
 * revoked it, so that API processes drop their cached lookups at once instead of when the cache entry expires.
 */
export class KeyRevocationNotify1765300000000 implements MigrationInterface {
  name = 'KeyRevocationNotify1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION notify_api_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('api_key_revoked', NEW.id::text);
        RETURN NEW;
      END
      $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER api_keys_revoked
        AFTER UPDATE OF "revokedAt" ON api_keys
        FOR EACH ROW
        WHEN (OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL)
        EXECUTE FUNCTION notify_api_key_revoked()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER api_keys_revoked ON api_keys`);
    await queryRunner.query(`DROP FUNCTION notify_api_key_revoked()`);
  }
}
