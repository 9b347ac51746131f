import { MigrationInterface, QueryRunner } from 'typeorm';

export class CancelReasonsAndOwnIdentification1763902100000 implements MigrationInterface {
  name = 'CancelReasonsAndOwnIdentification1763902100000';

  async up(q: QueryRunner): Promise<void> {
    // Why an expectation was cancelled (a code from expectation-rules.ts, never personal data); rows cancelled
    // before this column keep NULL: the reason was not recorded then.
    await q.query(
      `ALTER TABLE expectations ADD COLUMN cancel_reason text CHECK (cancel_reason ~ '^[A-Z][A-Z_]{1,63}$')`,
    );
    // This node's own identification decision on another country's case: it drives this node's gates only;
    // identification_status stays the owner's, set by the owner's referrals alone.
    await q.query(`ALTER TABLE cases ADD COLUMN own_identification_status text`);
    await q.query(`ALTER TABLE cases ADD COLUMN own_identification_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN own_identification_at`);
    await q.query(`ALTER TABLE cases DROP COLUMN own_identification_status`);
    await q.query(`ALTER TABLE expectations DROP COLUMN cancel_reason`);
  }
}
