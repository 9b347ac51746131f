import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox is keyed by (message id, sender): a second sender reusing an id gets its own row (REJECTED,
 * POLICY_DENIED), so its redeliveries are answered from that row like any duplicate instead of being
 * refused anew each time, and the first sender's row stays as it was.
 *
 * Down works only while no id is held by two senders (it would not fit the old key).
 */
export class InboxSenderKey1763901100000 implements MigrationInterface {
  name = 'InboxSenderKey1763901100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE inbox DROP CONSTRAINT inbox_pkey`);
    await q.query(`ALTER TABLE inbox ADD CONSTRAINT inbox_pkey PRIMARY KEY (message_id, sender)`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ count }]: Array<{ count: string }> = await q.query(
      `SELECT count(*) AS count FROM (SELECT message_id FROM inbox GROUP BY message_id HAVING count(*) > 1) s`,
    );
    if (Number(count) > 0)
      throw new Error(`${count} message ids are held by two senders: the inbox cannot go back to one key`);
    await q.query(`ALTER TABLE inbox DROP CONSTRAINT inbox_pkey`);
    await q.query(`ALTER TABLE inbox ADD CONSTRAINT inbox_pkey PRIMARY KEY (message_id)`);
  }
}
