import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

/** How often an instance deletes the counters whose window has ended. */
export const SWEEP_INTERVAL_MS = 60_000;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * @nestjs/throttler's storage in PostgreSQL, so every instance of a node counts against the same figure
 * (in memory, two instances behind one address would double every limit). One atomic upsert per request:
 * a key's window opens at its first hit and lasts `ttl`; a hit after the window ends opens a new one. A hit
 * is refused once the window's count passes the limit, until the window ends (Retry-After). The clock is
 * the database's, which all instances share.
 */
export class PgThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(PgThrottlerStorage.name);
  private sweptAt = 0;

  constructor(private readonly dataSource: DataSource) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const rows: Array<{ hits: number; seconds_left: number }> = await this.dataSource.query(
      `INSERT INTO rate_limit_counters AS c (key_hash, hits, expires_at)
       VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (key_hash) DO UPDATE SET
         hits = CASE WHEN c.expires_at <= now() THEN 1 ELSE c.hits + 1 END,
         expires_at = CASE WHEN c.expires_at <= now() THEN excluded.expires_at ELSE c.expires_at END
       RETURNING hits, ceil(extract(epoch FROM expires_at - now()))::int AS seconds_left`,
      [hashOf(key), ttl],
    );
    this.sweepNowAndThen();
    const { hits, seconds_left: secondsLeft } = rows[0];
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }

  /** Deletes the counters whose window has ended; returns how many. */
  async sweep(): Promise<number> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM rate_limit_counters WHERE expires_at <= now()`,
    );
    return deleted;
  }

  private sweepNowAndThen(): void {
    if (Date.now() - this.sweptAt < SWEEP_INTERVAL_MS) return;
    this.sweptAt = Date.now();
    this.sweep().catch((error: unknown) =>
      this.logger.warn(`could not delete ended rate-limit windows: ${String(error)}`),
    );
  }
}

/** The key names a principal or an address: only its hash is stored. */
function hashOf(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}
