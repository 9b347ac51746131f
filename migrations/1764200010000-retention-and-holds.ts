import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention and erasure of cases (docs/retention.md): a legal hold that suspends the retention period (a
 * reason code, who, since when), and an erasure an admin asked for, waiting for a second admin (four eyes).
 * Codes and actor names only: no personal data.
 */
export class RetentionAndHolds1764200010000 implements MigrationInterface {
  name = 'RetentionAndHolds1764200010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cases
        ADD COLUMN legal_hold text,
        ADD COLUMN legal_hold_by text,
        ADD COLUMN legal_hold_since timestamptz,
        ADD COLUMN erasure_requested_by text,
        ADD COLUMN erasure_requested_at timestamptz`);
    // The retention pass looks for closed cases past their period that nothing holds.
    await q.query(
      `CREATE INDEX cases_retention_idx ON cases (status, closed_at) WHERE erased_at IS NULL AND legal_hold IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_retention_idx`);
    await q.query(`
      ALTER TABLE cases
        DROP COLUMN legal_hold, DROP COLUMN legal_hold_by, DROP COLUMN legal_hold_since,
        DROP COLUMN erasure_requested_by, DROP COLUMN erasure_requested_at`);
  }
}
