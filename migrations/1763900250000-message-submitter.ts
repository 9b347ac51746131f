import { MigrationInterface, QueryRunner } from 'typeorm';

export class MessageSubmitter1763900250000 implements MigrationInterface {
  name = 'MessageSubmitter1763900250000';

  async up(q: QueryRunner): Promise<void> {
    // Who asked for an outbound message (`api:<account>`, `agency:<code>`, `node:<CC>`): an agency sees only
    // its own submissions and the replies to them.
    await q.query(`ALTER TABLE messages ADD COLUMN submitted_by text`);
    await q.query(`CREATE INDEX messages_submitted_by_idx ON messages (submitted_by, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX messages_submitted_by_idx`);
    await q.query(`ALTER TABLE messages DROP COLUMN submitted_by`);
  }
}
