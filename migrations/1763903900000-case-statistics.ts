import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The statistical categories a referral gives (issue 16, anonymised statistics): sex, age band and forms of
 * exploitation, coarse codes kept on the case row so counting 10,000 cases needs no decryption. They name
 * nobody alone; the statistics route suppresses every small count before anything leaves
 * (docs/indicators.md).
 */
export class CaseStatistics1763903900000 implements MigrationInterface {
  name = 'CaseStatistics1763903900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cases
        ADD COLUMN sex text,
        ADD COLUMN age_band text,
        ADD COLUMN exploitation_types text[]`);
    await q.query(`CREATE INDEX cases_opened_at_idx ON cases (opened_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_opened_at_idx`);
    await q.query(`ALTER TABLE cases DROP COLUMN sex, DROP COLUMN age_band, DROP COLUMN exploitation_types`);
  }
}
