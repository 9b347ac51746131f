import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-case data keys (docs/data-at-rest.md, "Per-case keys"): each case's personal data goes under its own
 * key, stored here wrapped by the node's data key, so erasing a case destroys its key. A migration holds no
 * key: the node moves the existing values of each case under its key at its next start (boot step 3), in
 * batches that resume. `down` refuses once any value is under a case key: the code before cannot read it.
 */
export class CaseKeys1764200000000 implements MigrationInterface {
  name = 'CaseKeys1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_keys (
        case_ref text PRIMARY KEY,
        wrapped_key text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        erased_at timestamptz,
        CONSTRAINT case_keys_erased_has_no_key CHECK (erased_at IS NULL OR wrapped_key IS NULL)
      )`);
    // A peer's signed body carries the payload sealed for this node: personal data of the message's case.
    await q.query(`ALTER TABLE inbound_wire ADD COLUMN case_ref text`);
    await q.query(`UPDATE inbound_wire w SET case_ref = m.case_ref FROM messages m WHERE m.id = w.id`);
    await q.query(`CREATE INDEX inbound_wire_case_idx ON inbound_wire (case_ref)`);
    // When the case's key was destroyed; the row keeps its non-personal facts for the indicators.
    await q.query(`ALTER TABLE cases ADD COLUMN erased_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ count }]: Array<{ count: string }> = await q.query(`SELECT count(*) AS count FROM case_keys`);
    if (Number(count) > 0)
      throw new Error(
        `case_keys holds ${count} case keys: values under them cannot be read by the code before this migration; restore the backup taken before the upgrade instead`,
      );
    await q.query(`ALTER TABLE cases DROP COLUMN erased_at`);
    await q.query(`ALTER TABLE inbound_wire DROP COLUMN case_ref`);
    await q.query(`DROP TABLE case_keys`);
  }
}
