import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The case managers and the guardian join field encryption at rest (docs/data-at-rest.md): free text naming
 * professionals (name, institution, role, appointment date). As in 1763900400000-field-encryption, the
 * migration only changes the types (jsonb to JSON text): it holds no key, so the node encrypts the existing
 * values at its next start, before it serves anything. The '[]' default goes: it would be stored in clear;
 * the node writes an encrypted empty list when it creates a case.
 *
 * Down works only while nothing is encrypted yet; after that, going back means restoring the backup taken
 * before the upgrade.
 */
export class CasePeopleEncryption1763901000000 implements MigrationInterface {
  name = 'CasePeopleEncryption1763901000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ALTER COLUMN managers DROP DEFAULT`);
    await q.query(`ALTER TABLE cases ALTER COLUMN managers TYPE text USING managers::text`);
    await q.query(`ALTER TABLE cases ALTER COLUMN guardian TYPE text USING guardian::text`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const column of ['managers', 'guardian']) {
      const [{ count }]: Array<{ count: string }> = await q.query(
        `SELECT count(*) AS count FROM cases WHERE ${column} LIKE 'v1.%'`,
      );
      if (Number(count) > 0) {
        throw new Error(
          `cases.${column} holds ${count} encrypted values: field encryption cannot be undone in place, ` +
            'restore the database backup taken before the upgrade',
        );
      }
    }
    await q.query(`ALTER TABLE cases ALTER COLUMN guardian TYPE jsonb USING guardian::jsonb`);
    await q.query(`ALTER TABLE cases ALTER COLUMN managers TYPE jsonb USING managers::jsonb`);
    await q.query(`ALTER TABLE cases ALTER COLUMN managers SET DEFAULT '[]'::jsonb`);
  }
}
