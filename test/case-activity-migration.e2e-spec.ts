import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { CaseActivity1763902200000 } from '../migrations/1763902200000-case-activity';
import { ThrowawayDatabase } from './support/throwaway-database';

/**
 * The case-activity migration (issue 12, the console's case list) on a database written before it: every
 * case's last activity is backfilled from its own row, messages, consents and assessments; afterwards the
 * database keeps it in the writing transaction, and what is no activity (a receipt, a re-encryption) leaves
 * it alone.
 */
describe('case activity migration and triggers (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    dataSource.query(sql, params);
  const activity = async (caseRef: string): Promise<string> =>
    (
      await q<{ at: string }>(
        `SELECT to_char(last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
         FROM cases WHERE case_ref = $1`,
        [caseRef],
      )
    )[0].at;

  const day = (d: number): string => `2026-03-${String(d).padStart(2, '0')}T10:00:00Z`;
  const message = (caseRef: string, type: string, at: string, id: string) =>
    q(
      `INSERT INTO messages (id, case_ref, direction, type, counterpart, legal_basis, status, created_at)
       VALUES ($1, $2, 'INBOUND', $3, 'MK', 'CONSENT', 'ACCEPTED', $4)`,
      [id, caseRef, type, at],
    );

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
    dataSource = await scratch.migrateWithout(CaseActivity1763902200000);
  });

  afterAll(() => scratch?.drop());

  it('backfills each case from its newest row, then keeps it in the writing transaction', async () => {
    for (const [ref, opened] of [
      ['TRM-FR-2026-000001', day(1)],
      ['TRM-FR-2026-000002', day(1)],
      ['TRM-FR-2026-000003', day(1)],
      ['TRM-FR-2026-000004', day(1)],
    ])
      await q(
        `INSERT INTO cases (case_ref, owner_country, opened_at, updated_at, managers) VALUES ($1, 'FR', $2, $2, '[]')`,
        [ref, opened],
      );
    // 1: nothing but the case; 2: a message on day 5; 3: a consent withdrawn on day 9; 4: an assessment on day 7.
    await message('TRM-FR-2026-000002', 'CASE_UPDATE', day(5), '0190a0b0-0000-7000-8000-000000000001');
    await q(
      `INSERT INTO consent_records (case_ref, scopes, recipients, given_by, informed, informed_language,
         recorded_by, given_at, recorded_at, withdrawn_at)
       VALUES ('TRM-FR-2026-000003', '{SHARE_IDENTITY}', '{MK}', 'VICTIM', true, 'fr', 'api:c', $1, $1, $2)`,
      [day(2), day(9)],
    );
    await q(
      `INSERT INTO risk_assessments (case_ref, country, level, factors, summary, complete, assessed_by,
         assessed_at, valid_until, recorded_at)
       VALUES ('TRM-FR-2026-000004', 'FR', 'LOW', '[]', 'x', true, 'api:c', $1, $2, $1)`,
      [day(7), day(30)],
    );

    dataSource = await scratch.open({ migrations: MIGRATIONS });
    expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual(['CaseActivity1763902200000']);
    expect(
      await Promise.all(['000001', '000002', '000003', '000004'].map((n) => activity(`TRM-FR-2026-${n}`))),
    ).toEqual([day(1), day(5), day(9), day(7)]);

    // A receipt is no activity; a message is, in its own transaction.
    await message('TRM-FR-2026-000001', 'DELIVERY_RECEIPT', day(20), '0190a0b0-0000-7000-8000-000000000002');
    expect(await activity('TRM-FR-2026-000001')).toBe(day(1));
    const [{ before }] = await q<{ before: Date }>(`SELECT clock_timestamp() AS before`);
    await message('TRM-FR-2026-000001', 'CASE_UPDATE', day(20), '0190a0b0-0000-7000-8000-000000000003');
    const [{ moved }] = await q<{ moved: boolean }>(
      `SELECT last_activity_at BETWEEN $1 AND clock_timestamp() AS moved FROM cases WHERE case_ref = $2`,
      [before, 'TRM-FR-2026-000001'],
    );
    expect(moved).toBe(true);

    // A withdrawal is; re-encrypting the child's view under a new key is not.
    await q(
      `INSERT INTO consent_records (case_ref, scopes, recipients, given_by, informed, informed_language,
         recorded_by, given_at, child_view)
       VALUES ('TRM-FR-2026-000002', '{SHARE_IDENTITY}', '{MK}', 'GUARDIAN', true, 'fr', 'api:c', $1, 'v')`,
      [day(2)],
    );
    await q(`UPDATE cases SET last_activity_at = $1 WHERE case_ref = 'TRM-FR-2026-000002'`, [day(6)]);
    await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('trm.rekey', 'on', true)`);
      await manager.query(
        `UPDATE consent_records SET child_view = 'w' WHERE case_ref = 'TRM-FR-2026-000002' AND child_view = 'v'`,
      );
    });
    expect(await activity('TRM-FR-2026-000002')).toBe(day(6));
    await q(
      `UPDATE consent_records SET withdrawn_at = now(), withdrawn_by = 'api:c' WHERE case_ref = 'TRM-FR-2026-000002'`,
    );
    expect(Date.parse(await activity('TRM-FR-2026-000002'))).toBeGreaterThan(Date.parse(day(6)));

    // A change to the case row itself (here its phases, as the workflow writes them) is activity too.
    await q(
      `UPDATE cases SET phases = '{"2":"ACTIVE"}', updated_at = $1 WHERE case_ref = 'TRM-FR-2026-000004'`,
      [day(25)],
    );
    expect(await activity('TRM-FR-2026-000004')).toBe(day(25));

    await dataSource.undoLastMigration();
    const columns = await q(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'cases' AND column_name = 'last_activity_at'`,
    );
    expect(columns).toEqual([]);
  });
});
