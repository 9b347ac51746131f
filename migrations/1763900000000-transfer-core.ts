import { MigrationInterface, QueryRunner } from 'typeorm';

export class TransferCore1763900000000 implements MigrationInterface {
  name = 'TransferCore1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE participants (
        code char(2) PRIMARY KEY,
        name text NOT NULL,
        languages text[] NOT NULL DEFAULT '{}',
        accepts text[],
        signing_key_id text NOT NULL,
        signing_public_key text NOT NULL,
        encryption_key_id text NOT NULL,
        encryption_public_key text NOT NULL,
        contacts jsonb NOT NULL DEFAULT '[]',
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ref text NOT NULL UNIQUE,
        owner_country char(2) NOT NULL,
        countries text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'CLOSED')),
        opened_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    // A yearly counter per node makes the 6-digit part of TRM-<CC>-<year>-<nnnnnn> without gaps or races.
    await q.query(`
      CREATE TABLE case_ref_counters (
        year int PRIMARY KEY,
        last_value int NOT NULL
      )`);
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        case_ref text,
        direction text NOT NULL CHECK (direction IN ('OUTBOUND', 'INBOUND')),
        type text NOT NULL,
        counterpart char(2) NOT NULL,
        in_reply_to text,
        legal_basis text NOT NULL,
        consent jsonb,
        payload jsonb,
        status text NOT NULL CHECK (status IN ('QUEUED', 'SENT', 'DELIVERED', 'REJECTED', 'ACCEPTED')),
        reason_code text,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        delivered_at timestamptz,
        rejected_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX messages_case_ref_idx ON messages (case_ref, created_at)`);
    await q.query(`CREATE INDEX messages_in_reply_to_idx ON messages (in_reply_to)`);
    await q.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL,
        routing_key text NOT NULL,
        body bytea NOT NULL,
        headers jsonb NOT NULL,
        properties jsonb NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE published_at IS NULL`,
    );
    await q.query(`CREATE INDEX outbox_message_idx ON outbox (message_id)`);
    await q.query(`
      CREATE TABLE inbox (
        message_id text PRIMARY KEY,
        sender char(2) NOT NULL,
        type text,
        outcome text NOT NULL CHECK (outcome IN ('ACCEPTED', 'REJECTED')),
        reason_code text,
        response_id uuid,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL,
        actor text NOT NULL,
        case_ref text,
        message_id text,
        message_type text,
        counterpart text,
        legal_basis text,
        decision text,
        reason_code text,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_case_idx ON audit_log (case_ref, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_log',
      'inbox',
      'outbox',
      'messages',
      'case_ref_counters',
      'cases',
      'participants',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
