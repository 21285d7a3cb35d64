import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moves each model's training into `model_versions`, so that retraining adds a version while the previous one
 * keeps serving. Every existing model becomes its own version 1 with the model's id, so its `tokens` rows and its
 * artifact folder (both keyed by that id) stay valid without moving data.
 */
export class ModelVersions1764960000000 implements MigrationInterface {
  name = 'ModelVersions1764960000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE model_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "modelId" uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        version integer NOT NULL,
        status text NOT NULL,
        "captureIds" uuid[] NOT NULL,
        definition jsonb NOT NULL,
        imported boolean NOT NULL DEFAULT false,
        "vocabularySize" integer,
        "corpusWords" integer,
        "sentenceCount" integer,
        "trainingSeconds" double precision,
        "epochLosses" jsonb,
        "phaseSeconds" jsonb,
        error text,
        "createdAt" timestamptz NOT NULL DEFAULT now(),
        "readyAt" timestamptz,
        UNIQUE ("modelId", version)
      )`);

    // Definitions stored before sentence modes, labels in tokens and clustering settings get those defaults.
    await queryRunner.query(`
      INSERT INTO model_versions (id, "modelId", version, status, "captureIds", definition, "vocabularySize",
        "corpusWords", "sentenceCount", "trainingSeconds", "epochLosses", error, "createdAt", "readyAt")
      SELECT id, id, 1, status, "captureIds",
        jsonb_set(
          '{"includeLabel": false, "clustering": {"k": 20, "maxIterations": 100}}'::jsonb || definition,
          '{sentences}', '{"seconds": 60}'::jsonb || (definition -> 'sentences')
        ),
        "vocabularySize", "corpusWords", "sentenceCount", "trainingSeconds", "epochLosses", error, "createdAt", "readyAt"
      FROM models`);

    await queryRunner.query(`
      ALTER TABLE models
        DROP COLUMN status, DROP COLUMN "captureIds", DROP COLUMN definition, DROP COLUMN "vocabularySize",
        DROP COLUMN "corpusWords", DROP COLUMN "sentenceCount", DROP COLUMN "trainingSeconds",
        DROP COLUMN "epochLosses", DROP COLUMN error, DROP COLUMN "readyAt",
        ADD COLUMN "latestVersion" integer NOT NULL DEFAULT 1`);

    // A token belongs to one version; "modelId" keeps its name and now holds the version's id.
    await queryRunner.query(`ALTER TABLE tokens DROP CONSTRAINT "tokens_modelId_fkey"`);
    await queryRunner.query(`
      ALTER TABLE tokens ADD CONSTRAINT tokens_version_fkey
        FOREIGN KEY ("modelId") REFERENCES model_versions(id) ON DELETE CASCADE`);

    await queryRunner.query(`
      ALTER TABLE jobs
        ADD COLUMN "versionId" uuid REFERENCES model_versions(id) ON DELETE CASCADE,
        ADD COLUMN "phaseSeconds" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`UPDATE jobs SET "versionId" = "modelId"`);
    await queryRunner.query(`ALTER TABLE jobs ALTER COLUMN "versionId" SET NOT NULL`);
    await queryRunner.query(`CREATE INDEX jobs_state ON jobs (state)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    throw new Error(
      'ModelVersions1764960000000 cannot be reverted: models with several versions have no single-version form',
    );
  }
}
