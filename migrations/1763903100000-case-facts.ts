import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Facts on the case that the gates read (issue 15): an append-only table, one row per fact recorded (asylum
 * claim, identification change, reflection period and its extensions, threat, reopening), the fact itself
 * encrypted for its row. A case may be reopened: `reopened_at` says since when the CASE_CLOSED exchanged
 * before no longer close it.
 */
export class CaseFacts1763903100000 implements MigrationInterface {
  name = 'CaseFacts1763903100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_facts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        kind text NOT NULL CHECK (kind IN ('ASYLUM_CLAIM', 'IDENTIFICATION', 'REFLECTION_PERIOD',
          'REFLECTION_EXTENSION', 'THREAT', 'REOPENED')),
        fact text NOT NULL,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX case_facts_case_idx ON case_facts (case_ref, recorded_at)`);
    await q.query(`ALTER TABLE cases ADD COLUMN reopened_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN reopened_at`);
    await q.query(`DROP TABLE case_facts`);
  }
}
