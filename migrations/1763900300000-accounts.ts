import { MigrationInterface, QueryRunner } from 'typeorm';

export class Accounts1763900300000 implements MigrationInterface {
  name = 'Accounts1763900300000';

  async up(q: QueryRunner): Promise<void> {
    // The people and systems that may call the HTTP API (docs/access.md). No row is ever deleted: a departed
    // user is disabled, so the audit log's `api:<name>` always names an account that existed.
    await q.query(`
      CREATE TABLE accounts (
        name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
        role text NOT NULL CHECK (role IN ('coordinator', 'agency', 'auditor', 'admin')),
        agency text CHECK (agency ~ '^[a-z0-9-]{2,40}$'),
        -- scrypt$<N>$<r>$<p>$<salt>$<hash>; null for an agency system that only uses API keys
        password_hash text,
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        CHECK ((role = 'agency') = (agency IS NOT NULL))
      )`);
    // An agency system's key: only its SHA-256 is kept; the key id is the public prefix that finds the row.
    await q.query(`
      CREATE TABLE api_keys (
        key_id text PRIMARY KEY,
        account text NOT NULL REFERENCES accounts (name),
        key_hash bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_account_idx ON api_keys (account)`);
    // Cases an auditor may see unpseudonymised, or an agency may submit on.
    await q.query(`
      CREATE TABLE case_grants (
        account text NOT NULL REFERENCES accounts (name),
        case_ref text NOT NULL REFERENCES cases (case_ref),
        granted_at timestamptz NOT NULL DEFAULT now(),
        granted_by text NOT NULL,
        PRIMARY KEY (account, case_ref)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE case_grants`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE accounts`);
  }
}
