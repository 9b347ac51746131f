import { MigrationInterface, QueryRunner } from 'typeorm';

export class DirectoryVersions1763903400000 implements MigrationInterface {
  name = 'DirectoryVersions1763903400000';

  async up(q: QueryRunner): Promise<void> {
    // Every directory version this node accepted (docs/directory.md): the highest is the one it runs with, and
    // no file below it is taken again, across restarts. The document is the file as accepted (public keys and
    // contact functions only), so a node whose file is later refused keeps running with it.
    await q.query(`
      CREATE TABLE directory_versions (
        version bigint PRIMARY KEY CHECK (version >= 1),
        digest char(64) NOT NULL,
        issued_at timestamptz,
        anchor text,
        document jsonb NOT NULL,
        accepted_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE directory_versions`);
  }
}
