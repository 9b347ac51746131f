import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agencies' reply bodies join field encryption at rest (docs/data-at-rest.md): an answer's body carries
 * its payload sealed for the agency, like the transnational outbox's. As in 1763900400000-field-encryption,
 * the migration only changes the type (bytea to base64 text): it holds no key, so the node encrypts the
 * existing bodies at its next start, before it serves anything.
 *
 * Down works only while no body is encrypted yet; after that, going back means restoring the backup taken
 * before the upgrade.
 */
export class AgencyReplyEncryption1763900900000 implements MigrationInterface {
  name = 'AgencyReplyEncryption1763900900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agency_replies ALTER COLUMN body TYPE text USING encode(body, 'base64')`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ count }]: Array<{ count: string }> = await q.query(
      `SELECT count(*) AS count FROM agency_replies WHERE body LIKE 'v1.%'`,
    );
    if (Number(count) > 0) {
      throw new Error(
        `agency_replies.body holds ${count} encrypted values: field encryption cannot be undone in place, ` +
          'restore the database backup taken before the upgrade',
      );
    }
    await q.query(`ALTER TABLE agency_replies ALTER COLUMN body TYPE bytea USING decode(body, 'base64')`);
  }
}
