import { MigrationInterface, QueryRunner } from 'typeorm';

export class Expectations1763900550000 implements MigrationInterface {
  name = 'Expectations1763900550000';

  async up(q: QueryRunner): Promise<void> {
    // An answer awaited from another country (AWAITED) or owed by this one (OWED), opened by a request in the
    // same transaction as the request's own record. Ids, codes, times and the addressed contact's function:
    // no personal data of the person.
    await q.query(`
      CREATE TABLE expectations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        request_message_id uuid NOT NULL UNIQUE REFERENCES messages (id),
        request_type text NOT NULL,
        expected_types text[] NOT NULL,
        direction text NOT NULL CHECK (direction IN ('AWAITED', 'OWED')),
        owed_by char(2) NOT NULL,
        owed_to char(2) NOT NULL,
        sop smallint NOT NULL CHECK (sop BETWEEN 1 AND 5),
        requested_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('OPEN', 'OVERDUE', 'ANSWERED', 'FAILED', 'CANCELLED')),
        delivered_at timestamptz,
        answered_at timestamptz,
        answer_message_id uuid,
        answer_type text,
        failed_at timestamptz,
        failure_reason_code text,
        cancelled_at timestamptz,
        overdue_at timestamptz,
        escalation_level integer NOT NULL DEFAULT 0,
        contact jsonb,
        escalations jsonb NOT NULL DEFAULT '[]',
        escalation_exhausted_at timestamptz,
        next_check_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The scheduler's claim: rows whose deadline or escalation period has passed.
    await q.query(
      `CREATE INDEX expectations_next_check_idx ON expectations (next_check_at) WHERE next_check_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX expectations_status_idx ON expectations (status, due_at)`);
    await q.query(`CREATE INDEX expectations_case_idx ON expectations (case_ref, requested_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE expectations`);
  }
}
