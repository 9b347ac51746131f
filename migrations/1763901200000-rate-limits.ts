import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every instance of a node (docs/access.md): one row per limit and principal
 * or address (its SHA-256, so no account name or address is kept), counting the hits of its current window.
 * UNLOGGED: the counters are worth nothing after a crash, and a write-ahead log entry per request is not.
 */
export class RateLimits1763901200000 implements MigrationInterface {
  name = 'RateLimits1763901200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        key_hash text PRIMARY KEY,
        hits integer NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX rate_limit_counters_expiry_idx ON rate_limit_counters (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_counters`);
  }
}
