import { MigrationInterface, QueryRunner } from 'typeorm';

export class AccessControl1764960000000 implements MigrationInterface {
  name = 'AccessControl1764960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('reader', 'writer', 'admin')),
        "secretHash" char(64) NOT NULL UNIQUE,
        "secretPrefix" text NOT NULL,
        "createdAt" timestamptz NOT NULL DEFAULT now(),
        "revokedAt" timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE audit_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "createdAt" timestamptz NOT NULL DEFAULT now(),
        "apiKeyId" uuid NOT NULL,
        "apiKeyName" text NOT NULL,
        action text NOT NULL,
        request text NOT NULL,
        "targetIds" text[] NOT NULL,
        outcome text NOT NULL,
        "errorCode" text
      )`);
    await queryRunner.query(`CREATE INDEX audit_records_created ON audit_records ("createdAt")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_records`);
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
