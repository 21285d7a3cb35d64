import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764880000000 implements MigrationInterface {
  name = 'InitialSchema1764880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE captures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sha256 char(64) NOT NULL UNIQUE,
        "fileName" text NOT NULL,
        format text NOT NULL,
        gzip boolean NOT NULL,
        "sizeBytes" bigint NOT NULL,
        "decompressedBytes" bigint NOT NULL,
        "flowCount" integer NOT NULL,
        "rejectedCount" integer NOT NULL,
        "rejectedRows" jsonb NOT NULL,
        "labelClassCounts" jsonb NOT NULL,
        "protocolCounts" jsonb NOT NULL,
        "firstFlowAt" timestamptz,
        "lastFlowAt" timestamptz,
        "createdAt" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        status text NOT NULL,
        "captureIds" uuid[] NOT NULL,
        definition jsonb NOT NULL,
        "vocabularySize" integer,
        "corpusWords" integer,
        "sentenceCount" integer,
        "trainingSeconds" double precision,
        "epochLosses" jsonb,
        error text,
        "createdAt" timestamptz NOT NULL DEFAULT now(),
        "readyAt" timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE tokens (
        "modelId" uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        "tokenId" integer NOT NULL,
        token text NOT NULL,
        count integer NOT NULL,
        "labelCounts" jsonb NOT NULL,
        "labelClass" text NOT NULL,
        PRIMARY KEY ("modelId", "tokenId")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX tokens_model_token ON tokens ("modelId", token)`);
    await queryRunner.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        "modelId" uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        state text NOT NULL,
        phase text NOT NULL,
        progress jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        error text,
        "createdAt" timestamptz NOT NULL DEFAULT now(),
        "startedAt" timestamptz,
        "finishedAt" timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX jobs_model ON jobs ("modelId")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE jobs`);
    await queryRunner.query(`DROP TABLE tokens`);
    await queryRunner.query(`DROP TABLE models`);
    await queryRunner.query(`DROP TABLE captures`);
  }
}
