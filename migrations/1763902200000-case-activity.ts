import { MigrationInterface, QueryRunner } from 'typeorm';

/** Kinds of rows whose insert (or, for a consent, withdrawal) is activity on their case. */
const ACTIVITY_TABLES = ['messages', 'consent_records', 'risk_assessments'] as const;

export class CaseActivity1763902200000 implements MigrationInterface {
  name = 'CaseActivity1763902200000';

  async up(q: QueryRunner): Promise<void> {
    // The console's case list (issue 12) shows the newest activity first and pages by it: a column kept on the
    // case, indexed, rather than a max() over every message at each request.
    await q.query(`ALTER TABLE cases ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now()`);
    await q.query(`
      UPDATE cases c SET last_activity_at = greatest(
        c.opened_at, c.updated_at,
        (SELECT max(created_at) FROM messages m WHERE m.case_ref = c.case_ref),
        (SELECT max(greatest(recorded_at, withdrawn_at)) FROM consent_records r WHERE r.case_ref = c.case_ref),
        (SELECT max(recorded_at) FROM risk_assessments a WHERE a.case_ref = c.case_ref))`);
    // Kept by the database, in the transaction of the change itself, whichever code path writes it: a message
    // sent or received (receipts and checkpoints are not activity, and skipping them keeps the relay and the
    // receipt handler off the case row), a consent recorded or withdrawn, an assessment recorded, and any change
    // to the case row itself (phases, roles, managers, closing: everything that moves updated_at). Re-encryption
    // under a new data key sets only the encrypted column, so it is no activity.
    await q.query(`
      CREATE FUNCTION case_activity_from_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE cases SET last_activity_at = greatest(last_activity_at, now())
          WHERE case_ref = NEW.case_ref AND last_activity_at < now();
        RETURN NULL;
      END $$`);
    const when: Record<(typeof ACTIVITY_TABLES)[number], string> = {
      messages: `NEW.case_ref IS NOT NULL AND NEW.type NOT IN ('DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT')`,
      consent_records: 'true',
      risk_assessments: 'true',
    };
    for (const table of ACTIVITY_TABLES) {
      await q.query(`
        CREATE TRIGGER ${table}_case_activity AFTER INSERT ${table === 'consent_records' ? 'OR UPDATE OF withdrawn_at ' : ''}ON ${table}
        FOR EACH ROW WHEN (${when[table]}) EXECUTE FUNCTION case_activity_from_row()`);
    }
    await q.query(`
      CREATE FUNCTION case_activity_from_case() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.last_activity_at := greatest(NEW.last_activity_at, NEW.updated_at);
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER cases_activity BEFORE UPDATE OF updated_at ON cases
      FOR EACH ROW EXECUTE FUNCTION case_activity_from_case()`);
    // The list's order and keyset (newest activity first, the reference breaking ties), whole and per status.
    await q.query(`CREATE INDEX cases_activity_idx ON cases (last_activity_at DESC, case_ref DESC)`);
    await q.query(
      `CREATE INDEX cases_status_activity_idx ON cases (status, last_activity_at DESC, case_ref DESC)`,
    );
    // Consents about to expire, for the worklist.
    await q.query(
      `CREATE INDEX consent_records_expiry_idx ON consent_records (expires_at) WHERE withdrawn_at IS NULL AND expires_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS consent_records_expiry_idx`);
    await q.query(`DROP INDEX IF EXISTS cases_status_activity_idx`);
    await q.query(`DROP INDEX IF EXISTS cases_activity_idx`);
    await q.query(`DROP TRIGGER IF EXISTS cases_activity ON cases`);
    await q.query(`DROP FUNCTION IF EXISTS case_activity_from_case()`);
    for (const table of ACTIVITY_TABLES)
      await q.query(`DROP TRIGGER IF EXISTS ${table}_case_activity ON ${table}`);
    await q.query(`DROP FUNCTION IF EXISTS case_activity_from_row()`);
    await q.query(`ALTER TABLE cases DROP COLUMN last_activity_at`);
  }
}
