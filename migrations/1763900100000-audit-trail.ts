import { MigrationInterface, QueryRunner } from 'typeorm';

const APPEND_ONLY_TABLES = ['audit_log', 'audit_chain', 'audit_peer_checkpoints'];
const AUDIT_STATISTICS = [
  ['audit_log_country_type_stats', 'counterpart, message_type'],
  ['audit_log_country_action_stats', 'counterpart, action'],
  ['audit_log_type_action_stats', 'message_type, action'],
];

/**
 * The audit trail auditors can trust (issue 4): a hash chain sealed beside the append-only log, the peers'
 * signed checkpoints, the indexes of the auditor API, and the grants and triggers that keep all three
 * append-only. docs/audit.md explains each choice.
 */
export class AuditTrail1763900100000 implements MigrationInterface {
  name = 'AuditTrail1763900100000';

  async up(q: QueryRunner): Promise<void> {
    // The inserting transaction's id lets the sealer find every entry committed since its last pass exactly,
    // whatever order transactions commit in (bigserial values are taken at insert, not at commit).
    await q.query(`ALTER TABLE audit_log ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(
      `ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_code CHECK (action ~ '^[A-Z][A-Z0-9_]{1,63}$')`,
    );
    await q.query(
      `ALTER TABLE audit_log ADD CONSTRAINT audit_log_decision CHECK (decision IS NULL OR decision IN ('ALLOW', 'DENY'))`,
    );
    await q.query(`CREATE INDEX audit_log_xid_idx ON audit_log (xid)`);

    // The auditor API pages in (at, seq) order: one index per filter, each ending in (at, seq), so a filter,
    // a time range and a keyset cursor are all one index range. DENY is rare enough for a partial index.
    await q.query(`DROP INDEX IF EXISTS audit_log_case_idx`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at, seq)`);
    for (const column of ['case_ref', 'counterpart', 'message_type', 'actor', 'action']) {
      await q.query(`CREATE INDEX audit_log_${column}_idx ON audit_log (${column}, at, seq)`);
    }
    await q.query(`CREATE INDEX audit_log_denied_idx ON audit_log (at, seq) WHERE decision = 'DENY'`);
    // Filters combine (e.g. a message type to one country). Assuming the columns independent, the planner
    // walks one index in order hoping to meet the other value soon, and reads the whole range when the pair
    // never occurs (120 ms at 1M entries); knowing the pairs, it intersects both indexes instead (6 ms).
    for (const [name, columns] of AUDIT_STATISTICS) {
      await q.query(`CREATE STATISTICS ${name} (mcv) ON ${columns} FROM audit_log`);
      await q.query(`ALTER STATISTICS ${name} SET STATISTICS 1000`);
    }

    // One row per sealed entry, in sealing order. Kept apart from audit_log so that neither table is ever
    // updated: the entry is written in the business transaction, its seal later by the sealer.
    await q.query(`
      CREATE TABLE audit_chain (
        pos bigint PRIMARY KEY CHECK (pos > 0),
        entry_seq bigint NOT NULL UNIQUE,
        prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
        hash bytea NOT NULL CHECK (octet_length(hash) = 32),
        sealed_at timestamptz NOT NULL DEFAULT now(),
        horizon xid8
      )`);
    await q.query(`COMMENT ON COLUMN audit_chain.horizon IS
      'Set by a complete sealing pass: every entry whose xid is below it was sealed. Not hashed; lets a restarted sealer resume without a full scan.'`);

    // What peers signed about their own chains: kept as the exact signed bytes, so the statement can be
    // checked again by anyone holding the peer's directory key.
    await q.query(`
      CREATE TABLE audit_peer_checkpoints (
        id bigserial PRIMARY KEY,
        peer char(2) NOT NULL,
        message_id uuid NOT NULL UNIQUE,
        seq bigint NOT NULL CHECK (seq >= 0),
        head_hash text NOT NULL CHECK (head_hash ~ '^[0-9a-f]{64}$'),
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        body bytea NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_peer_checkpoints_peer_idx ON audit_peer_checkpoints (peer, seq)`);

    // Append-only: nobody holds UPDATE, DELETE or TRUNCATE, not even the owner (which is the application's
    // role when it runs its own migrations); the trigger stops whoever would grant them back, a superuser
    // included, unless triggers are switched off on purpose (which the tamper tests do).
    await q.query(`
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of APPEND_ONLY_TABLES) {
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${table} FROM PUBLIC, CURRENT_USER`);
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_append_only()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of AUDIT_STATISTICS) await q.query(`DROP STATISTICS IF EXISTS ${name}`);
    await q.query(`DROP TABLE IF EXISTS audit_peer_checkpoints`);
    await q.query(`DROP TABLE IF EXISTS audit_chain`);
    await q.query(`DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log`);
    await q.query(`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`);
    await q.query(`DROP FUNCTION IF EXISTS audit_append_only()`);
    await q.query(`GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO CURRENT_USER`);
    for (const index of [
      'at',
      'case_ref',
      'counterpart',
      'message_type',
      'actor',
      'action',
      'denied',
      'xid',
    ]) {
      await q.query(`DROP INDEX IF EXISTS audit_log_${index}_idx`);
    }
    await q.query(`CREATE INDEX audit_log_case_idx ON audit_log (case_ref, seq)`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_decision`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_action_code`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN IF EXISTS xid`);
  }
}
