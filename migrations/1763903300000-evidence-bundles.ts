import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a case's evidence bundle needs (docs/audit.md, "Evidence bundle per case"):
 *
 * - `audit_chain.link`: how a row links its entry. Rows sealed until now keep 1 (the entry's canonical text
 *   hashed onto the previous hash); the sealer writes 2 from now on (the entry's SHA-256 leaf hashed onto the
 *   previous hash), so a bundle can recompute the chain across other cases' entries from their leaves alone.
 *   Adding a column with a default writes no row, so the append-only trigger is not involved; on a database
 *   whose audit tables were handed to their own role, this step must run as that role (the check below says so).
 * - `inbound_wire`: the exact signed body, signature and signing key id of every message accepted from a peer
 *   (the outbox already keeps ours): the peer's signed statement, encrypted at rest like the outbox's body.
 *
 * Down refuses while link-2 rows exist: the older code would read them as link 1 and report every one edited.
 */
export class EvidenceBundles1763903300000 implements MigrationInterface {
  name = 'EvidenceBundles1763903300000';

  async up(q: QueryRunner): Promise<void> {
    const [{ owner }]: Array<{ owner: boolean }> = await q.query(
      `SELECT pg_has_role(current_user, relowner, 'USAGE') AS owner FROM pg_class WHERE oid = 'audit_chain'::regclass`,
    );
    if (!owner)
      throw new Error(
        'audit_chain belongs to another role (the audit handover): run this migration as that role, ' +
          'or hand the table back for it (docs/audit.md, "Append-only")',
      );
    await q.query(`ALTER TABLE audit_chain ADD COLUMN link smallint NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_link_check CHECK (link IN (1, 2))`);
    await q.query(`ALTER TABLE audit_chain ALTER COLUMN link SET DEFAULT 2`);
    await q.query(`
      CREATE TABLE inbound_wire (
        id uuid PRIMARY KEY, -- the message's id
        sender char(2) NOT NULL,
        key_id text NOT NULL,
        body text NOT NULL,
        signature text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ count }]: Array<{ count: string }> = await q.query(
      `SELECT count(*) AS count FROM audit_chain WHERE link = 2`,
    );
    if (Number(count) > 0)
      throw new Error(`${count} chain rows are sealed with link 2: the older code could not verify them`);
    await q.query(`DROP TABLE inbound_wire`);
    await q.query(`ALTER TABLE audit_chain DROP COLUMN link`);
  }
}
