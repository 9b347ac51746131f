import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every column `@EncryptedColumn` marks, as `table.column` (docs/data-at-rest.md). */
const ENCRYPTED = [
  'messages.payload',
  'outbox.body',
  'agency_replies.body',
  'consent_records.child_view',
  'risk_assessments.factors',
  'risk_assessments.summary',
  'risk_assessments.protection_plan',
  'risk_overrides.reason',
  'cases.managers',
  'cases.guardian',
];

/**
 * Field encryption bound to the row (`v2`: table, column and primary key in the associated data). A
 * migration holds no data key, so this one changes nothing: the node re-encrypts the `v1` values at its next
 * start, before it serves anything, in batches that each commit (src/crypto/field-rekey.ts, the step that
 * also encrypts values left in clear, and the machinery `npm run keys:rotate` uses), with the progress in its
 * log; interrupted, the next start goes on where it stopped. Until then `v1` values still open.
 *
 * Down refuses once any value is row-bound: the code before this migration cannot read `v2`; going back
 * then means restoring the backup taken before the upgrade.
 */
export class RowBoundFields1763901400000 implements MigrationInterface {
  name = 'RowBoundFields1763901400000';

  async up(): Promise<void> {
    // Nothing to change in the schema; see above.
  }

  async down(q: QueryRunner): Promise<void> {
    for (const where of ENCRYPTED) {
      const [table, column] = where.split('.');
      const [{ count }]: Array<{ count: string }> = await q.query(
        `SELECT count(*) AS count FROM ${table} WHERE ${column} LIKE 'v2.%'`,
      );
      if (Number(count) > 0) {
        throw new Error(
          `${where} holds ${count} values bound to their rows (v2), which the code before this migration cannot ` +
            'read: restore the database backup taken before the upgrade',
        );
      }
    }
  }
}
