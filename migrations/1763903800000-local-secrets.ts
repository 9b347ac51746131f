import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Local secrets on a case (issue 15): a shelter's address, a safe-house phone number, a protected contact.
 * They never leave the node: the label and the value are both encrypted for their row (docs/data-at-rest.md),
 * and the outbound gate refuses any payload holding a secret's value (docs/protocol.md, "Local secrets").
 */
export class LocalSecrets1763903800000 implements MigrationInterface {
  name = 'LocalSecrets1763903800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE local_secrets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        label text NOT NULL,
        value text NOT NULL,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX local_secrets_case_idx ON local_secrets (case_ref, recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE local_secrets`);
  }
}
