import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys cut tokens by model version, as `tokens` is: `cut_tokens."modelId"` keeps its name and holds the version's
 * id, so that each retraining stores its own cut tokens and deleting a version deletes them.
 */
export class CutTokensByVersion1765250000000 implements MigrationInterface {
  name = 'CutTokensByVersion1765250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE cut_tokens DROP CONSTRAINT IF EXISTS "cut_tokens_modelId_fkey"`);
    // Rows stored under a model id stay valid where the model's first version shares that id; others have no version.
    await queryRunner.query(`DELETE FROM cut_tokens WHERE "modelId" NOT IN (SELECT id FROM model_versions)`);
    await queryRunner.query(`
      ALTER TABLE cut_tokens ADD CONSTRAINT cut_tokens_version_fkey
        FOREIGN KEY ("modelId") REFERENCES model_versions(id) ON DELETE CASCADE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE cut_tokens DROP CONSTRAINT IF EXISTS cut_tokens_version_fkey`);
    await queryRunner.query(`DELETE FROM cut_tokens WHERE "modelId" NOT IN (SELECT id FROM models)`);
    await queryRunner.query(`
      ALTER TABLE cut_tokens ADD CONSTRAINT "cut_tokens_modelId_fkey"
        FOREIGN KEY ("modelId") REFERENCES models(id) ON DELETE CASCADE`);
  }
}
