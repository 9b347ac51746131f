import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Four eyes on risk overrides (docs/consent-policy.md): an override is usable only once a second coordinator
 * confirmed it. The database holds the rule too: the confirmer is never the requester, and a confirmation
 * has both its author and its time. Overrides recorded before this migration were given by one coordinator
 * alone: they stay pending until a second one confirms them.
 */
export class OverrideConfirmation1763901300000 implements MigrationInterface {
  name = 'OverrideConfirmation1763901300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE risk_overrides
        ADD COLUMN confirmed_by text,
        ADD COLUMN confirmed_at timestamptz,
        ADD CONSTRAINT risk_overrides_four_eyes CHECK (confirmed_by IS NULL OR confirmed_by <> overridden_by),
        ADD CONSTRAINT risk_overrides_confirmation CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE risk_overrides
        DROP CONSTRAINT risk_overrides_confirmation,
        DROP CONSTRAINT risk_overrides_four_eyes,
        DROP COLUMN confirmed_at,
        DROP COLUMN confirmed_by`);
  }
}
