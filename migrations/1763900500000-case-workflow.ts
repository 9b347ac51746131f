import { MigrationInterface, QueryRunner } from 'typeorm';

export class CaseWorkflow1763900500000 implements MigrationInterface {
  name = 'CaseWorkflow1763900500000';

  async up(q: QueryRunner): Promise<void> {
    // The case lifecycle (issue 6): roles of the countries, the SOP phases, the case managers and the
    // guardian of a child. Professionals' names and institutions only: the person's data stays in messages.
    await q.query(`ALTER TABLE cases ADD COLUMN country_roles jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE cases ADD COLUMN phases jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE cases ADD COLUMN managers jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`ALTER TABLE cases ADD COLUMN guardian jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN guardian`);
    await q.query(`ALTER TABLE cases DROP COLUMN managers`);
    await q.query(`ALTER TABLE cases DROP COLUMN phases`);
    await q.query(`ALTER TABLE cases DROP COLUMN country_roles`);
  }
}
