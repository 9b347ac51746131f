import { MigrationInterface, QueryRunner } from 'typeorm';

export class PartnerAgencies1763900600000 implements MigrationInterface {
  name = 'PartnerAgencies1763900600000';

  async up(q: QueryRunner): Promise<void> {
    // The partner agencies (police units, NGOs…) that submit requests over the national exchange. Their
    // public keys check their signatures and seal the payloads of the answers they receive.
    await q.query(`
      CREATE TABLE agencies (
        code text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,40}$'),
        name text NOT NULL,
        broker_user text NOT NULL UNIQUE,
        signing_key_id text NOT NULL,
        signing_public_key text NOT NULL,
        encryption_key_id text NOT NULL,
        encryption_public_key text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per request id an agency ever submitted: the idempotency key, and the outcome it was given.
    await q.query(`
      CREATE TABLE agency_submissions (
        agency text NOT NULL REFERENCES agencies (code),
        request_id uuid NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ACCEPTED', 'REFUSED')),
        reason_code text,
        message_id uuid,
        reply_id uuid NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agency, request_id)
      )`);
    await q.query(`CREATE INDEX agency_submissions_message_idx ON agency_submissions (message_id)`);
    // The agencies' outbox: replies written in the transaction of the event that causes them, published by
    // a relay with publisher confirms. Bodies hold metadata and sealed payloads only.
    await q.query(`
      CREATE TABLE agency_replies (
        id bigserial PRIMARY KEY,
        reply_id uuid NOT NULL,
        agency text NOT NULL REFERENCES agencies (code),
        kind text NOT NULL,
        correlation_id text,
        body bytea NOT NULL,
        headers jsonb NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX agency_replies_due_idx ON agency_replies (next_attempt_at, id) WHERE published_at IS NULL`,
    );
    await q.query(`CREATE INDEX agency_replies_reply_idx ON agency_replies (reply_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agency_replies`);
    await q.query(`DROP TABLE agency_submissions`);
    await q.query(`DROP TABLE agencies`);
  }
}
