import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds what similarity and vocabulary queries read: a nullable cluster id per token (filled by
 * clustering), the counts of tokens cut from a vocabulary by minCount, and the indexes behind
 * vocabulary search by substring, prefix and address range.
 */
export class QuerySupport1764890000000 implements MigrationInterface {
  name = 'QuerySupport1764890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tokens ADD COLUMN IF NOT EXISTS cluster integer`);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS cut_tokens (
        "modelId" uuid NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        token text NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY ("modelId", token)
      )`);

    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    // Substring search (LIKE '%…%') uses the trigram index, which btree_gin lets lead with the model id
    // so that one model's search never scans another's tokens. Prefix search uses the pattern-ops B-tree.
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tokens_model_token_trgm ON tokens USING gin ("modelId", token gin_trgm_ops)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS tokens_model_token_prefix ON tokens ("modelId", token text_pattern_ops)`,
    );

    // Returns the address in a token field, or NULL when the text is not an IP address, so that a
    // CIDR search never fails on a field such as an Argus MAC address.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION flow2vec_inet(value text) RETURNS inet
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
      BEGIN
        IF value !~ '^[0-9A-Fa-f:.]+$' THEN
          RETURN NULL;
        END IF;
        RETURN value::inet;
      EXCEPTION WHEN invalid_text_representation THEN
        RETURN NULL;
      END $$`);
    // Token fields are joined with "|"; the default fields start with the source and destination address,
    // so these two indexes serve CIDR search for models with the default token fields.
    for (const [name, position] of [
      ['tokens_field1_inet', 1],
      ['tokens_field2_inet', 2],
    ] as const) {
      await queryRunner.query(
        `CREATE INDEX IF NOT EXISTS ${name} ON tokens USING gist (flow2vec_inet(split_part(token, '|', ${position})) inet_ops)`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS tokens_field2_inet`);
    await queryRunner.query(`DROP INDEX IF EXISTS tokens_field1_inet`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS flow2vec_inet(text)`);
    await queryRunner.query(`DROP INDEX IF EXISTS tokens_model_token_prefix`);
    await queryRunner.query(`DROP INDEX IF EXISTS tokens_model_token_trgm`);
    await queryRunner.query(`DROP TABLE IF EXISTS cut_tokens`);
    await queryRunner.query(`ALTER TABLE tokens DROP COLUMN IF EXISTS cluster`);
  }
}
