import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The language of a message's free text (docs/protocol.md, "Language of the free text"): the envelope's
 * optional `language`, kept on the message row so a coordinator sees what needs translating. A code, not
 * personal data: in clear.
 */
export class MessageLanguage1763903810000 implements MigrationInterface {
  name = 'MessageLanguage1763903810000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages ADD COLUMN language text CHECK (language ~ '^[a-z]{2}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN language`);
  }
}
