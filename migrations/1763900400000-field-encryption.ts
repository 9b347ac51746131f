import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every column holding victims' personal data, stored as `v1.<keyId>.<iv>.<tag>.<ciphertext>` text. */
const ENCRYPTED = [
  ['messages', 'payload'],
  ['outbox', 'body'],
  ['consent_records', 'child_view'],
  ['risk_assessments', 'factors'],
  ['risk_assessments', 'summary'],
  ['risk_assessments', 'protection_plan'],
  ['risk_overrides', 'reason'],
] as const;

/**
 * Field-level encryption at rest (docs/data-at-rest.md). The migration only changes the column types: a
 * migration holds no key, so existing values stay as they were (JSON text, base64 for the outbox body) and
 * the node encrypts them at its next start, before it serves anything.
 *
 * Down works only while nothing is encrypted yet; after that, going back means restoring the backup taken
 * before the upgrade (decrypting in SQL is impossible: the keys are not in the database).
 */
export class FieldEncryption1763900400000 implements MigrationInterface {
  name = 'FieldEncryption1763900400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ALTER COLUMN payload TYPE text USING payload::text`);
    await q.query(`ALTER TABLE outbox ALTER COLUMN body TYPE text USING encode(body, 'base64')`);
    await q.query(`ALTER TABLE risk_assessments ALTER COLUMN factors TYPE text USING factors::text`);
    // The length of a ciphertext says nothing of the reason's: the API checks the 20 characters.
    await q.query(`ALTER TABLE risk_overrides DROP CONSTRAINT risk_overrides_reason_check`);
    // Consent records stay uneditable, except that re-encryption under a new data key (a transaction that
    // sets trm.rekey) may replace child_view's ciphertext and nothing else.
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_records_withdraw_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'consent records are never deleted'; END IF;
        IF current_setting('trm.rekey', true) = 'on'
           AND (to_jsonb(NEW) - 'child_view') = (to_jsonb(OLD) - 'child_view') THEN
          RETURN NEW;
        END IF;
        IF OLD.withdrawn_at IS NOT NULL
           OR (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by') <> (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by') THEN
          RAISE EXCEPTION 'consent records are never edited: record a new one';
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, column] of ENCRYPTED) {
      const [{ count }]: Array<{ count: string }> = await q.query(
        `SELECT count(*) AS count FROM ${table} WHERE ${column} LIKE 'v1.%'`,
      );
      if (Number(count) > 0) {
        throw new Error(
          `${table}.${column} holds ${count} encrypted values: field encryption cannot be undone in place, ` +
            'restore the database backup taken before the upgrade',
        );
      }
    }
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_records_withdraw_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'consent records are never deleted'; END IF;
        IF OLD.withdrawn_at IS NOT NULL
           OR (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by') <> (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by') THEN
          RAISE EXCEPTION 'consent records are never edited: record a new one';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(
      `ALTER TABLE risk_overrides ADD CONSTRAINT risk_overrides_reason_check CHECK (length(reason) >= 20)`,
    );
    await q.query(`ALTER TABLE risk_assessments ALTER COLUMN factors TYPE jsonb USING factors::jsonb`);
    await q.query(`ALTER TABLE outbox ALTER COLUMN body TYPE bytea USING decode(body, 'base64')`);
    await q.query(`ALTER TABLE messages ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
  }
}
