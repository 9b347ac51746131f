import { MigrationInterface, QueryRunner } from 'typeorm';

export class UseRestrictions1763903700000 implements MigrationInterface {
  name = 'UseRestrictions1763903700000';

  async up(q: QueryRunner): Promise<void> {
    // The use restrictions a message's data travelled under (docs/protocol.md, "Use restrictions"), stored
    // with the data so the receiver enforces them on what it sends on, and audits reads of it.
    await q.query(`ALTER TABLE messages ADD COLUMN restrictions text[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN restrictions`);
  }
}
