import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stores each token's k-means cluster and its cosine similarity to the cluster's centroid, one row per cluster with
 * its size and label-class composition, and the evaluation of each model version.
 */
export class ClustersEvaluation1765100000000 implements MigrationInterface {
  name = 'ClustersEvaluation1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tokens ADD COLUMN IF NOT EXISTS cluster integer`);
    await queryRunner.query(`ALTER TABLE tokens ADD COLUMN IF NOT EXISTS "centroidSimilarity" real`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS tokens_cluster ON tokens ("modelId", cluster)`);

    await queryRunner.query(`
      CREATE TABLE clusters (
        "modelId" uuid NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
        "clusterId" integer NOT NULL,
        size integer NOT NULL,
        flows bigint NOT NULL,
        "tokenComposition" jsonb NOT NULL,
        "flowComposition" jsonb NOT NULL,
        "majorityClass" text,
        "meanCentroidSimilarity" real,
        "minCentroidSimilarity" real,
        PRIMARY KEY ("modelId", "clusterId")
      )`);

    await queryRunner.query(`ALTER TABLE model_versions ADD COLUMN evaluation jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE model_versions DROP COLUMN evaluation`);
    await queryRunner.query(`DROP TABLE clusters`);
    await queryRunner.query(`DROP INDEX IF EXISTS tokens_cluster`);
    await queryRunner.query(`ALTER TABLE tokens DROP COLUMN IF EXISTS "centroidSimilarity"`);
    await queryRunner.query(`ALTER TABLE tokens DROP COLUMN IF EXISTS cluster`);
  }
}
