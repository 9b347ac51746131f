import { MigrationInterface, QueryRunner } from 'typeorm';

export class ConsentAndRisk1763900200000 implements MigrationInterface {
  name = 'ConsentAndRisk1763900200000';

  async up(q: QueryRunner): Promise<void> {
    // What the policies need to know about the person, without holding the person's data on the case row.
    await q.query(`ALTER TABLE cases
      ADD COLUMN age_status text CHECK (age_status IN ('DOCUMENTED_ADULT', 'DOCUMENTED_CHILD', 'PRESUMED_CHILD', 'DISPUTED')),
      ADD COLUMN identification_status text,
      ADD COLUMN restricted_at timestamptz`);
    await q.query(`
      CREATE TABLE consent_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        scopes text[] NOT NULL,
        recipients text[] NOT NULL,
        given_by text NOT NULL CHECK (given_by IN ('VICTIM', 'GUARDIAN', 'LEGAL_REPRESENTATIVE')),
        child_view text,
        informed boolean NOT NULL,
        informed_language text NOT NULL,
        recorded_by text NOT NULL,
        given_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        withdrawn_at timestamptz,
        withdrawn_by text,
        CHECK (informed)
      )`);
    await q.query(`CREATE INDEX consent_records_case_idx ON consent_records (case_ref, recorded_at)`);
    // Consent is never edited: a change is a new record, and the only later write is its withdrawal, once.
    await q.query(`
      CREATE FUNCTION consent_records_withdraw_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'consent records are never deleted'; END IF;
        IF OLD.withdrawn_at IS NOT NULL
           OR (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by') <> (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by') THEN
          RAISE EXCEPTION 'consent records are never edited: record a new one';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER consent_records_withdraw_only BEFORE UPDATE OR DELETE ON consent_records
      FOR EACH ROW EXECUTE FUNCTION consent_records_withdraw_only()`);
    // Withdrawals other countries told us about: their consent id no longer covers anything.
    await q.query(`
      CREATE TABLE peer_consent_withdrawals (
        consent_id text NOT NULL,
        country char(2) NOT NULL,
        case_ref text NOT NULL,
        message_id uuid NOT NULL,
        withdrawn_at timestamptz NOT NULL,
        PRIMARY KEY (consent_id, country)
      )`);
    await q.query(`
      CREATE TABLE risk_assessments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        country char(2) NOT NULL,
        level text NOT NULL CHECK (level IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
        factors jsonb NOT NULL,
        summary text NOT NULL,
        protection_plan text,
        complete boolean NOT NULL,
        assessed_by text NOT NULL,
        assessed_at timestamptz NOT NULL,
        valid_until timestamptz NOT NULL,
        source_message_id uuid,
        review_required_at timestamptz,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX risk_assessments_case_idx ON risk_assessments (case_ref, assessed_at)`);
    await q.query(`
      CREATE TABLE risk_overrides (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        assessment_id uuid NOT NULL REFERENCES risk_assessments (id),
        message_type text NOT NULL,
        reason text NOT NULL CHECK (length(reason) >= 20),
        overridden_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX risk_overrides_case_idx ON risk_overrides (case_ref, message_type)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE IF EXISTS risk_overrides, risk_assessments, peer_consent_withdrawals, consent_records`,
    );
    await q.query(`DROP FUNCTION IF EXISTS consent_records_withdraw_only`);
    await q.query(
      `ALTER TABLE cases DROP COLUMN age_status, DROP COLUMN identification_status, DROP COLUMN restricted_at`,
    );
  }
}
