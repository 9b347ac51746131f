import { MigrationInterface, QueryRunner } from 'typeorm';

export class AgencyGrants1763900800000 implements MigrationInterface {
  name = 'AgencyGrants1763900800000';

  async up(q: QueryRunner): Promise<void> {
    // A grant names an auditor's account or an agency code (docs/access.md): what an agency may act on is the
    // agency's, as what it sees already is, so one grant covers its HTTP accounts and its AMQP system alike.
    // No foreign key on the code: an agency with HTTP accounts only is not in `agencies`.
    await q.query(`ALTER TABLE case_grants DROP CONSTRAINT case_grants_pkey`);
    await q.query(`ALTER TABLE case_grants ALTER COLUMN account DROP NOT NULL`);
    await q.query(`ALTER TABLE case_grants ADD COLUMN agency text CHECK (agency ~ '^[a-z0-9-]{2,40}$')`);
    await q.query(
      `ALTER TABLE case_grants ADD CONSTRAINT case_grants_one_grantee CHECK (num_nonnulls(account, agency) = 1)`,
    );
    // Grants made to agency accounts become their agency's (the earliest one where two accounts had it).
    await q.query(`
      INSERT INTO case_grants (agency, case_ref, granted_at, granted_by)
      SELECT DISTINCT ON (a.agency, g.case_ref) a.agency, g.case_ref, g.granted_at, g.granted_by
      FROM case_grants g JOIN accounts a ON a.name = g.account
      WHERE a.role = 'agency'
      ORDER BY a.agency, g.case_ref, g.granted_at`);
    await q.query(
      `DELETE FROM case_grants g USING accounts a WHERE a.name = g.account AND a.role = 'agency'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX case_grants_account_idx ON case_grants (account, case_ref) WHERE account IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX case_grants_agency_idx ON case_grants (agency, case_ref) WHERE agency IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to grants per account: every account of the agency gets the agency's grants.
    await q.query(`
      INSERT INTO case_grants (account, case_ref, granted_at, granted_by)
      SELECT a.name, g.case_ref, g.granted_at, g.granted_by
      FROM case_grants g JOIN accounts a ON a.agency = g.agency
      ON CONFLICT DO NOTHING`);
    await q.query(`DELETE FROM case_grants WHERE agency IS NOT NULL`);
    await q.query(`DROP INDEX case_grants_agency_idx`);
    await q.query(`DROP INDEX case_grants_account_idx`);
    await q.query(`ALTER TABLE case_grants DROP CONSTRAINT case_grants_one_grantee`);
    await q.query(`ALTER TABLE case_grants DROP COLUMN agency`);
    await q.query(`ALTER TABLE case_grants ADD PRIMARY KEY (account, case_ref)`);
  }
}
